// The committer thread: runs one commit stage's store transaction (its
// fsync) while the pipeline thread receives and handles the next batch.
// One batch at most is in flight: the pipeline submits a stage, keeps
// working on the other stage, and waits for the first before submitting
// the second, so batches reach the store in the order they were handled
// and a failed batch is settled before any later one is submitted
// (server.cpp, "overlapped commits"). The thread touches only the store and
// the submitted stage's changes; the engine, the replies and the transport
// stay on the pipeline thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/commit_stage.h"

namespace bs::server {

class Committer {
 public:
  Committer();
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Starts `stage`'s commit_in_store() on the thread. Nothing may be in
  // flight (wait() first) and stage.begin() must have returned true.
  void submit(CommitStage& stage);
  // Blocks until the submitted stage's store call returned; gives it back
  // for settle(). Something must be in flight.
  CommitStage& wait();
  bool in_flight() const { return submitted_ != nullptr; }

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  CommitStage* submitted_ = nullptr;  // pipeline thread's view: in flight
  CommitStage* pending_ = nullptr;    // guarded: for the thread to take
  bool done_ = false;                 // guarded: the pending stage is stored
  bool stop_ = false;                 // guarded
  std::thread thread_;
};

}  // namespace bs::server
