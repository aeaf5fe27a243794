// Kea's classification expressions: every form evaluated against one
// query, the examples from Kea's documentation, malformed packet contents,
// and expressions that must be refused with the position of the problem.
#include "classify/expression.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "expression_test_packet.h"

namespace bs::classify {
namespace {

using test::make_query;

// The value of `text` (a test or a string expression) for `packet`; "<err>"
// when evaluation fails, "<parse: MESSAGE>" when it does not parse.
std::string value_of(std::string_view text, const wire::Packet& packet, const ClassSet& classes) {
  ParseContext context;
  auto parsed = parse_expression(text, context);
  if (!parsed) parsed = parse_string_expression(text, context);
  if (!parsed) return "<parse: " + parsed.error().message + ">";
  EvalScratch scratch;
  const PacketContext ctx{packet, "eth0", Ip4{0xC6120001}, Ip4{0xC61200FE}, 300};
  auto result = parsed->evaluate_string(ctx, classes, scratch);
  return result ? std::string(*result) : "<err>";
}

struct Case {
  const char* text;
  std::string expected;
};

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

void PrintTo(const Case& c, std::ostream* os) { *os << c.text; }

class ExpressionValues : public ::testing::TestWithParam<Case> {};

TEST_P(ExpressionValues, EvaluatesAsKea) {
  const wire::Packet packet = make_query();
  ClassSet classes;
  classes.add(kAll);
  classes.add(kKnown);
  classes.add("phones");
  EXPECT_EQ(value_of(GetParam().text, packet, classes), GetParam().expected) << GetParam().text;
}

// The query (expression_test_packet.h): chaddr 00:11:22:33:44:55, xid
// 0x12345678, giaddr 198.18.0.1, siaddr 198.18.0.2, DISCOVER, option 60
// "Aastra6731i", 93 = 0x0007, 12 "Host-Name", 82 with circuit-id "port1" and
// remote-id "remote", 125 and 124 for enterprise 4491, 43 with sub-option 1
// "abc", 222 = 0x4101.
const Case kCases[] = {
    // literals
    {"'example'", "example"},
    {"0x5a7d", "Z}"},
    {"0x417", std::string("\x04\x17", 2)},
    {"198.18.0.1", std::string("\xC6\x12\x00\x01", 4)},
    {"123", be32(123)},
    {"2001:db8::1 == 0x20010db8000000000000000000000001", "true"},
    // options
    {"option[60].hex", "Aastra6731i"},
    {"option[60].text", "Aastra6731i"},
    {"option[vendor-class-identifier].text", "Aastra6731i"},
    {"option[60].exists", "true"},
    {"option[61].exists", "false"},
    {"option[61].hex", ""},
    {"option[222].text", "type=222, len=002: 41:01"},
    {"option[93].text", "type=093, len=002: 00:07"},
    {"option[43].option[1].hex", "abc"},
    {"option[43].option[1].exists", "true"},
    {"option[43].option[2].exists", "false"},
    {"option[host-name].hex", "Host-Name"},
    {"option[ host-name ].hex", "Host-Name"},
    // relay4 (option 82 sub-options)
    {"relay4[1].hex", "port1"},
    {"relay4[2].hex", "remote"},
    {"relay4[1].exists", "true"},
    {"relay4[9].exists", "false"},
    {"relay4[9].hex", ""},
    {"relay4[1].text", "type=001, len=005: 70:6f:72:74:31 'port1'"},
    // packet fields, in Kea's binary forms
    {"pkt4.mac", std::string("\x00\x11\x22\x33\x44\x55", 6)},
    {"pkt4.mac == 0x001122334455", "true"},
    {"pkt4.hlen", be32(6)},
    {"pkt4.htype", be32(1)},
    {"pkt4.ciaddr", be32(0)},
    {"pkt4.giaddr == 198.18.0.1", "true"},
    {"pkt4.yiaddr", be32(0)},
    {"pkt4.siaddr == 198.18.0.2", "true"},
    {"pkt4.msgtype == 1", "true"},
    {"pkt4.msgtype == 0x00000001", "true"},
    {"pkt4.transid", be32(0x12345678)},
    {"pkt.iface", "eth0"},
    {"pkt.src == 198.18.0.1", "true"},
    {"pkt.dst == 198.18.0.254", "true"},
    {"pkt.len == 300", "true"},
    // vendor options (125, 124)
    {"vendor[*].exists", "true"},
    {"vendor[4491].exists", "true"},
    {"vendor[9].exists", "false"},
    {"vendor.enterprise", be32(4491)},
    {"vendor[*].enterprise", be32(4491)},
    {"vendor[4491].option[1].hex", "docsis3.0"},
    {"vendor[4491].option[1].exists", "true"},
    {"vendor[4491].option[3].exists", "false"},
    {"vendor[9].option[1].hex", ""},
    {"vendor-class[*].exists", "true"},
    {"vendor-class[4491].exists", "true"},
    {"vendor-class[1].exists", "false"},
    {"vendor-class.enterprise", be32(4491)},
    {"vendor-class[4491].data", "docsis3.0"},
    {"vendor-class[4491].data[0]", "docsis3.0"},
    {"vendor-class[4491].data[1]", "abc"},
    {"vendor-class[4491].data[2]", ""},
    // classes
    {"member('phones')", "true"},
    {"member('printers')", "false"},
    {"known", "true"},
    {"unknown", "false"},
    {"member('KNOWN') and not member('DROP')", "true"},
    // logic and precedence: not binds tighter than and, and than or
    {"not 'a' == 'b'", "true"},
    {"'a' == 'a' and 'b' == 'c' or 'c' == 'c'", "true"},
    {"'a' == 'a' and ('b' == 'c' or 'c' == 'd')", "false"},
    {"not ('a' == 'a' and 'b' == 'b')", "false"},
    {"(('x')) == 'x'", "true"},
    // substring, as Kea's TokenSubstring
    {"substring('foobar', 0, 6)", "foobar"},
    {"substring('foobar', 3, 4)", "bar"},
    {"substring('foobar', 1, all)", "oobar"},
    {"substring('foobar', -1, all)", "r"},
    {"substring('foobar', -3, 2)", "ba"},
    {"substring('foobar', 3, -2)", "oo"},
    {"substring('foobar', 1, -4)", "f"},
    {"substring('foobar', 6, 1)", ""},
    {"substring('foobar', -7, 1)", ""},
    {"substring('', 0, all)", ""},
    // split, concat, ifelse, hexstring, case, conversions
    {"split('a.b.c', '.', 2)", "b"},
    {"split('a..c', '.', 2)", ""},
    {"split('a.b;c', '.;', 3)", "c"},
    {"split('a.b.c', '.', 4)", ""},
    {"split('a.b.c', '.', 0)", ""},
    {"split('a.b.c', '', 1)", "a.b.c"},
    {"concat('foo', 'bar')", "foobar"},
    {"'foo' + 'bar'", "foobar"},
    {"'a' + 'b' + option[60].hex == 'abAastra6731i'", "true"},
    {"'a' + ('b' + 'c')", "abc"},
    {"concat(concat('a', option[60].hex), 'z')", "aAastra6731iz"},
    {"ifelse(option[60].exists, 'yes', 'no')", "yes"},
    {"ifelse(option[61].exists, 'yes', 'no')", "no"},
    {"hexstring(pkt4.mac, ':')", "00:11:22:33:44:55"},
    {"hexstring(0xabcd, '')", "abcd"},
    {"hexstring('', '-')", ""},
    {"lcase('Foo-BAR1')", "foo-bar1"},
    {"ucase('Foo-bar1')", "FOO-BAR1"},
    {"addrtotext(pkt4.giaddr)", "198.18.0.1"},
    {"addrtotext(2001:db8::1)", "2001:db8::1"},
    {"addrtotext('')", ""},
    {"addrtotext('abc')", "<err>"},
    {"int8totext(0xff)", "-1"},
    {"int16totext(0xfffe)", "-2"},
    {"int32totext(0xfffffffd)", "-3"},
    {"uint8totext(0xff)", "255"},
    {"uint16totext(0xfffe)", "65534"},
    {"uint32totext(0xfffffffd)", "4294967293"},
    {"uint32totext(pkt4.transid)", "305419896"},
    {"uint16totext(0xff)", "<err>"},
    {"int8totext('')", ""},
    // short-circuit: the failing right side is not evaluated
    {"'a' == 'b' and addrtotext('abc') == 'x'", "false"},
    {"'a' == 'a' or addrtotext('abc') == 'x'", "true"},
    // examples from Kea's classify.rst
    {"substring(option[60].hex,0,6) == 'Aastra'", "true"},
    {"option[93].hex == 0x0007", "true"},
    {"option[93].hex == 0x0009", "false"},
    {"relay4[1].hex == 'port1'", "true"},
    {"member('KNOWN') and not member('DROP')", "true"},
    {"split(option[60].text, 'a', 2) == 'str'", "true"},
    {"hexstring(pkt4.mac, ':') == '00:11:22:33:44:55'", "true"},
};

INSTANTIATE_TEST_SUITE_P(Kea, ExpressionValues, ::testing::ValuesIn(kCases));

// Truncated sub-options, short 124/125 and an 82 that is not TLV: values
// are empty (exists false), nothing crashes.
TEST(Expression, MalformedContentsReadAsAbsent) {
  wire::Packet packet = make_query();
  packet.set(82, Bytes{1, 9, 'p'});                   // circuit-id runs past the end
  packet.set(125, Bytes{0, 0, 0x11});                 // shorter than an enterprise id
  packet.set(124, Bytes{0, 0, 0x11, 0x8b, 20, 'x'});  // tuple runs past the end
  packet.set(43, Bytes{1});                           // half a sub-option header
  ClassSet classes;
  EXPECT_EQ(value_of("relay4[1].hex", packet, classes), "");
  EXPECT_EQ(value_of("relay4[1].exists", packet, classes), "false");
  EXPECT_EQ(value_of("vendor[*].exists", packet, classes), "false");
  EXPECT_EQ(value_of("vendor.enterprise", packet, classes), "");
  EXPECT_EQ(value_of("vendor-class[4491].exists", packet, classes), "true");
  EXPECT_EQ(value_of("vendor-class[4491].data", packet, classes), "");
  EXPECT_EQ(value_of("option[43].option[1].exists", packet, classes), "false");
}

TEST(Expression, MatchesOnlyTrue) {
  const wire::Packet packet = make_query();
  ClassSet classes;
  EvalScratch scratch;
  const PacketContext ctx{packet, "eth0", {}, {}, 300};
  auto yes = parse_expression("option[93].hex == 0x0007", {});
  auto no = parse_expression("option[93].hex == 0x0009", {});
  auto fails = parse_expression("addrtotext('abc') == 'x'", {});
  ASSERT_TRUE(yes && no && fails);
  EXPECT_TRUE(yes->matches(ctx, classes, scratch));
  EXPECT_FALSE(no->matches(ctx, classes, scratch));
  EXPECT_FALSE(fails->matches(ctx, classes, scratch));
  EXPECT_FALSE(Expression{}.matches(ctx, classes, scratch));
  // Copies share the program and keep the text.
  Expression copy = *yes;
  EXPECT_TRUE(copy.matches(ctx, classes, scratch));
  EXPECT_EQ(copy.text(), "option[93].hex == 0x0007");
}

TEST(Expression, UsesTheConfigsOptionNames) {
  ParseContext context;
  context.option_code = [](std::string_view name) -> std::optional<uint8_t> {
    if (name == "phone-config") return 222;
    return std::nullopt;
  };
  auto parsed = parse_expression("option[phone-config].hex == 0x4101", context);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const wire::Packet packet = make_query();
  EvalScratch scratch;
  EXPECT_TRUE(parsed->matches({packet, "eth0", {}, {}, 0}, ClassSet{}, scratch));
  // A string-typed option-def makes .text the option's bytes, as Kea's
  // OptionString does; without it, Kea's debug text.
  parsed = parse_string_expression("option[222].text", context);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->evaluate_string({packet, "eth0", {}, {}, 0}, ClassSet{}, scratch),
            "type=222, len=002: 41:01");
  context.option_is_string = [](uint8_t code) { return code == 222; };
  parsed = parse_string_expression("option[222].text", context);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->evaluate_string({packet, "eth0", {}, {}, 0}, ClassSet{}, scratch), "A\x01");
}

