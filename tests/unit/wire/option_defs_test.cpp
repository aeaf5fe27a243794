// Tests for the option definition table and Kea-style option text parsing.
#include "wire/option_defs.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace bs::wire {
namespace {

tl::expected<Bytes, std::string> encode_named(std::string_view name, std::string_view text) {
  const OptionDef* def = find_option_def(name);
  if (def == nullptr) return tl::unexpected("no definition for " + std::string(name));
  return encode_option_text(*def, text);
}

std::string error_of(std::string_view name, std::string_view text) {
  const auto encoded = encode_named(name, text);
  EXPECT_FALSE(encoded.has_value()) << name << " " << text;
  return encoded ? std::string() : encoded.error();
}

TEST(OptionDefs, KeaNamesMapToRfc2132Codes) {
  const std::pair<std::string_view, uint8_t> expected[] = {
      {"subnet-mask", 1},
      {"time-offset", 2},
      {"routers", 3},
      {"domain-name-servers", 6},
      {"host-name", 12},
      {"domain-name", 15},
      {"interface-mtu", 26},
      {"broadcast-address", 28},
      {"ntp-servers", 42},
      {"vendor-encapsulated-options", 43},
      {"netbios-name-servers", 44},
      {"netbios-node-type", 46},
      {"dhcp-lease-time", 51},
      {"dhcp-renewal-time", 58},
      {"dhcp-rebinding-time", 59},
      {"vendor-class-identifier", 60},
      {"tftp-server-name", 66},
      {"boot-file-name", 67},
      {"www-server", 72},
  };
  for (const auto& [name, code] : expected) {
    const OptionDef* by_name = find_option_def(name);
    ASSERT_NE(by_name, nullptr) << name;
    EXPECT_EQ(by_name->code, code) << name;
    EXPECT_EQ(find_option_def(code), by_name) << name;
  }
}

TEST(OptionDefs, UnknownNamesAndCodes) {
  EXPECT_EQ(find_option_def("no-such-option"), nullptr);
  EXPECT_EQ(find_option_def("Routers"), nullptr);
  EXPECT_EQ(find_option_def(uint8_t{53}), nullptr);  // server-controlled, not configurable
  EXPECT_EQ(find_option_def(uint8_t{0}), nullptr);
}

TEST(OptionDefs, NamesAndCodesAreUnique) {
  std::set<std::string_view> names;
  std::set<uint8_t> codes;
  size_t count = 0;
  for (int code = 0; code < 256; ++code) {
    const OptionDef* def = find_option_def(static_cast<uint8_t>(code));
    if (def == nullptr) continue;
    ++count;
    names.insert(def->name);
    codes.insert(def->code);
    EXPECT_EQ(find_option_def(def->name), def);
  }
  EXPECT_GE(count, 30u);
  EXPECT_EQ(names.size(), count);
}

TEST(OptionText, IpListIsWhitespaceTolerant) {
  const Bytes two{198, 18, 0, 1, 198, 18, 0, 2};
  EXPECT_EQ(encode_named("routers", "198.18.0.1, 198.18.0.2"), two);
  EXPECT_EQ(encode_named("routers", " 198.18.0.1 ,198.18.0.2\t"), two);
  EXPECT_EQ(encode_named("domain-name-servers", "198.18.0.53"), (Bytes{198, 18, 0, 53}));
}

TEST(OptionText, IpListErrors) {
  EXPECT_EQ(error_of("routers", "198.18.0.1,"), "empty IPv4 address");
  EXPECT_EQ(error_of("routers", ""), "empty IPv4 address");
  EXPECT_EQ(error_of("routers", "198.18.0.1,, 198.18.0.2"), "empty IPv4 address");
  EXPECT_EQ(error_of("routers", "198.18.0.256"), "'198.18.0.256' is not a valid IPv4 address");
  EXPECT_EQ(error_of("ntp-servers", "ntp.example"), "'ntp.example' is not a valid IPv4 address");
}

TEST(OptionText, SingleAddress) {
  EXPECT_EQ(encode_named("subnet-mask", " 255.255.255.0 "), (Bytes{255, 255, 255, 0}));
  EXPECT_EQ(error_of("subnet-mask", "255.255.255.0, 255.0.0.0"),
            "'255.255.255.0, 255.0.0.0' is not a valid IPv4 address");
}

TEST(OptionText, UnsignedIntegers) {
  EXPECT_EQ(encode_named("default-ip-ttl", "64"), (Bytes{64}));
  EXPECT_EQ(encode_named("netbios-node-type", "8"), (Bytes{8}));
  EXPECT_EQ(encode_named("interface-mtu", "1500"), (Bytes{0x05, 0xdc}));
  EXPECT_EQ(encode_named("dhcp-lease-time", "86400"), (Bytes{0, 1, 0x51, 0x80}));
  EXPECT_EQ(encode_named("dhcp-lease-time", "4294967295"), (Bytes{255, 255, 255, 255}));
  EXPECT_EQ(encode_named("default-ip-ttl", "0"), (Bytes{0}));
}

TEST(OptionText, IntegerRangeErrors) {
  EXPECT_EQ(error_of("default-ip-ttl", "300"), "'300' is out of range for uint8");
  EXPECT_EQ(error_of("default-ip-ttl", "-1"), "'-1' is out of range for uint8");
  EXPECT_EQ(error_of("interface-mtu", "65536"), "'65536' is out of range for uint16");
  EXPECT_EQ(error_of("dhcp-lease-time", "4294967296"), "'4294967296' is out of range for uint32");
  EXPECT_EQ(error_of("dhcp-lease-time", "99999999999999999999999"),
            "'99999999999999999999999' is out of range for uint32");
}

TEST(OptionText, IntegerSyntaxErrors) {
  EXPECT_EQ(error_of("dhcp-lease-time", "abc"), "'abc' is not a valid uint32");
  EXPECT_EQ(error_of("dhcp-lease-time", "12abc"), "'12abc' is not a valid uint32");
  EXPECT_EQ(error_of("dhcp-lease-time", ""), "'' is not a valid uint32");
  EXPECT_EQ(error_of("interface-mtu", "1 500"), "'1 500' is not a valid uint16");
  EXPECT_EQ(error_of("interface-mtu", "+1500"), "'+1500' is not a valid uint16");
}

TEST(OptionText, TimeOffsetIsSignedTwosComplement) {
  EXPECT_EQ(encode_named("time-offset", "-18000"), (Bytes{0xff, 0xff, 0xb9, 0xb0}));
  EXPECT_EQ(encode_named("time-offset", "3600"), (Bytes{0, 0, 0x0e, 0x10}));
  EXPECT_EQ(encode_named("time-offset", "-2147483648"), (Bytes{0x80, 0, 0, 0}));
  EXPECT_EQ(error_of("time-offset", "2147483648"), "'2147483648' is out of range for int32");
}

TEST(OptionText, Booleans) {
  EXPECT_EQ(encode_named("ip-forwarding", "true"), (Bytes{1}));
  EXPECT_EQ(encode_named("ip-forwarding", "false"), (Bytes{0}));
  EXPECT_EQ(encode_named("router-discovery", " 1 "), (Bytes{1}));
  EXPECT_EQ(encode_named("router-discovery", "0"), (Bytes{0}));
  EXPECT_EQ(error_of("ip-forwarding", "yes"), "'yes' is not a boolean (true/false)");
}

TEST(OptionText, StringsAreVerbatim) {
  EXPECT_EQ(encode_named("domain-name", "corp.example"),
            Bytes({'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'}));
  EXPECT_EQ(encode_named("vendor-class-identifier", " a, b "),
            (Bytes{' ', 'a', ',', ' ', 'b', ' '}));
  EXPECT_EQ(error_of("host-name", ""), "empty string");
}

TEST(OptionText, BinaryIsHex) {
  EXPECT_EQ(encode_named("vendor-encapsulated-options", "01:04:c0:00:02:01"),
            (Bytes{1, 4, 0xc0, 0, 2, 1}));
  EXPECT_EQ(encode_named("vendor-encapsulated-options", "0104C0000201"),
            (Bytes{1, 4, 0xc0, 0, 2, 1}));
  EXPECT_EQ(error_of("vendor-encapsulated-options", "zz"), "'zz' is not valid hex");
}

}  // namespace
}  // namespace bs::wire
