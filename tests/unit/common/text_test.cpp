// The shared escapes for client-chosen strings: what stays, what becomes
// \xNN, and that the result always survives a JSON dump.
#include "common/text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace bs {
namespace {

using namespace std::string_literals;

TEST(EscapeInvalidUtf8Test, KeepsValidUtf8) {
  EXPECT_EQ(escape_invalid_utf8("printer-2"), "printer-2");
  EXPECT_EQ(escape_invalid_utf8("K\xc3\xbc"
                                "che"),
            "K\xc3\xbc"
            "che");                                                        // Küche
  EXPECT_EQ(escape_invalid_utf8("\xe2\x82\xac"), "\xe2\x82\xac");          // U+20AC
  EXPECT_EQ(escape_invalid_utf8("\xf0\x9f\x96\xa8"), "\xf0\x9f\x96\xa8");  // U+1F5A8
  EXPECT_EQ(escape_invalid_utf8("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF
  EXPECT_EQ(escape_invalid_utf8(""), "");
}

TEST(EscapeInvalidUtf8Test, EachByteOfAnInvalidSequenceBecomesHex) {
  EXPECT_EQ(escape_invalid_utf8("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escape_invalid_utf8("a\x80z"), "a\\x80z");                // lone continuation byte
  EXPECT_EQ(escape_invalid_utf8("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(escape_invalid_utf8("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");  // overlong, 3 bytes
  EXPECT_EQ(escape_invalid_utf8("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf");
  EXPECT_EQ(escape_invalid_utf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // surrogate U+D800
  EXPECT_EQ(escape_invalid_utf8("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  EXPECT_EQ(escape_invalid_utf8("\xf8\x88\x80\x80\x80"), "\\xf8\\x88\\x80\\x80\\x80");
}

TEST(EscapeInvalidUtf8Test, TruncatedSequencesAreEscapedAndWhatFollowsKept) {
  EXPECT_EQ(escape_invalid_utf8("\xe2\x82"), "\\xe2\\x82");  // cut at the end
  EXPECT_EQ(escape_invalid_utf8("\xe2\x82z"), "\\xe2\\x82z");
  EXPECT_EQ(escape_invalid_utf8("\xc3\xc3\xbc"), "\\xc3\xc3\xbc");  // then a valid ü
  EXPECT_EQ(escape_invalid_utf8("\xf0\x9f\x96"), "\\xf0\\x9f\\x96");
}

TEST(EscapeInvalidUtf8Test, ControlCharactersStayForJsonToEscape) {
  EXPECT_EQ(escape_invalid_utf8("a\0b\x1b"s), "a\0b\x1b"s);
  EXPECT_EQ(nlohmann::json(escape_invalid_utf8("a\0b\x1b"s)).dump(), R"("a\u0000b\u001b")");
}

TEST(EscapeInvalidUtf8Test, ResultAlwaysDumpsAsJson) {
  // Every single byte, and every pair, in a hostname-like frame.
  for (int first = 0; first < 256; ++first) {
    for (int second = 0; second < 256; second += 15) {
      const std::string bytes = {'h', static_cast<char>(first), static_cast<char>(second), 'x'};
      const nlohmann::json value = escape_invalid_utf8(bytes);
      EXPECT_NO_THROW(static_cast<void>(value.dump())) << first << " " << second;
    }
  }
  EXPECT_THROW(static_cast<void>(nlohmann::json("\xff"s).dump()), nlohmann::json::type_error);
}

TEST(EscapeForTerminalTest, ControlBytesBecomeHex) {
  const std::string hostile = "\xff\xfe\x1b]0;pwn\x07"s + '\0' + "tail";
  EXPECT_EQ(escape_for_terminal(hostile), R"(\xff\xfe\x1b]0;pwn\x07\x00tail)");
  EXPECT_EQ(escape_for_terminal("\x1b[2J\r\n\t\x7f"), R"(\x1b[2J\x0d\x0a\x09\x7f)");
  EXPECT_EQ(escape_for_terminal("a\xc2\x9b"
                                "31m"),
            R"(a\x9b31m)");  // C1 CSI, U+009B
  EXPECT_EQ(escape_for_terminal("\xc2\x80\xc2\x9f"), R"(\x80\x9f)");
}

TEST(EscapeForTerminalTest, PrintableTextIsKept) {
  EXPECT_EQ(escape_for_terminal("printer-2 K\xc3\xbc"
                                "che \xc2\xa0~"),
            "printer-2 K\xc3\xbc"
            "che \xc2\xa0~");  // U+00A0 is not C1
  // What the API already escaped passes through as the same characters.
  EXPECT_EQ(escape_for_terminal(escape_invalid_utf8("\xff")), R"(\xff)");
}

TEST(CappedHostnameTest, CutsAt255BytesWithoutSplittingACharacter) {
  EXPECT_EQ(capped_hostname("short"), "short");
  EXPECT_EQ(capped_hostname(std::string(255, 'a')), std::string(255, 'a'));
  EXPECT_EQ(capped_hostname(std::string(1000, 'a')), std::string(255, 'a'));
  // 254 ASCII bytes then a two-byte ü: the ü would straddle the cut.
  const std::string split = std::string(254, 'a') + "\xc3\xbc" + "tail";
  EXPECT_EQ(capped_hostname(split), std::string(254, 'a'));
  // Invalid bytes count one each and are kept as bytes.
  EXPECT_EQ(capped_hostname(std::string(300, '\xff')), std::string(255, '\xff'));
}

}  // namespace
}  // namespace bs
