// Recursive-descent JSON reader with Kea's comment extensions and per-value
// line tracking. Values are built directly into nlohmann::json, so no
// nlohmann parser exception can escape; recursion depth is capped so hostile
// input cannot overflow the stack.
#include "config/jsonc.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

#include "common/text.h"

namespace bs::config {
namespace {

using nlohmann::json;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_byte(unsigned char byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 0xf];
}

void append_utf8(std::string& out, uint32_t code_point) {
  const auto put = [&](uint32_t bits) { out.push_back(static_cast<char>(bits)); };
  if (code_point < 0x80) {
    put(code_point);
  } else if (code_point < 0x800) {
    put(0xc0 | (code_point >> 6));
    put(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    put(0xe0 | (code_point >> 12));
    put(0x80 | ((code_point >> 6) & 0x3f));
    put(0x80 | (code_point & 0x3f));
  } else {
    put(0xf0 | (code_point >> 18));
    put(0x80 | ((code_point >> 12) & 0x3f));
    put(0x80 | ((code_point >> 6) & 0x3f));
    put(0x80 | (code_point & 0x3f));
  }
}

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  tl::expected<JsoncDocument, JsoncError> run() {
    if (text_.starts_with("\xef\xbb\xbf")) pos_ = 3;  // editors on Windows add a BOM
    if (!skip_space()) return tl::unexpected(*error_);
    if (at_end()) return tl::unexpected(JsoncError{line_, "the file contains no JSON value"});
    if (!parse_value(doc_.root, LineMap::kNoParent, "", 0, 0)) return tl::unexpected(*error_);
    if (!skip_space()) return tl::unexpected(*error_);
    if (!at_end()) {
      return tl::unexpected(
          JsoncError{line_, "unexpected " + found() + " after the end of the top-level value"});
    }
    return std::move(doc_);
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  bool at(char c) const { return !at_end() && text_[pos_] == c; }
  char peek(size_t offset = 0) const {
    return pos_ + offset < text_.size() ? text_[pos_ + offset] : '\0';
  }

  bool fail(int line, std::string message) {
    error_ = JsoncError{line, std::move(message)};
    return false;
  }

  // Names the character at the cursor for error messages.
  std::string found() const {
    if (at_end()) return "end of file";
    const auto byte = static_cast<unsigned char>(text_[pos_]);
    if (byte >= 0x21 && byte < 0x7f) return std::string("'") + text_[pos_] + "'";
    return "byte " + hex_byte(byte);
  }

  void skip_to_line_end() {
    while (!at_end() && text_[pos_] != '\n') ++pos_;
  }

  bool skip_block_comment() {
    const int start_line = line_;
    pos_ += 2;
    while (!at_end()) {
      if (text_[pos_] == '*' && peek(1) == '/') {
        pos_ += 2;
        return true;
      }
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
    return fail(start_line, "unterminated /* comment (no closing */ before end of file)");
  }

  // Skips whitespace and comments; false only for an unterminated comment.
  bool skip_space() {
    while (!at_end()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        skip_to_line_end();
      } else if (c == '/' && peek(1) == '*') {
        if (!skip_block_comment()) return false;
      } else {
        return true;
      }
    }
    return true;
  }

  // `segment` is the member name or array index under `parent`.
  bool parse_value(json& out, uint32_t parent, std::string_view segment, int key_line, int depth) {
    const uint32_t id = doc_.lines.add(parent, segment, line_, key_line);
    const char c = peek();
    if (c == '{' || c == '[') {
      if (depth >= max_depth_) {
        return fail(line_, "nesting is deeper than " + std::to_string(max_depth_) + " levels");
      }
      return c == '{' ? parse_object(out, id, depth + 1) : parse_array(out, id, depth + 1);
    }
    if (c == '"') {
      std::string text;
      if (!parse_string(text)) return false;
      out = std::move(text);
      return true;
    }
    // Kea's lexer also takes a real with no digit before the point (".5").
    if (c == '-' || is_digit(c) || (c == '.' && is_digit(peek(1)))) return parse_number(out);
    if (is_word_char(c)) return parse_word(out);
    if (c == '\'') return fail(line_, "strings must be in double quotes, not single quotes");
    if (c == '<' && peek(1) == '?') {
      return fail(line_, "<?include?> directives are not supported; use a single file");
    }
    if (c == '/') return fail(line_, "unexpected '/'; comments start with // or /*");
    return fail(line_, "expected a value but found " + found());
  }

  bool parse_object(json& out, uint32_t id, int depth) {
    ++pos_;
    out = json::object();
    while (true) {
      if (!skip_space()) return false;
      if (at('}')) {  // also accepts a trailing comma, as recent Kea versions do
        ++pos_;
        return true;
      }
      if (!at('"')) return fail(line_, "expected a member name in double quotes, found " + found());
      if (!parse_member(out, id, depth)) return false;
      const int value_end_line = line_;
      if (!skip_space()) return false;
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (at('}')) {
        ++pos_;
        return true;
      }
      return fail(line_,
                  "expected ',' or '}' but found " + found() + missing_comma_hint(value_end_line));
    }
  }

  bool parse_member(json& object, uint32_t id, int depth) {
    const int key_line = line_;
    std::string key;
    if (!parse_string(key)) return false;
    if (object.contains(key)) {
      return fail(key_line, "duplicate key \"" + key + "\" (first given on line " +
                                std::to_string(doc_.lines.member_key_line(id, key)) + ")");
    }
    if (!skip_space()) return false;
    if (!at(':')) return fail(line_, "expected ':' after \"" + key + "\" but found " + found());
    ++pos_;
    if (!skip_space()) return false;
    json value;
    if (!parse_value(value, id, key, key_line, depth)) return false;
    object.emplace(std::move(key), std::move(value));
    return true;
  }

  bool parse_array(json& out, uint32_t id, int depth) {
    ++pos_;
    out = json::array();
    while (true) {
      if (!skip_space()) return false;
      if (at(']')) {  // also accepts a trailing comma
        ++pos_;
        return true;
      }
      json element;
      if (!parse_value(element, id, std::to_string(out.size()), 0, depth)) return false;
      out.push_back(std::move(element));
      const int value_end_line = line_;
      if (!skip_space()) return false;
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (at(']')) {
        ++pos_;
        return true;
      }
      return fail(line_,
                  "expected ',' or ']' but found " + found() + missing_comma_hint(value_end_line));
    }
  }

  // The usual cause of this error is a comma forgotten at the end of a line.
  std::string missing_comma_hint(int value_end_line) const {
    if (value_end_line == line_) return "";
    return " (is a ',' missing at the end of line " + std::to_string(value_end_line) + "?)";
  }

  bool parse_string(std::string& out) {
    const int start_line = line_;
    ++pos_;
    while (true) {
      if (at_end()) return fail(start_line, "unterminated string");
      const auto byte = static_cast<unsigned char>(text_[pos_]);
      if (byte == '"') {
        ++pos_;
        return true;
      }
      if (byte == '\\') {
        if (!parse_escape(out)) return false;
      } else if (byte == '\n') {
        return fail(start_line, "unterminated string (a string cannot span lines; write \\n)");
      } else if (byte < 0x20) {
        return fail(line_, "control character " + hex_byte(byte) + " inside a string");
      } else {
        const size_t length = utf8_sequence_length(text_, pos_);
        if (length == 0) return fail(line_, "invalid UTF-8 inside a string");
        out.append(text_.substr(pos_, length));
        pos_ += length;
      }
    }
  }

  bool parse_escape(std::string& out) {
    const char c = peek(1);
    pos_ += 2;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out.push_back(c);
        return true;
      case 'b':
        out.push_back('\b');
        return true;
      case 'f':
        out.push_back('\f');
        return true;
      case 'n':
        out.push_back('\n');
        return true;
      case 'r':
        out.push_back('\r');
        return true;
      case 't':
        out.push_back('\t');
        return true;
      case 'u':
        return parse_unicode_escape(out);
      default:
        return fail(line_, "invalid escape sequence in string");
    }
  }

  std::optional<uint32_t> read_hex4() {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) {
      const int digit = hex_digit(peek(i));
      if (digit < 0) return std::nullopt;
      value = value * 16 + static_cast<uint32_t>(digit);
    }
    pos_ += 4;
    return value;
  }

