// The script runner's thread (script_runner.h). posix_spawn rather than
// fork: the daemon has several threads, and a forked copy of a threaded
// process may only call async-signal-safe functions before exec; spawn
// does that part for us. Children are waited for by pid, so nothing else
// the process starts is reaped here by mistake.
#include "server/script_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <chrono>
#include <cstring>

#include "common/assert.h"

namespace bs::server {
namespace {

// How often the thread looks at its children when nothing else wakes it.
constexpr auto kReapInterval = std::chrono::milliseconds(50);
// At shutdown, running scripts get this long before they are killed.
constexpr int64_t kShutdownGrace_ms = 2000;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ProcessScriptRunner::ProcessScriptRunner(std::string script_path, ScriptRunnerOptions options)
    : path_(std::move(script_path)), options_(options) {
  BS_ASSERT(options_.queue_capacity > 0 && options_.max_children > 0);
  thread_ = std::thread([this] { run(); });
}

ProcessScriptRunner::~ProcessScriptRunner() {
  size_t unrun = 0;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    unrun = queue_.size();
  }
  wake_.notify_all();
  thread_.join();
  if (unrun > 0) spdlog::warn("run_script: {} queued lease event(s) not run at shutdown", unrun);
}

bool ProcessScriptRunner::submit(ScriptEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) {
      stats_.dropped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(event));
  }
  stats_.queued.fetch_add(1, std::memory_order_relaxed);
  wake_.notify_one();
  return true;
}

bool ProcessScriptRunner::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && running_.load() == 0 && calls_pending_.load() == 0;
}

void ProcessScriptRunner::run() {
  for (;;) {
    reap(false);
    // Calls already made from an event are started before the next event
    // is taken, so one event's calls keep Kea's order among themselves.
    while (!calls_.empty() && children_.size() < options_.max_children) {
      spawn(calls_.front());
      calls_.pop_front();
    }
    calls_pending_.store(calls_.size());
    std::unique_lock lock(mutex_);
    if (stopping_) break;
    if (calls_.empty() && !queue_.empty() && children_.size() < options_.max_children) {
      ScriptEvent event = std::move(queue_.front());
      queue_.pop_front();
      calls_pending_.store(1);  // not idle while the event becomes calls
      lock.unlock();
      for (ScriptCall& call : script_calls(event)) calls_.push_back(std::move(call));
      calls_pending_.store(calls_.size());
      continue;
    }
    wake_.wait_for(lock, kReapInterval);
  }
  const int64_t deadline_ms = steady_ms() + kShutdownGrace_ms;
  while (!children_.empty() && steady_ms() < deadline_ms) {
    reap(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const Child& child : children_) kill(child.pid, SIGKILL);
  reap(true);
}

void ProcessScriptRunner::spawn(const ScriptCall& call) {
  std::vector<char*> argv{path_.data(), const_cast<char*>(call.hook.c_str()), nullptr};
  std::vector<char*> envp;
  envp.reserve(call.env.size() + 1);
  for (const std::string& entry : call.env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The daemon's stdin is no business of the script's.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, path_.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    stats_.spawn_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("run_script: cannot start {} for {}: {}", path_, call.hook, strerror(error));
    return;
  }
  stats_.started.fetch_add(1, std::memory_order_relaxed);
  children_.push_back(Child{pid, steady_ms()});
  running_.store(children_.size());
}

void ProcessScriptRunner::reap(bool block) {
  const int64_t now_ms = steady_ms();
  for (size_t i = 0; i < children_.size();) {
    Child& child = children_[i];
    if (!block && !child.killed && now_ms - child.started_ms > options_.child_timeout_ms) {
      child.killed = true;
      if (kill(child.pid, SIGKILL) == 0) stats_.killed.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("run_script: {} ran longer than {} ms, killed", path_,
                   options_.child_timeout_ms);
    }
    int status = 0;
    const pid_t done = waitpid(child.pid, &status, block ? 0 : WNOHANG);
    if (done == 0) {
      ++i;
      continue;
    }
    if (done == child.pid && !child.killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      stats_.failed.fetch_add(1, std::memory_order_relaxed);
    }
    children_[i] = children_.back();
    children_.pop_back();
  }
  running_.store(children_.size());
}

}  // namespace bs::server
