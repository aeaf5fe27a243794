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
  EXPECT_EQ(error_of("routers", ""), "empty IPv4 address");
  EXPECT_EQ(error_of("routers", "198.18.0.256"), "'198.18.0.256' is not a valid IPv4 address");
  EXPECT_EQ(error_of("ntp-servers", "ntp.example"), "'ntp.example' is not a valid IPv4 address");
}

// Kea's tokenizer drops empty values, so stray commas are harmless.
TEST(OptionText, EmptyValuesAreDroppedAsKeaDoes) {
  const Bytes two{198, 18, 0, 1, 198, 18, 0, 2};
  EXPECT_EQ(encode_named("routers", "198.18.0.1,"), (Bytes{198, 18, 0, 1}));
  EXPECT_EQ(encode_named("routers", "198.18.0.1,, 198.18.0.2"), two);
}

TEST(OptionText, SingleAddress) {
  EXPECT_EQ(encode_named("subnet-mask", " 255.255.255.0 "), (Bytes{255, 255, 255, 0}));
  EXPECT_EQ(error_of("subnet-mask", "255.255.255.0, 255.0.0.0"),
            "'255.255.255.0, 255.0.0.0' takes one value, got 2");
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

// Kea trims values and reads "\," as a comma inside one; an unescaped comma
// would make Kea drop the rest, so blackstart refuses it instead.
TEST(OptionText, StringsAreTrimmedAndCommasEscaped) {
  EXPECT_EQ(encode_named("domain-name", "corp.example"),
            Bytes({'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'}));
  EXPECT_EQ(encode_named("vendor-class-identifier", " a\\, b "), (Bytes{'a', ',', ' ', 'b'}));
  EXPECT_EQ(encode_named("boot-file-name", "EST5EDT4\\,M3.2.0/02:00"),
            Bytes({'E', 'S', 'T', '5', 'E', 'D', 'T', '4', ',', 'M', '3',
                   '.', '2', '.', '0', '/', '0', '2', ':', '0', '0'}));
  EXPECT_EQ(encode_named("root-path", "a\\\\b"), (Bytes{'a', '\\', 'b'}));
  EXPECT_EQ(error_of("vendor-class-identifier", " a, b "),
            "' a, b ' contains a comma; Kea keeps only the text before it, so write \\, for a "
            "comma inside the text");
  EXPECT_EQ(error_of("host-name", ""), "empty string");
}

TEST(OptionText, HexIntegersAsInKeaExamples) {
  EXPECT_EQ(encode_named("default-ip-ttl", "0xf0"), (Bytes{0xf0}));
  EXPECT_EQ(encode_named("interface-mtu", "0X05DC"), (Bytes{0x05, 0xdc}));
  EXPECT_EQ(error_of("default-ip-ttl", "0x"), "'0x' is not a valid uint8");
  EXPECT_EQ(error_of("default-ip-ttl", "0xg1"), "'0xg1' is not a valid uint8");
}

TEST(OptionText, DomainNamesInDnsWireForm) {
  const Bytes one{7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
  EXPECT_EQ(encode_named("v4-access-domain", "example.com"), one);
  EXPECT_EQ(encode_named("v4-access-domain", "example.com."), one);
  Bytes two{2, 'm', 'y', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
  two.insert(two.end(), one.begin(), one.end());
  EXPECT_EQ(encode_named("domain-search", "my.example.com, example.com"), two);
  EXPECT_EQ(error_of("domain-search", "a..b"), "'a..b' is not a valid domain name");
  EXPECT_EQ(error_of("domain-search", std::string(64, 'a')),
            "'" + std::string(64, 'a') + "' is not a valid domain name");
}

TEST(OptionText, RecordsArraysAndKeaSpecials) {
  // fqdn (81): flags, rcode1, rcode2, name.
  EXPECT_EQ(encode_named("fqdn", "1, 0, 0, a.b"), (Bytes{1, 0, 0, 1, 'a', 1, 'b', 0}));
  EXPECT_EQ(error_of("fqdn", "1, 0"), "needs 4 comma-separated values, got 2");
  // slp-directory-agent (78): an array record, the last field repeats.
  EXPECT_EQ(encode_named("slp-directory-agent", "true, 198.18.0.1, 198.18.0.2"),
            (Bytes{1, 198, 18, 0, 1, 198, 18, 0, 2}));
  EXPECT_EQ(encode_named("client-system", "0, 7"), (Bytes{0, 0, 0, 7}));
  EXPECT_EQ(encode_named("vivco-suboptions", "4491, 0a0b"), (Bytes{0, 0, 0x11, 0x8b, 0x0a, 0x0b}));
  // vivso (125) with no sub-options: enterprise id and an empty block.
  EXPECT_EQ(encode_named("vivso-suboptions", "4491"), (Bytes{0, 0, 0x11, 0x8b, 0}));
  // RFC 3442: width, significant octets of the network, router.
  EXPECT_EQ(encode_named("classless-static-route",
                         "10.229.0.128/25 - 10.229.0.1, 0.0.0.0/0 - 198.18.0.1"),
            (Bytes{25, 10, 229, 0, 128, 10, 229, 0, 1, 0, 198, 18, 0, 1}));
  // RFC 7618: length, then the PSID left-aligned in 16 bits.
  EXPECT_EQ(encode_named("v4-portparams", "2, 0x34/6"), (Bytes{2, 6, 0xd0, 0x00}));
  EXPECT_EQ(encode_named("v4-sztp-redirect", "https://a"),
            (Bytes{0, 9, 'h', 't', 't', 'p', 's', ':', '/', '/', 'a'}));
  EXPECT_EQ(encode_named("cablelabs-client-conf", ""), Bytes{});
}

TEST(OptionDefs, TableCoversKeaStandardNames) {
  // Names Kea 2.2 and later define that real configs use.
  for (std::string_view name :
       {"domain-search", "v6-only-preferred", "v4-captive-portal", "vivso-suboptions",
        "classless-static-route", "tcode", "pcode", "v4-lost", "sip-ua-cs-domains", "option-6rd",
        "rdnss-selection", "uuid-guid", "client-ndi", "nisplus-servers"}) {
    EXPECT_NE(find_option_def(name), nullptr) << name;
  }
  EXPECT_GE(option_defs().size(), 110u);
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
