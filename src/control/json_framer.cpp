// Brace counting for the UNIX control socket's one-JSON-map requests.
#include "control/json_framer.h"

namespace bs::control::http {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

bool JsonFramer::fail(int status, std::string message) {
  state_ = State::kError;
  error_ = ParseError{status, std::move(message)};
  text_.clear();
  text_.shrink_to_fit();
  return false;
}

size_t JsonFramer::feed(std::string_view data) {
  if (state_ != State::kNeedMore) return 0;
  size_t used = 0;
  while (used < data.size()) {
    const char c = data[used++];
    if (depth_ == 0) {
      // Before the map: whitespace only. Anything else (a list, a bare
      // string, a second HTTP-speaking client) is not a command.
      if (is_space(c)) continue;
      if (c != '{') {
        fail(400, "a command must be one JSON map, {\"command\": ...}");
        return used;
      }
      started_ = true;
    }
    text_.push_back(c);
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        state_ = State::kComplete;
        return used;
      }
    }
    if (text_.size() > kMaxBodyBytes) {
      fail(413, "the command is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
      return used;
    }
  }
  return used;
}

Request JsonFramer::take_request() {
  Request request;
  request.method = "POST";
  request.target = "/";
  request.path = "/";
  request.body = std::move(text_);
  text_.clear();
  return request;
}

}  // namespace bs::control::http