  // Called with the cursor just past "\u".
  bool parse_unicode_escape(std::string& out) {
    auto unit = read_hex4();
    if (!unit) return fail(line_, "\\u must be followed by four hex digits");
    uint32_t code_point = *unit;
    if (code_point >= 0xdc00 && code_point <= 0xdfff) {
      return fail(line_, "unpaired UTF-16 surrogate in \\u escape");
    }
    if (code_point >= 0xd800 && code_point <= 0xdbff) {
      if (peek() != '\\' || peek(1) != 'u') {
        return fail(line_, "unpaired UTF-16 surrogate in \\u escape");
      }
      pos_ += 2;
      auto low = read_hex4();
      if (!low || *low < 0xdc00 || *low > 0xdfff) {
        return fail(line_, "unpaired UTF-16 surrogate in \\u escape");
      }
      code_point = 0x10000 + ((code_point - 0xd800) << 10) + (*low - 0xdc00);
    }
    // A NUL would silently truncate names handed to the C APIs later on.
    if (code_point == 0) return fail(line_, "\\u0000 is not allowed in a string");
    append_utf8(out, code_point);
    return true;
  }

  bool skip_digits() {
    if (!is_digit(peek())) return false;
    while (is_digit(peek())) ++pos_;
    return true;
  }

  bool parse_number(json& out) {
    const size_t start = pos_;
    if (at('-')) ++pos_;
    const bool leading_point = at('.') && is_digit(peek(1));
    if (at('0')) {
      ++pos_;
      if (is_digit(peek())) return fail(line_, "numbers must not have leading zeros");
    } else if (!leading_point && !skip_digits()) {
      return fail(line_, "invalid number");
    }
    bool integral = true;
    if (at('.')) {
      ++pos_;
      integral = false;
      if (!skip_digits()) return fail(line_, "invalid number: digits must follow '.'");
    }
    if (at('e') || at('E')) {
      ++pos_;
      integral = false;
      if (at('+') || at('-')) ++pos_;
      if (!skip_digits()) return fail(line_, "invalid number: digits must follow the exponent");
    }
    std::string_view digits = text_.substr(start, pos_ - start);
    if (!leading_point) return store_number(digits, integral, out);
    // from_chars wants a digit before the point: ".5" -> "0.5".
    std::string padded(digits);
    padded.insert(padded.front() == '-' ? 1 : 0, "0");
    return store_number(padded, integral, out);
  }

