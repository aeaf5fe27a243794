// Framing of Kea's UNIX-socket command protocol: the client writes one JSON
// map, with no length or delimiter, and the server knows it has all of it
// when the braces balance (outside strings). This class finds that end in
// whatever pieces the socket delivers, with no I/O and no exceptions, and
// has the same shape as the HTTP RequestParser so the epoll server drives
// either one. It only frames: the text is parsed (with its depth bound) by
// the command dispatcher. Bounded by kMaxBodyBytes, like an HTTP body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "control/http_request_parser.h"

namespace bs::control::http {

class JsonFramer {
 public:
  using State = RequestParser::State;

  // Consumes bytes up to the end of the first complete JSON map (later bytes
  // are not the request's) or up to the first error.
  size_t feed(std::string_view data);

  State state() const { return state_; }
  bool started() const { return started_; }
  // The request as a POST of its JSON text, so one handler type serves both.
  Request take_request();
  size_t buffered_bytes() const { return text_.size(); }
  const ParseError& error() const { return error_; }

 private:
  bool fail(int status, std::string message);

  State state_ = State::kNeedMore;
  bool started_ = false;
  bool in_string_ = false;
  bool escaped_ = false;
  size_t depth_ = 0;
  std::string text_;
  ParseError error_;
};

}  // namespace bs::control::http
