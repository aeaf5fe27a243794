// The committer thread (committer.h). A mutex and one condition variable:
// a hand-off per batch costs two wake-ups, small beside the fsync it hides.
#include "server/committer.h"

#include "common/assert.h"

namespace bs::server {

Committer::Committer() : thread_([this] { run(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Committer::submit(CommitStage& stage) {
  BS_ASSERT(submitted_ == nullptr);
  submitted_ = &stage;
  {
    std::lock_guard lock(mutex_);
    pending_ = &stage;
    done_ = false;
  }
  wake_.notify_all();
}

CommitStage& Committer::wait() {
  BS_ASSERT(submitted_ != nullptr);
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return done_; });
  CommitStage& stage = *submitted_;
  submitted_ = nullptr;
  done_ = false;
  return stage;
}

// A stage submitted before a stop is still committed: the destructor
// joins only after the pending store call returned.
void Committer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || pending_ != nullptr; });
    if (pending_ == nullptr) return;
    CommitStage* stage = pending_;
    pending_ = nullptr;
    lock.unlock();
    stage->commit_in_store();
    lock.lock();
    done_ = true;
    wake_.notify_all();
  }
}

}  // namespace bs::server
