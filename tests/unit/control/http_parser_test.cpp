// The HTTP request parser on its own: well-formed requests in any split,
// both body framings, and every rejection with its status. The smuggling
// cases are the classic ones (CL+TE, two Content-Lengths, obs-fold, bare
// CR/LF, unknown codings), each refused rather than interpreted.
#include <gtest/gtest.h>

#include <string>

#include "control/http_request_parser.h"

namespace bs::control::http {
namespace {

struct Outcome {
  RequestParser::State state;
  Request request;
  ParseError error;
  size_t used = 0;
};

// Feeds `text` in pieces of `piece` bytes (0 = all at once).
Outcome parse(const std::string& text, size_t piece = 0) {
  RequestParser parser;
  Outcome out;
  if (piece == 0) piece = text.size() + 1;
  for (size_t at = 0; at < text.size() && parser.state() == RequestParser::State::kNeedMore;
       at += piece) {
    const std::string_view part = std::string_view(text).substr(at, piece);
    const size_t used = parser.feed(part);
    out.used += used;
    if (used < part.size()) break;
  }
  out.state = parser.state();
  out.error = parser.error();
  if (out.state == RequestParser::State::kComplete) out.request = parser.take_request();
  return out;
}

int status_of(const std::string& text) {
  const Outcome out = parse(text);
  EXPECT_EQ(out.state, RequestParser::State::kError) << text.substr(0, 200);
  return out.error.status;
}

const std::string kHost = "Host: 127.0.0.1:8004\r\n";

TEST(HttpParserTest, GetWithQueryInAnySplit) {
  const std::string text = "GET /api/leases?q=02%3Acc&limit=5&flag&q=second&sp=a+b HTTP/1.1\r\n" +
                           kHost + "X-Thing:  padded value \t\r\n\r\n";
  for (size_t piece : {0, 1, 2, 7}) {
    const Outcome out = parse(text, piece);
    ASSERT_EQ(out.state, RequestParser::State::kComplete) << piece << ": " << out.error.message;
    EXPECT_EQ(out.used, text.size());
    EXPECT_EQ(out.request.method, "GET");
    EXPECT_EQ(out.request.path, "/api/leases");
    EXPECT_EQ(out.request.param("q"), "02:cc");  // the first of two
    EXPECT_EQ(out.request.param("limit"), "5");
    EXPECT_TRUE(out.request.has_param("flag"));
    EXPECT_EQ(out.request.param("sp"), "a b");
    EXPECT_EQ(out.request.header("x-thing"), "padded value");
    EXPECT_EQ(out.request.header("host"), "127.0.0.1:8004");
    EXPECT_FALSE(out.request.header("absent"));
  }
}

TEST(HttpParserTest, ContentLengthAndChunkedBodies) {
  const std::string body = R"({"command": "version-get"})";
  const std::string with_length = "POST / HTTP/1.1\r\n" + kHost +
                                  "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                                  body + "EXTRA";
  const std::string chunked = "POST / HTTP/1.1\r\n" + kHost +
                              "Transfer-Encoding: Chunked\r\n\r\n"
                              "5\r\n{\"com\r\n"
                              "15;ext=1\r\nmand\": \"version-get\"}\r\n"
                              "0\r\nX-Trailer: dropped\r\n\r\nNEXT";
  for (size_t piece : {0, 1, 3}) {
    const Outcome a = parse(with_length, piece);
    ASSERT_EQ(a.state, RequestParser::State::kComplete) << a.error.message;
    EXPECT_EQ(a.request.body, body);
    EXPECT_EQ(a.used, with_length.size() - 5);  // stops before the next request
    const Outcome b = parse(chunked, piece);
    ASSERT_EQ(b.state, RequestParser::State::kComplete) << b.error.message;
    EXPECT_EQ(b.request.body, body);
    EXPECT_EQ(b.used, chunked.size() - 4);
    EXPECT_FALSE(b.request.header("x-trailer"));
  }
}

TEST(HttpParserTest, Http10WithoutHostIsParsed) {
  const Outcome out = parse("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(out.state, RequestParser::State::kComplete);
  EXPECT_EQ(out.request.minor_version, 0);
}

TEST(HttpParserTest, ExpectContinueIsSignalledOnce) {
  RequestParser parser;
  parser.feed("POST / HTTP/1.1\r\n" + kHost + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_TRUE(parser.wants_continue());
  parser.continue_sent();
  EXPECT_FALSE(parser.wants_continue());
  parser.feed("{}");
  EXPECT_EQ(parser.state(), RequestParser::State::kComplete);
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\n" + kHost + "Expect: something-else\r\n\r\n"), 417);
}

TEST(HttpParserTest, RequestLineRejections) {
  EXPECT_EQ(status_of("GET /\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET  / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("G(T / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/1.2\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTQ/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET http://evil.example/ HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("OPTIONS * HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a\x01 HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a#frag HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /?q=%zz HTTP/1.1\r\n" + kHost + "\r\n"), 400);
  EXPECT_EQ(status_of("\r\nGET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /" + std::string(kMaxHeaderBytes, 'a') + " HTTP/1.1\r\n\r\n"), 414);
}

TEST(HttpParserTest, LineEndingRejections) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\n" + kHost + "\r\n"), 400);          // bare LF
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);       // bare CR
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n" + kHost + "X: a\r\n\n"), 400);  // LF end
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r").state, RequestParser::State::kNeedMore);
}

TEST(HttpParserTest, HeaderRejections) {
  const std::string start = "GET / HTTP/1.1\r\n" + kHost;
  EXPECT_EQ(status_of(start + "X-Folded: a\r\n  b\r\n\r\n"), 400);  // obs-fold
  EXPECT_EQ(status_of(start + "X-Space : a\r\n\r\n"), 400);         // blank before ':'
  EXPECT_EQ(status_of(start + "No colon\r\n\r\n"), 400);
  EXPECT_EQ(status_of(start + std::string("X-Nul: a\0b\r\n\r\n", 14)), 400);
  EXPECT_EQ(status_of(start + "X-Del: a\x7f\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 400);  // 1.1 without Host
  EXPECT_EQ(status_of(start + kHost + "\r\n"), 400);    // two Hosts
  std::string many = start;
  for (size_t i = 0; i < kMaxHeaderCount; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(status_of(many + "\r\n"), 431);
  EXPECT_EQ(status_of(start + "X-Big: " + std::string(kMaxHeaderBytes, 'v') + "\r\n\r\n"), 431);
}

TEST(HttpParserTest, SmugglingFramingIsRefused) {
  const std::string start = "POST / HTTP/1.1\r\n" + kHost;
  EXPECT_EQ(status_of(start + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: 2, 2\r\n\r\n{}"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: +2\r\n\r\n{}"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: 0x2\r\n\r\n"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: \r\n\r\n"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: 99999999999999999999999\r\n\r\n"), 400);
  EXPECT_EQ(status_of(start + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"), 400);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: gzip, chunked\r\n\r\n"), 501);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: identity\r\n\r\n"), 501);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: xchunked\r\n\r\n"), 501);
  EXPECT_EQ(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
}

TEST(HttpParserTest, ChunkFramingRejections) {
  const std::string start = "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(status_of(start + "z\r\n"), 400);
  EXPECT_EQ(status_of(start + "\r\n"), 400);
  EXPECT_EQ(status_of(start + "-1\r\n"), 400);
  EXPECT_EQ(status_of(start + "2 x\r\n"), 400);
  EXPECT_EQ(status_of(start + "2\r\nabXY"), 400);  // data not followed by CRLF
  EXPECT_EQ(status_of(start + "2\nab\r\n"), 400);  // bare LF in the size line
  EXPECT_EQ(status_of(start + "2;" + std::string(kMaxChunkLineBytes, 'e') + "\r\n"), 400);
  EXPECT_EQ(status_of(start + "ffffffffffffffffff\r\n"), 400);
  EXPECT_EQ(status_of(start + "0\r\nX: a\r\n b\r\n\r\n"), 400);  // folded trailer
  EXPECT_EQ(status_of(start + "0\r\nbad trailer\r\n\r\n"), 400);
}

TEST(HttpParserTest, BodyCapCountsDeclaredDecodedAndWireBytes) {
  const std::string start = "POST / HTTP/1.1\r\n" + kHost;
  EXPECT_EQ(status_of(start + "Content-Length: " + std::to_string(kMaxBodyBytes + 1) + "\r\n\r\n"),
            413);
  const std::string chunked = start + "Transfer-Encoding: chunked\r\n\r\n";
  char size_hex[32];
  std::snprintf(size_hex, sizeof(size_hex), "%zx", kMaxBodyBytes + 1);
  EXPECT_EQ(status_of(chunked + size_hex + "\r\n"), 413);  // one chunk over the cap
  // Many one-byte chunks: under the cap decoded, over it on the wire.
  std::string tiny;
  for (size_t i = 0; i < kMaxBodyBytes / 6 + 1; ++i) tiny += "1\r\na\r\n";
  EXPECT_EQ(status_of(chunked + tiny), 413);
}

// The parser never holds more than the caps, however much a chunked body
// says: memory stays bounded while a 100 MB upload is refused.
TEST(HttpParserTest, ChunkedFloodNeverBuffersPastTheCap) {
  RequestParser parser;
  parser.feed("POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  size_t sent = 0, peak = 0;
  while (sent < size_t{100} * 1024 * 1024 && parser.state() == RequestParser::State::kNeedMore) {
    parser.feed(chunk);
    sent += chunk.size();
    peak = std::max(peak, parser.buffered_bytes());
  }
  EXPECT_EQ(parser.state(), RequestParser::State::kError);
  EXPECT_EQ(parser.error().status, 413);
  EXPECT_LE(peak, kMaxBodyBytes + kMaxHeaderBytes);
  EXPECT_LE(sent, kMaxBodyBytes + 2 * chunk.size());
  EXPECT_EQ(parser.feed("more"), 0u);
}

}  // namespace
}  // namespace bs::control::http
