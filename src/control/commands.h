// The Kea-style command interface: `{"command": NAME, "arguments": {...}}`
// in, `{"result": 0|1|2|3, "text": ..., "arguments": ...}` out, so scripts
// written for Kea's control channel carry over. The Dispatcher validates the
// request shape and routes it; handlers reach the packet pipeline only
// through the Executor. It never throws: every failure is an answer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/command_queue.h"
#include "control/command_util.h"

namespace bs::control {

class Dispatcher {
 public:
  explicit Dispatcher(Executor& executor) : executor_(executor) {}

  // A raw request body. Kea's Control Agent wraps answers in a list; when
  // the request names a "service", the answer is wrapped the same way.
  Json handle_body(std::string_view body);
  Json handle(const Json& request);

  static std::vector<std::string> command_names();

 private:
  Executor& executor_;
};

}  // namespace bs::control
