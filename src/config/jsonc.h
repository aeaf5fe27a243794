// A JSON reader for configuration files. It accepts the comment styles Kea
// accepts (//, /* */ and # to end of line) and remembers on which line every
// value and object key starts, so that semantic errors found later can point
// the administrator at the right line. It never throws: syntax errors come
// back as a line number and a message.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace bs::config {

struct JsoncDocument {
  nlohmann::json root;
  // Keyed by JSON pointer (RFC 6901), e.g. "/Dhcp4/subnet4/0/pools/1/pool";
  // the root value is "". Lines are 1-based.
  std::unordered_map<std::string, int> value_lines;
  // Line of the member name for every object member, keyed like value_lines.
  std::unordered_map<std::string, int> key_lines;

  // The value's line, else the key's line, else 0.
  int value_line(const std::string& pointer) const;
  // The key's line, else the value's line, else 0.
  int key_line(const std::string& pointer) const;
};

struct JsoncError {
  int line = 0;
  std::string message;
};

// Deeply nested input is refused rather than allowed to exhaust the stack.
constexpr int kDefaultMaxDepth = 64;

tl::expected<JsoncDocument, JsoncError> parse_jsonc(std::string_view text,
                                                    int max_depth = kDefaultMaxDepth);

// Escapes one member name for use in a JSON pointer ("~" -> "~0", "/" -> "~1").
std::string json_pointer_escape(std::string_view key);

}  // namespace bs::config
