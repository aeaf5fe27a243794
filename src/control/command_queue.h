// How the control API's threads reach the packet pipeline without touching
// it: the HTTP threads post jobs to a bounded, mutex-protected queue and
// wait; the pipeline thread runs them between batches (drain), where the
// engine, the store and the config are consistent and nobody else holds
// them. A job that cannot be queued (queue full, shutting down) or that the
// pipeline does not run in time is an error for the caller, never a hang.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace bs::control {

class Controller;

using Job = std::function<void(Controller&)>;

// Runs jobs on the pipeline thread. The seam lets unit tests run them inline.
class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `job` and returns once it has run, or an error saying why not. The
  // job must own everything it touches: after a timeout it may still run.
  virtual tl::expected<void, std::string> run(Job job) = 0;
};

class CommandQueue final : public Executor {
 public:
  explicit CommandQueue(size_t capacity = 64,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : capacity_(capacity), timeout_(timeout) {}

  tl::expected<void, std::string> run(Job job) override;

  // Pipeline thread: runs at most max_count queued jobs; returns how many.
  size_t drain(Controller& controller, size_t max_count = 16);
  // Refuses new jobs and drops queued ones (their callers get an error).
  void close();

 private:
  struct Pending {
    Job job;
    std::shared_ptr<std::promise<void>> done;
  };
  std::mutex mutex_;
  std::deque<Pending> queue_;
  bool closed_ = false;
  size_t capacity_;
  std::chrono::milliseconds timeout_;
};

// Runs `fn(controller)` through `executor` and returns its value.
template <class T, class Fn>
tl::expected<T, std::string> call(Executor& executor, Fn fn) {
  auto result = std::make_shared<std::optional<T>>();
  auto ran = executor.run(
      [result, fn = std::move(fn)](Controller& controller) mutable { *result = fn(controller); });
  if (!ran) return tl::unexpected(ran.error());
  return std::move(**result);
}

}  // namespace bs::control
