// The comment-tolerant JSON reader: values, the pointer-to-line map, Kea's
// three comment styles, and the line numbers its syntax errors report.
#include "config/jsonc.h"

#include <gtest/gtest.h>

#include <string>

namespace bs::config {
namespace {

JsoncDocument parse_ok(std::string_view text) {
  auto document = parse_jsonc(text);
  EXPECT_TRUE(document.has_value()) << (document ? "" : document.error().message);
  return document ? std::move(*document) : JsoncDocument{};
}

JsoncError parse_error(std::string_view text) {
  auto document = parse_jsonc(text);
  EXPECT_FALSE(document.has_value()) << "accepted: " << text;
  return document ? JsoncError{} : document.error();
}

TEST(Jsonc, ParsesEveryValueType) {
  const auto document =
      parse_ok(R"({"u": 7, "n": -2, "f": 1.5, "s": "x", "t": true, "z": null, "a": [1], "o": {}})");
  const auto& root = document.root;
  EXPECT_TRUE(root["u"].is_number_unsigned());
  EXPECT_EQ(root["u"].get<int>(), 7);
  EXPECT_EQ(root["n"].get<int>(), -2);
  EXPECT_TRUE(root["f"].is_number_float());
  EXPECT_EQ(root["s"], "x");
  EXPECT_EQ(root["t"], true);
  EXPECT_TRUE(root["z"].is_null());
  EXPECT_EQ(root["a"].size(), 1u);
  EXPECT_TRUE(root["o"].is_object());
}

TEST(Jsonc, MapsPointersToLines) {
  const auto document = parse_ok(
      "{\n"
      "  \"Dhcp4\": {\n"
      "    \"subnet4\": [\n"
      "      {\"id\": 1,\n"
      "       \"pools\": [ {\"pool\": \"a\"},\n"
      "                  {\"pool\":\n"
      "                     \"b\"} ]}\n"
      "    ]\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(document.value_line(""), 1);
  EXPECT_EQ(document.key_line("/Dhcp4"), 2);
  EXPECT_EQ(document.value_line("/Dhcp4/subnet4/0"), 4);
  EXPECT_EQ(document.value_line("/Dhcp4/subnet4/0/pools/0/pool"), 5);
  EXPECT_EQ(document.key_line("/Dhcp4/subnet4/0/pools/1/pool"), 6);
  EXPECT_EQ(document.value_line("/Dhcp4/subnet4/0/pools/1/pool"), 7);
  EXPECT_EQ(document.value_line("/nope"), 0);
}

TEST(Jsonc, EscapesPointerSegments) {
  EXPECT_EQ(json_pointer_escape("a/b~c"), "a~1b~0c");
  const auto document = parse_ok("{\n\"a/b\": 1}");
  EXPECT_EQ(document.value_line("/a~1b"), 2);
}

TEST(Jsonc, AcceptsAllThreeCommentStyles) {
  const auto document = parse_ok(
      "# hash comment\n"
      "// slash comment\n"
      "/* block\n"
      "   comment */ {\n"
      "  \"a\": 1, # trailing hash\n"
      "  \"b\": /* inline */ 2, // trailing slashes\n"
      "  \"url\": \"http://x/#y\"\n"
      "}\n");
  EXPECT_EQ(document.root["a"], 1);
  EXPECT_EQ(document.root["b"], 2);
  EXPECT_EQ(document.root["url"], "http://x/#y");
  EXPECT_EQ(document.value_line("/a"), 5);
  EXPECT_EQ(document.value_line("/b"), 6);
  EXPECT_EQ(document.value_line("/url"), 7);
}

TEST(Jsonc, UnterminatedBlockCommentNamesItsFirstLine) {
  const auto error = parse_error("{\n\"a\": 1\n/* never\nclosed\n");
  EXPECT_EQ(error.line, 3);
  EXPECT_NE(error.message.find("unterminated /* comment"), std::string::npos);
}

TEST(Jsonc, SyntaxErrorsReportTheirLine) {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"{\n\"a\": 1\n\"b\": 2}", 3, "is a ',' missing at the end of line 2?"},
      {"{\"a\": 1 \"b\": 2}", 1, "expected ',' or '}' but found '\"'"},
      {"[1,\n2\n3]", 3, "expected ',' or ']'"},
      {"{\n\"a\": \"open\n}", 2, "unterminated string"},
      {"{\"a\":\n 'x'}", 2, "double quotes"},
      {"{\"a\": yes}", 1, "unexpected word 'yes'"},
      {"{\"a\" 1}", 1, "expected ':' after \"a\""},
      {"{a: 1}", 1, "member name in double quotes"},
      {"{\"a\": 1,,}", 1, "member name"},
      {"\n\n", 3, "no JSON value"},
      {"// only a comment", 1, "no JSON value"},
      {"{} {}", 1, "after the end of the top-level value"},
      {"{\"a\": 01}", 1, "leading zeros"},
      {"{\"a\": 1.}", 1, "digits must follow '.'"},
      {"{\"a\": 1e}", 1, "exponent"},
      {"{\"a\": -}", 1, "invalid number"},
      {"{\"a\": 1e999}", 1, "out of range"},
      {"{\"a\": \"\\q\"}", 1, "invalid escape"},
      {"{\"a\": \"\\u12\"}", 1, "four hex digits"},
      {"{\"a\": \"\\ud800\"}", 1, "surrogate"},
      {"{\"a\": \"\\udc00\"}", 1, "surrogate"},
      {"{\"a\": \"\\u0000\"}", 1, "\\u0000"},
      {"{\"a\": \"tab\there\"}", 1, "control character"},
      {"{\"a\": \"\xff\"}", 1, "invalid UTF-8"},
      {"{\"a\": \"\xc0\xaf\"}", 1, "invalid UTF-8"},
      {"{\"a\": \"\xed\xa0\x80\"}", 1, "invalid UTF-8"},
      {"<?include \"other.json\"?>", 1, "<?include?>"},
      {"{\"a\": / 1}", 1, "comments start with"},
      {"{\"a\": 1, \"a\": 2}", 1, "duplicate key \"a\""},
      {"\x01", 1, "byte 0x01"},
  };
  for (const auto& c : cases) {
    const auto error = parse_error(c.text);
    EXPECT_EQ(error.line, c.line) << c.text;
    EXPECT_NE(error.message.find(c.message), std::string::npos)
        << c.text << " -> " << error.message;
  }
}

TEST(Jsonc, DuplicateKeyNamesBothLines) {
  const auto error = parse_error("{\n\"a\": 1,\n\n\"a\": 2}");
  EXPECT_EQ(error.line, 4);
  EXPECT_NE(error.message.find("first given on line 2"), std::string::npos);
}

TEST(Jsonc, AcceptsTrailingCommas) {
  const auto document = parse_ok("{\"a\": [1, 2,], \"b\": {\"c\": 3,},}");
  EXPECT_EQ(document.root["a"].size(), 2u);
  EXPECT_EQ(document.root["b"]["c"], 3);
}

TEST(Jsonc, BoundsNestingDepth) {
  const std::string ok_text = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse_jsonc(ok_text).has_value());
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  const auto error = parse_error(deep);
  EXPECT_NE(error.message.find("deeper than 64"), std::string::npos);
  // Far deeper input must fail the same way rather than exhaust the stack.
  EXPECT_FALSE(parse_jsonc(std::string(100000, '[')).has_value());
  EXPECT_FALSE(parse_jsonc(std::string(100000, '{')).has_value());
}

