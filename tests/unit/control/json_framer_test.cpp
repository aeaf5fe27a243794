// The UNIX control socket's framing: one JSON map, ended by its closing
// brace, in however many pieces it arrives, with strings and escapes that
// hide braces, and the bounds (not a map, too large).
#include "control/json_framer.h"

#include <gtest/gtest.h>

namespace bs::control::http {
namespace {

using State = JsonFramer::State;

TEST(JsonFramer, WholeMapInOneWrite) {
  JsonFramer framer;
  const std::string text = R"({"command": "list-commands"})";
  EXPECT_EQ(framer.feed(text + "\n"), text.size());
  ASSERT_EQ(framer.state(), State::kComplete);
  EXPECT_EQ(framer.take_request().body, text);
}

TEST(JsonFramer, OneByteAtATime) {
  JsonFramer framer;
  const std::string text =
      R"( {"command": "lease4-get", "arguments": {"ip-address": "198.18.1.5"}})";
  for (size_t i = 0; i < text.size(); ++i) {
    ASSERT_EQ(framer.state(), State::kNeedMore) << "after " << i << " bytes";
    framer.feed(text.substr(i, 1));
  }
  ASSERT_EQ(framer.state(), State::kComplete);
  EXPECT_EQ(framer.take_request().body, text.substr(1));  // leading space dropped
}

TEST(JsonFramer, BracesInsideStringsAndEscapesDoNotCount) {
  JsonFramer framer;
  const std::string text = R"({"command": "x", "arguments": {"s": "}\"}]{", "l": [1, {"a": []}]}})";
  framer.feed(text.substr(0, text.size() - 1));
  EXPECT_EQ(framer.state(), State::kNeedMore);
  framer.feed(text.substr(text.size() - 1));
  ASSERT_EQ(framer.state(), State::kComplete);
  EXPECT_EQ(framer.take_request().body, text);
}

TEST(JsonFramer, StopsAfterTheMap) {
  JsonFramer framer;
  EXPECT_EQ(framer.feed(R"({"command": "a"}{"command": "b"})"), 16u);
  EXPECT_EQ(framer.state(), State::kComplete);
  EXPECT_EQ(framer.feed("more"), 0u);
}

TEST(JsonFramer, NotAMapIsAnError) {
  for (const char* text : {"[1]", "\"command\"", "GET / HTTP/1.1\r\n", "42"}) {
    JsonFramer framer;
    framer.feed(text);
    EXPECT_EQ(framer.state(), State::kError) << text;
    EXPECT_FALSE(framer.error().message.empty());
  }
}

TEST(JsonFramer, OversizeIsRefusedAndNothingIsKept) {
  JsonFramer framer;
  framer.feed(R"({"command": "config-test", "arguments": ")");
  const std::string chunk(64 * 1024, 'a');
  while (framer.state() == State::kNeedMore && framer.buffered_bytes() <= kMaxBodyBytes + 1) {
    framer.feed(chunk);
  }
  EXPECT_EQ(framer.state(), State::kError);
  EXPECT_EQ(framer.error().status, 413);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

TEST(JsonFramer, StartedOnlyAtTheBrace) {
  JsonFramer framer;
  framer.feed(" \n");
  EXPECT_FALSE(framer.started());
  framer.feed("{");
  EXPECT_TRUE(framer.started());
}

}  // namespace
}  // namespace bs::control::http
