// A ScriptRunner for tests: keeps the events it is given, up to a capacity,
// and counts the ones that did not fit, so scenario tests can see what the
// pipeline hands over and when, without running anything.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "server/script_runner.h"

namespace bs::server {

struct FakeScriptLog {
  std::vector<ScriptEvent> events;
  size_t capacity = SIZE_MAX;
  size_t refused = 0;
};

class FakeScriptRunner final : public ScriptRunner {
 public:
  explicit FakeScriptRunner(std::shared_ptr<FakeScriptLog> log) : log_(std::move(log)) {}
  bool submit(ScriptEvent event) override {
    if (log_->events.size() >= log_->capacity) {
      ++log_->refused;
      return false;
    }
    log_->events.push_back(std::move(event));
    return true;
  }

 private:
  std::shared_ptr<FakeScriptLog> log_;
};

}  // namespace bs::server