  bool store_number(std::string_view digits, bool integral, json& out) {
    const char* first = digits.data();
    const char* last = first + digits.size();
    if (integral && digits.front() == '-') {
      int64_t value = 0;
      if (std::from_chars(first, last, value).ec == std::errc()) {
        out = value;
        return true;
      }
    } else if (integral) {
      uint64_t value = 0;
      if (std::from_chars(first, last, value).ec == std::errc()) {
        out = value;
        return true;
      }
    }
    double value = 0;
    if (std::from_chars(first, last, value).ec != std::errc()) {
      return fail(line_, "number " + std::string(digits) + " is out of range");
    }
    out = value;
    return true;
  }

  bool parse_word(json& out) {
    const size_t start = pos_;
    while (is_word_char(peek())) ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    if (word == "true" || word == "false") {
      out = word == "true";
    } else if (word == "null") {
      out = nullptr;
    } else {
      return fail(line_,
                  "unexpected word '" + std::string(word) + "' (strings must be in double quotes)");
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int max_depth_;
  JsoncDocument doc_;
  std::optional<JsoncError> error_;
};

}  // namespace

std::string LineMap::index_key(uint32_t parent, std::string_view segment) {
  std::string key = std::to_string(parent);
  key.push_back('/');
  key.append(segment);
  return key;
}

uint32_t LineMap::add(uint32_t parent, std::string_view segment, int value_line, int key_line) {
  const auto id = static_cast<uint32_t>(positions_.size());
  positions_.push_back({value_line, key_line});
  if (parent != kNoParent) ids_.emplace(index_key(parent, segment), id);
  return id;
}

std::optional<uint32_t> LineMap::child(uint32_t parent, std::string_view segment) const {
  const auto it = ids_.find(index_key(parent, segment));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

int LineMap::member_key_line(uint32_t parent, std::string_view key) const {
  const auto id = child(parent, key);
  return id ? positions_[*id].key_line : 0;
}

std::optional<LineMap::Position> LineMap::find(std::string_view pointer) const {
  if (positions_.empty()) return std::nullopt;
  uint32_t id = 0;
  while (!pointer.empty()) {
    if (pointer.front() != '/') return std::nullopt;
    pointer.remove_prefix(1);
    const size_t end = std::min(pointer.find('/'), pointer.size());
    std::string segment;
    for (size_t i = 0; i < end; ++i) {
      if (pointer[i] == '~' && i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        segment.push_back(pointer[++i] == '0' ? '~' : '/');
      } else {
        segment.push_back(pointer[i]);
      }
    }
    const auto next = child(id, segment);
    if (!next) return std::nullopt;
    id = *next;
    pointer.remove_prefix(end);
  }
  return positions_[id];
}

int LineMap::value_line(std::string_view pointer) const {
  const auto position = find(pointer);
  return position ? position->value_line : 0;
}

int LineMap::key_line(std::string_view pointer) const {
  const auto position = find(pointer);
  if (!position) return 0;
  return position->key_line != 0 ? position->key_line : position->value_line;
}

tl::expected<JsoncDocument, JsoncError> parse_jsonc(std::string_view text, int max_depth) {
  return Parser(text, max_depth).run();
}

std::string json_pointer_escape(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace bs::config