TEST(Jsonc, DecodesStringEscapes) {
  const auto document = parse_ok(R"({"s": "q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00 raw: é"})");
  EXPECT_EQ(document.root["s"], "q\"b\\s/n\nt\tu\xc3\xa9\xf0\x9f\x98\x80 raw: \xc3\xa9");
}

TEST(Jsonc, NumbersKeepTheirKind) {
  const auto document = parse_ok(
      R"({"big": 18446744073709551615, "huge": 18446744073709551616, "neg": -9223372036854775808,
          "zero": -0, "exp": 2e3})");
  EXPECT_TRUE(document.root["big"].is_number_unsigned());
  EXPECT_TRUE(document.root["huge"].is_number_float());
  EXPECT_TRUE(document.root["neg"].is_number_integer());
  EXPECT_EQ(document.root["zero"].get<int>(), 0);
  EXPECT_TRUE(document.root["exp"].is_number_float());
}

TEST(Jsonc, LongKeysOverManyValuesStayCheap) {
  // Full pointer strings per value would need ~1 GB here; the line map must not.
  std::string text = "{\"" + std::string(30000, 'k') + "\": [";
  for (int i = 0; i < 15000; ++i) text += "0,\n";
  text += "1]}";
  const auto document = parse_ok(text);
  EXPECT_EQ(document.value_line("/" + std::string(30000, 'k') + "/14999"), 15000);
  EXPECT_EQ(document.value_line("/" + std::string(30000, 'k') + "/15001"), 0);
}

TEST(Jsonc, LooksUpEscapedAndOddPointers) {
  const auto document = parse_ok("{\"\": 1,\n\"~\": [2,\n3]}");
  EXPECT_EQ(document.value_line("/"), 1);
  EXPECT_EQ(document.value_line("/~0/1"), 3);
  EXPECT_EQ(document.key_line("/~0/1"), 3);  // elements have no key line
  EXPECT_EQ(document.key_line("/~0"), 2);
  EXPECT_EQ(document.value_line("no-slash"), 0);
  EXPECT_EQ(document.value_line("/~0/x"), 0);
}

TEST(Jsonc, SkipsByteOrderMark) {
  const auto document = parse_ok("\xef\xbb\xbf{\"a\": 1}");
  EXPECT_EQ(document.root["a"], 1);
}

TEST(Jsonc, CountsCrLfLines) {
  const auto document = parse_ok("{\r\n\"a\": 1,\r\n\"b\": 2\r\n}");
  EXPECT_EQ(document.value_line("/b"), 3);
}

}  // namespace
}  // namespace bs::config