struct BadCase {
  const char* text;
  size_t position;
  const char* message_part;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.text; }

class ExpressionRefused : public ::testing::TestWithParam<BadCase> {};

TEST_P(ExpressionRefused, WithPositionAndMessage) {
  ParseContext context;
  context.class_known = [](std::string_view name) { return name == "KNOWN" || name == "phones"; };
  auto parsed = parse_expression(GetParam().text, context);
  ASSERT_FALSE(parsed) << GetParam().text;
  EXPECT_EQ(parsed.error().position, GetParam().position) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(GetParam().message_part), std::string::npos)
      << parsed.error().message;
}

const BadCase kBadCases[] = {
    {"", 0, "unexpected end"},
    {"option[60].hex", 0, "must be a boolean"},
    {"option[60].hex == ", 18, "unexpected end"},
    {"foo == 'a'", 0, "unknown keyword 'foo'"},
    {"option[no-such-option].hex == 'a'", 7, "unknown option name 'no-such-option'"},
    {"option[256].exists", 7, "out of range 0..255"},
    {"option[60].hexx == 'a'", 11, "expected 'hex'"},
    {"member('printers')", 7, "not defined client class 'printers'"},
    {"member(phones)", 7, "member() takes a class name"},
    {"'a' == 'b' and 'c'", 15, "needs a boolean on its right"},
    {"not 'a'", 4, "'not' needs a boolean"},
    {"option[60].exists == 'true'", 0, "compares strings"},
    {"substring('abc', 'x', 1) == 'a'", 17, "expected an integer"},
    {"substring('abc', 0) == 'a'", 18, "expected ','"},
    {"concat('a') == 'a'", 10, "expected ','"},
    {"ifelse('a', 'b', 'c') == 'b'", 7, "ifelse() needs a boolean"},
    {"lcase(option[60].exists) == 'a'", 6, "lcase() needs a string"},
    {"'a' == 'abc", 7, "unterminated string"},
    {"'a' = 'a'", 4, "unknown character '='"},
    {"'a' == 'a' )", 11, "unexpected ')'"},
    {"pkt4.foo == 'a'", 5, "expected a pkt4 field"},
    {"pkt6.msgtype == 1", 0, "DHCPv6 only"},
    {"vendor[x].exists", 7, "expected an enterprise number"},
    {"1.2.3.999 == 'a'", 0, "not an IP address"},
    {"'a' + known == 'a'", 6, "'+' concatenates strings"},
    {"4294967296 == 'a'", 0, "out of range"},
};

