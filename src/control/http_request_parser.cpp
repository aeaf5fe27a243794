// The control API's HTTP/1.1 request parser: a byte-driven state machine
// over request line, header lines, and a Content-Length or chunked body.
// Lines are read one at a time into a buffer that never outgrows the header
// cap; body bytes go straight into the request, never past the body cap.
#include "control/http_request_parser.h"

#include <algorithm>
#include <charconv>

namespace bs::control::http {
namespace {

// RFC 9110 tchar: the characters of a method or header name.
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

// Visible ASCII, obs-text, space and tab: what a field value may hold.
bool is_field_value_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query-string decoding: %XX and '+' for space, as HTML forms encode it.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] != '%') {
      out.push_back(text[i]);
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string Request::param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return {};
}

bool Request::has_param(std::string_view name) const {
  return std::any_of(query.begin(), query.end(),
                     [&](const auto& item) { return item.first == name; });
}

size_t RequestParser::feed(std::string_view data) {
  size_t used = 0;
  while (state_ == State::kNeedMore && used < data.size()) {
    started_ = true;
    used += step(data.substr(used));
  }
  // A request without a body completes on its last header line; one whose
  // body is already whole completes without another byte.
  return used;
}

size_t RequestParser::step(std::string_view data) {
  switch (phase_) {
    case Phase::kRequestLine:
      return read_line(data, kMaxHeaderBytes - head_bytes_, 414, "the request line");
    case Phase::kHeaderLine:
      return read_line(data, kMaxHeaderBytes - head_bytes_, 431, "the header section");
    case Phase::kBody:
      return feed_body(data);
    case Phase::kChunkSize:
      return read_line(data, kMaxChunkLineBytes, 400, "a chunk-size line");
    case Phase::kChunkData:
      return feed_chunk_data(data);
    case Phase::kChunkDataEnd:
      if (pending_.empty() && data.front() != '\r') {
        fail(400, "a chunk's data must be followed by CRLF");
        return 1;
      }
      return read_line(data, 2, 400, "the CRLF after a chunk's data");
    case Phase::kTrailer:
      return read_line(data, kMaxHeaderBytes - trailer_bytes_, 431, "the trailer section");
    case Phase::kDone:
      break;
  }
  return data.size();
}

// Appends bytes up to and including the line's LF; on a whole line calls
// on_line. Every LF must follow a CR and every CR must precede an LF.
size_t RequestParser::read_line(std::string_view data, size_t limit_bytes, int too_long_status,
                                const char* what) {
  size_t used = 0;
  while (used < data.size()) {
    const char c = data[used];
    const bool after_cr = !pending_.empty() && pending_.back() == '\r';
    if (c == '\n' && !after_cr) {
      fail(400, "bare LF in " + std::string(what) + "; lines must end with CRLF");
      return used + 1;
    }
    if (c != '\n' && after_cr) {
      fail(400, "bare CR in " + std::string(what) + "; lines must end with CRLF");
      return used + 1;
    }
    if (pending_.size() >= limit_bytes) {
      fail(too_long_status, std::string(what) + " is too long");
      return used + 1;
    }
    pending_.push_back(c);
    ++used;
    if (c == '\n') {
      const std::string line = std::move(pending_);
      pending_.clear();
      if (phase_ == Phase::kRequestLine || phase_ == Phase::kHeaderLine) {
        head_bytes_ += line.size();
      } else {
        body_wire_bytes_ += line.size();
        if (phase_ == Phase::kTrailer) trailer_bytes_ += line.size();
      }
      on_line(std::string_view(line).substr(0, line.size() - 2));
      return used;
    }
  }
  return used;
}

