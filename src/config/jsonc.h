// A JSON reader for configuration files. It accepts the comment styles Kea
// accepts (//, /* */ and # to end of line) and remembers on which line every
// value and object key starts, so that semantic errors found later can point
// the administrator at the right line. It never throws: syntax errors come
// back as a line number and a message.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <unordered_map>
#include <vector>

namespace bs::config {

// Where each value of a document starts, found by JSON pointer (RFC 6901,
// e.g. "/Dhcp4/subnet4/0/pools/1/pool"; the root is ""). Values are numbered
// and indexed by (parent number, member name or array index), so memory grows
// with the input rather than with depth times breadth as full pointer strings
// would.
class LineMap {
 public:
  static constexpr uint32_t kNoParent = UINT32_MAX;

  // Records a value; `key_line` is 0 for array elements and the root.
  // Returns the number to pass as `parent` for the value's children.
  uint32_t add(uint32_t parent, std::string_view segment, int value_line, int key_line);
  // Line of member `key` of object `parent`, 0 if there is none yet.
  int member_key_line(uint32_t parent, std::string_view key) const;

  // Lines are 1-based; 0 means the pointer names no value.
  int value_line(std::string_view pointer) const;
  // The member name's line, else the value's line.
  int key_line(std::string_view pointer) const;

 private:
  struct Position {
    int value_line = 0;
    int key_line = 0;
  };
  std::optional<Position> find(std::string_view pointer) const;
  std::optional<uint32_t> child(uint32_t parent, std::string_view segment) const;
  static std::string index_key(uint32_t parent, std::string_view segment);

  std::vector<Position> positions_;
  std::unordered_map<std::string, uint32_t> ids_;  // "PARENT/SEGMENT" -> number
};

struct JsoncDocument {
  nlohmann::json root;
  LineMap lines;

  int value_line(std::string_view pointer) const { return lines.value_line(pointer); }
  int key_line(std::string_view pointer) const { return lines.key_line(pointer); }
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
