// The Kea-style command interface: `{"command": NAME, "arguments": {...}}`
// in, `{"result": 0|1|2|3, "text": ..., "arguments": ...}` out, so scripts
// written for Kea's control channel carry over. The Dispatcher validates the
// request shape and routes it; handlers reach the packet pipeline only
// through the Executor. It never throws: every failure is an answer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/jsonc.h"
#include "control/command_queue.h"
#include "control/command_util.h"

namespace bs::control {

// Requests nested deeper than this are refused while they are parsed, so
// nothing downstream (copies, dump(), comparisons, all recursive in
// nlohmann::json) ever sees one that could exhaust a thread's stack. It is
// the configuration reader's bound too: Kea's configurations nest about ten
// levels (Dhcp4, shared-networks, subnet4, pools, option-data...).
inline constexpr int kMaxJsonDepth = config::kDefaultMaxDepth;

// Parses a request body, refusing nesting deeper than kMaxJsonDepth; the
// error says why (invalid JSON, or too deep). Never throws.
tl::expected<Json, std::string> parse_request_json(std::string_view body);

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
