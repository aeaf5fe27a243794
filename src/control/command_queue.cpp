// The bounded job queue between the HTTP threads and the packet pipeline.
#include "control/command_queue.h"

#include <exception>

namespace bs::control {

tl::expected<void, std::string> CommandQueue::run(Job job) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  {
    std::lock_guard lock(mutex_);
    if (closed_) return tl::unexpected(std::string("the server is shutting down"));
    if (queue_.size() >= capacity_) {
      return tl::unexpected(std::string("too many control requests at once; try again"));
    }
    queue_.push_back(Pending{std::move(job), std::move(done)});
  }
  if (finished.wait_for(timeout_) != std::future_status::ready) {
    return tl::unexpected(std::string("the packet pipeline did not answer in time"));
  }
  try {
    finished.get();
  } catch (const std::future_error&) {  // dropped by close() before it ran
    return tl::unexpected(std::string("the server is shutting down"));
  } catch (const std::exception& e) {
    return tl::unexpected(std::string("internal error: ") + e.what());
  }
  return {};
}

size_t CommandQueue::drain(Controller& controller, size_t max_count) {
  size_t ran = 0;
  while (ran < max_count) {
    Pending next;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) break;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    // Jobs report errors in their results; anything thrown (allocation
    // failure, a bug) goes back to the caller, never into the packet loop.
    try {
      next.job(controller);
      next.done->set_value();
    } catch (...) {
      next.done->set_exception(std::current_exception());
    }
    ++ran;
  }
  return ran;
}

void CommandQueue::close() {
  std::deque<Pending> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    dropped.swap(queue_);
  }
  // Destroying the promises unblocks their callers with broken_promise.
}

}  // namespace bs::control