INSTANTIATE_TEST_SUITE_P(Kea, ExpressionRefused, ::testing::ValuesIn(kBadCases));

TEST(Expression, BoundsTextLengthAndNesting) {
  const std::string too_long = "'" + std::string(4096, 'a') + "' == 'a'";
  auto parsed = parse_expression(too_long, {});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().position, 4096u);

  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "not ";
  deep += "known";
  parsed = parse_expression(deep, {});
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("64"), std::string::npos);

  std::string parens(70, '(');
  parens += "known" + std::string(70, ')');
  parsed = parse_expression(parens, {});
  ASSERT_FALSE(parsed);

  std::string fine;
  for (int i = 0; i < 30; ++i) fine += "not ";
  EXPECT_TRUE(parse_expression(fine + "known", {}));

  // Each function call is one level: 60 nested lcase() parse, 70 do not.
  auto nested = [](int levels) {
    std::string text = "'a'";
    for (int i = 0; i < levels; ++i) text = "lcase(" + text + ")";
    return text + " == 'a'";
  };
  EXPECT_TRUE(parse_expression(nested(60), {}));
  EXPECT_FALSE(parse_expression(nested(70), {}));
}

// hexstring() of hexstring() grows a value threefold per level; past the
// scratch bound the test is false instead of using unbounded memory.
TEST(Expression, BoundsValueGrowth) {
  std::string text = "option[60].hex";
  for (int i = 0; i < 12; ++i) text = "hexstring(" + text + ", '::')";
  auto parsed = parse_expression(text + " == 'x'", {});
  ASSERT_TRUE(parsed) << parsed.error().message;
  const wire::Packet packet = make_query();
  EvalScratch scratch;
  EXPECT_FALSE(parsed->matches({packet, "eth0", {}, {}, 0}, ClassSet{}, scratch));
  EXPECT_FALSE(parsed->evaluate_string({packet, "eth0", {}, {}, 0}, ClassSet{}, scratch));
}

}  // namespace
}  // namespace bs::classify