void RequestParser::on_line(std::string_view line) {
  if (body_wire_bytes_ > kMaxBodyBytes) {
    fail(413, "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes");
    return;
  }
  switch (phase_) {
    case Phase::kRequestLine:
      if (parse_request_line(line)) phase_ = Phase::kHeaderLine;
      return;
    case Phase::kHeaderLine:
      if (line.empty()) {
        end_of_headers();
      } else {
        parse_header_line(line);
      }
      return;
    case Phase::kChunkSize:
      parse_chunk_size(line);
      return;
    case Phase::kChunkDataEnd:
      if (!line.empty()) {
        fail(400, "a chunk's data must be followed by CRLF");
        return;
      }
      phase_ = Phase::kChunkSize;
      return;
    case Phase::kTrailer:
      on_trailer_line(line);
      return;
    default:
      return;
  }
}

bool RequestParser::parse_request_line(std::string_view line) {
  const size_t first = line.find(' ');
  const size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    return fail(400, "malformed request line; expected 'METHOD /path HTTP/1.1'");
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (!is_token(method)) return fail(400, "malformed method in the request line");
  if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
      hex_value(version[5]) < 0 || hex_value(version[5]) > 9 || hex_value(version[7]) < 0 ||
      hex_value(version[7]) > 9) {
    return fail(400, "malformed HTTP version in the request line");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return fail(505, "HTTP version not supported; use HTTP/1.1");
  }
  request_.method = std::string(method);
  request_.minor_version = version[7] - '0';
  return parse_target(target);
}

// Only origin-form ("/path?query"): absolute-form would name a host other
// than the Host header, and the Host check relies on there being one.
bool RequestParser::parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return fail(400, "the request target must be a path starting with '/'");
  }
  for (char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '#') {
      return fail(400, "invalid character in the request target");
    }
  }
  request_.target = std::string(target);
  const size_t question = target.find('?');
  request_.path = std::string(target.substr(0, question));
  if (question == std::string_view::npos) return true;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view item = query.substr(0, amp);
    query.remove_prefix(std::min(amp + 1, query.size()));
    if (item.empty()) continue;
    const size_t equals = std::min(item.find('='), item.size());
    auto key = percent_decode(item.substr(0, equals));
    auto value = percent_decode(item.substr(std::min(equals + 1, item.size())));
    if (!key || !value) return fail(400, "malformed percent-encoding in the query string");
    request_.query.emplace_back(std::move(*key), std::move(*value));
  }
  return true;
}

// "name: value" with a token name, no space before the colon, and no control
// characters; a line starting with a blank is obs-fold, which RFC 9112 lets
// a server refuse and which proxies disagree on.
bool RequestParser::check_field(std::string_view line, std::string_view& name,
                                std::string_view& value) {
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    return fail(400, "obsolete line folding (a header line starting with a blank) is refused");
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return fail(400, "malformed header line (no ':')");
  name = line.substr(0, colon);
  if (!is_token(name)) {
    return fail(400, "malformed header name (no blanks are allowed before the ':')");
  }
  value = trim_blanks(line.substr(colon + 1));
  if (!std::all_of(value.begin(), value.end(), is_field_value_char)) {
    return fail(400, "control character in the value of header '" + std::string(name) + "'");
  }
  return true;
}

bool RequestParser::parse_header_line(std::string_view line) {
  std::string_view name_text, value;
  if (!check_field(line, name_text, value)) return false;
  if (request_.headers.size() >= kMaxHeaderCount) {
    return fail(431, "more than " + std::to_string(kMaxHeaderCount) + " header fields");
  }
  std::string name = lowered(name_text);
  if (!note_framing_header(name, value)) return false;
  request_.headers.emplace_back(std::move(name), std::string(value));
  return true;
}

