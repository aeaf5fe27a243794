// An incremental HTTP/1.1 request parser for the control API, with no I/O
// and no exceptions: the server feeds it whatever bytes a socket gave, and it
// answers "need more", a complete Request, or an error carrying the status to
// answer. Everything it keeps is bounded: the request line and header section
// (kMaxHeaderBytes, kMaxHeaderCount) and the body (kMaxBodyBytes, counted both
// on the decoded bytes and on the bytes on the wire, so chunk framing cannot
// smuggle in more). It is strict where lenience is how requests get smuggled
// past proxies: one Content-Length at most, never together with
// Transfer-Encoding, only "chunked" as a transfer coding, CRLF line endings
// only (no bare CR or LF), no obs-fold, no whitespace before a header's colon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/types.h"

namespace bs::control::http {

// Larger bodies are refused with 413; the largest real request is a
// config-test with a whole configuration.
inline constexpr size_t kMaxBodyBytes = size_t{4} * 1024 * 1024;
// The request line plus every header line (and, for chunked bodies, the
// trailer section): browsers send under 2 KiB.
inline constexpr size_t kMaxHeaderBytes = size_t{16} * 1024;
inline constexpr size_t kMaxHeaderCount = 64;
// A chunk-size line with its extensions; real ones are a few bytes.
inline constexpr size_t kMaxChunkLineBytes = 256;

struct Request {
  std::string method;                                      // "GET", case-sensitive as RFC 9110 says
  std::string target;                                      // as sent: "/api/leases?q=02:cc"
  std::string path;                                        // target up to '?', not decoded
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  int minor_version = 1;  // HTTP/1.0 or HTTP/1.1
  // Where the connection arrived; the server fills it in (Host checks on a
  // socket bound to 0.0.0.0 need it).
  Ip4 local_address;

  // The first header of that (lower-case) name; nullopt when absent.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // The first query parameter of that name; empty when absent.
  std::string param(std::string_view name) const;
  bool has_param(std::string_view name) const;
};

struct ParseError {
  int status = 400;
  std::string message;
};

class RequestParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  // Consumes bytes of `data` and returns how many it used: it stops right
  // after a complete request (later bytes belong to the next one) and at the
  // first error. Feeding after kComplete or kError consumes nothing.
  size_t feed(std::string_view data);

  State state() const { return state_; }
  bool started() const { return started_; }
  // After the headers of a request with a body that asked for
  // "Expect: 100-continue"; the server answers 100 once and calls
  // continue_sent().
  bool wants_continue() const { return wants_continue_; }
  void continue_sent() { wants_continue_ = false; }

  // Valid in kComplete; moves the request out.
  Request take_request() { return std::move(request_); }
  // Memory held for the request so far (for the server's global budget).
  size_t buffered_bytes() const { return pending_.size() + head_bytes_ + request_.body.size(); }
  const ParseError& error() const { return error_; }

 private:
  enum class Phase {
    kRequestLine,
    kHeaderLine,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kDone
  };

  size_t step(std::string_view data);
  size_t read_line(std::string_view data, size_t limit_bytes, int too_long_status,
                   const char* what);
  size_t feed_body(std::string_view data);
  size_t feed_chunk_data(std::string_view data);
  void on_line(std::string_view line);

  bool parse_request_line(std::string_view line);
  bool parse_target(std::string_view target);
  bool parse_header_line(std::string_view line);
  bool check_field(std::string_view line, std::string_view& name, std::string_view& value);
  bool note_framing_header(const std::string& name, std::string_view value);
  bool end_of_headers();
  bool parse_chunk_size(std::string_view line);
  bool on_trailer_line(std::string_view line);
  void complete();
  bool fail(int status, std::string message);

  State state_ = State::kNeedMore;
  Phase phase_ = Phase::kRequestLine;
  bool started_ = false;
  bool wants_continue_ = false;
  bool line_ready_ = false;
  std::string pending_;         // the line being read, CRLF included once complete
  size_t head_bytes_ = 0;       // request line and headers so far
  size_t trailer_bytes_ = 0;    // trailer section of a chunked body so far
  size_t body_left_bytes_ = 0;  // Content-Length or current chunk still to read
  size_t body_wire_bytes_ = 0;  // the body as framed on the wire
  std::optional<size_t> content_length_;
  bool chunked_ = false;
  bool has_transfer_encoding_ = false;
  int host_count_ = 0;
  bool expect_continue_ = false;
  Request request_;
  ParseError error_;
};

// HTTP's reason phrase for the statuses the control API answers with.
std::string_view reason_phrase(int status);

}  // namespace bs::control::http
