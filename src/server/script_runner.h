// libdhcp_run_script's built-in equivalent: runs the configured script for
// durable lease events, never on the packet path. The pipeline hands events
// to submit(), which only moves them into a bounded queue (or counts them
// as dropped when it is full); a thread of the runner's own turns each into
// Kea's calls (script_event.h) and starts the script with posix_spawn, at
// most `max_children` at once, reaping them and killing any that outlives
// `child_timeout_ms`. Scripts therefore run in no guaranteed order, as with
// Kea's "sync": false.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/script_event.h"

namespace bs::server {

// What the server talks to; scenario tests use a fake.
class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;
  // Never blocks. False when the event was dropped (queue full).
  virtual bool submit(ScriptEvent event) = 0;
};

struct ScriptRunnerOptions {
  size_t queue_capacity = 1024;  // events waiting for a free child slot
  size_t max_children = 4;       // scripts running at once
  int64_t child_timeout_ms = 60'000;
};

struct ScriptRunnerStats {
  std::atomic<uint64_t> queued{0};
  std::atomic<uint64_t> dropped{0};         // queue full
  std::atomic<uint64_t> started{0};         // script processes spawned
  std::atomic<uint64_t> spawn_failures{0};  // posix_spawn failed
  std::atomic<uint64_t> failed{0};          // exited non-zero or by a signal
  std::atomic<uint64_t> killed{0};          // outlived child_timeout_ms
};

class ProcessScriptRunner final : public ScriptRunner {
 public:
  ProcessScriptRunner(std::string script_path, ScriptRunnerOptions options = {});
  // Stops taking events and waits (bounded) for running scripts; events
  // still queued are not run and are logged as such.
  ~ProcessScriptRunner() override;
  ProcessScriptRunner(const ProcessScriptRunner&) = delete;
  ProcessScriptRunner& operator=(const ProcessScriptRunner&) = delete;

  bool submit(ScriptEvent event) override;
  const ScriptRunnerStats& stats() const { return stats_; }
  // Test hook: true once the queue is empty and no script runs.
  bool idle() const;

 private:
  struct Child {
    pid_t pid = 0;
    int64_t started_ms = 0;
    bool killed = false;
  };
  void run();
  void spawn(const ScriptCall& call);
  void reap(bool block);

  std::string path_;
  ScriptRunnerOptions options_;
  ScriptRunnerStats stats_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<ScriptEvent> queue_;  // guarded by mutex_
  std::deque<ScriptCall> calls_;   // runner thread only
  bool stopping_ = false;          // guarded by mutex_
  std::atomic<size_t> running_{0};
  std::atomic<size_t> calls_pending_{0};  // calls_.size(), for idle()
  std::vector<Child> children_;           // runner thread only
  std::thread thread_;
};

}  // namespace bs::server