// The headers that decide where the request ends; any ambiguity there is
// what request smuggling exploits, so it is an error, not a guess.
bool RequestParser::note_framing_header(const std::string& name, std::string_view value) {
  if (name == "content-length") {
    if (content_length_) return fail(400, "more than one Content-Length header");
    uint64_t length = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (value.empty() || value.size() > 19 || error != std::errc() ||
        end != value.data() + value.size()) {
      return fail(400, "Content-Length must be a decimal number of bytes");
    }
    if (length > kMaxBodyBytes) {
      return fail(413, "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes");
    }
    content_length_ = static_cast<size_t>(length);
  } else if (name == "transfer-encoding") {
    if (has_transfer_encoding_) return fail(400, "more than one Transfer-Encoding header");
    has_transfer_encoding_ = true;
    if (!equals_ignoring_case(value, "chunked")) {
      return fail(501, "Transfer-Encoding '" + std::string(value) +
                           "' is not supported; send the body with Content-Length or chunked");
    }
    chunked_ = true;
  } else if (name == "host") {
    if (++host_count_ > 1) return fail(400, "more than one Host header");
  } else if (name == "expect") {
    if (!equals_ignoring_case(value, "100-continue")) {
      return fail(417, "Expect '" + std::string(value) + "' is not supported");
    }
    expect_continue_ = true;
  }
  return true;
}

bool RequestParser::end_of_headers() {
  if (content_length_ && has_transfer_encoding_) {
    return fail(400, "both Content-Length and Transfer-Encoding; send only one");
  }
  if (has_transfer_encoding_ && request_.minor_version == 0) {
    return fail(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
  }
  if (request_.minor_version == 1 && host_count_ == 0) {
    return fail(400, "an HTTP/1.1 request needs a Host header");
  }
  const bool has_body = chunked_ || content_length_.value_or(0) > 0;
  wants_continue_ = expect_continue_ && has_body && request_.minor_version == 1;
  if (chunked_) {
    phase_ = Phase::kChunkSize;
  } else if (has_body) {
    body_left_bytes_ = *content_length_;
    phase_ = Phase::kBody;
  } else {
    complete();
  }
  return true;
}

size_t RequestParser::feed_body(std::string_view data) {
  const size_t take = std::min(body_left_bytes_, data.size());
  request_.body.append(data.substr(0, take));
  body_left_bytes_ -= take;
  body_wire_bytes_ += take;
  if (body_left_bytes_ == 0) complete();
  return take;
}

// chunk-size [ chunk-ext ] CRLF; extensions are allowed and ignored.
bool RequestParser::parse_chunk_size(std::string_view line) {
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && hex_value(line[digits]) >= 0) {
    if (digits == 15) return fail(400, "chunk size too large");
    size = size * 16 + static_cast<uint64_t>(hex_value(line[digits]));
    ++digits;
  }
  if (digits == 0) return fail(400, "malformed chunk size");
  const std::string_view rest = trim_blanks(line.substr(digits));
  if (!rest.empty() &&
      (rest.front() != ';' || !std::all_of(rest.begin(), rest.end(), is_field_value_char))) {
    return fail(400, "malformed chunk size");
  }
  if (size > kMaxBodyBytes - request_.body.size() || body_wire_bytes_ + size > kMaxBodyBytes) {
    return fail(413, "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  if (size == 0) {
    phase_ = Phase::kTrailer;
  } else {
    body_left_bytes_ = static_cast<size_t>(size);
    phase_ = Phase::kChunkData;
  }
  return true;
}

size_t RequestParser::feed_chunk_data(std::string_view data) {
  const size_t take = std::min(body_left_bytes_, data.size());
  request_.body.append(data.substr(0, take));
  body_left_bytes_ -= take;
  body_wire_bytes_ += take;
  if (body_left_bytes_ == 0) phase_ = Phase::kChunkDataEnd;
  return take;
}

// Trailer fields are checked like header fields, then dropped: nothing in
// the control API reads them, and merging them would reopen the framing.
bool RequestParser::on_trailer_line(std::string_view line) {
  if (line.empty()) {
    complete();
    return true;
  }
  std::string_view name, value;
  return check_field(line, name, value);
}

void RequestParser::complete() {
  phase_ = Phase::kDone;
  state_ = State::kComplete;
  wants_continue_ = false;
}

bool RequestParser::fail(int status, std::string message) {
  phase_ = Phase::kDone;
  state_ = State::kError;
  wants_continue_ = false;
  error_ = ParseError{status, std::move(message)};
  pending_.clear();
  pending_.shrink_to_fit();
  request_ = Request{};
  return false;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace bs::control::http
