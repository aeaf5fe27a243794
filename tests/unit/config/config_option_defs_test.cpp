// Kea's "option-def" and option-data in other spaces: every type, records,
// arrays, encapsulated custom spaces (option 43 as Cisco, Polycom and
// Yealink phones use it), vendor spaces in option 125 (RFC 3925) and the
// errors Kea gives. Expected bytes are written out from the RFCs.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "config/jsonc.h"
#include "config/reader.h"
#include "unit/config/test_util.h"
#include "wire/option_space.h"

namespace bs::config {
namespace {

using testing::parse_ok;

Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// The global option-data of a config made of these option-def and
// option-data lists.
std::vector<OptionData> options_of(const std::string& defs, const std::string& data) {
  return parse_ok(R"({"Dhcp4": {"option-def": [)" + defs + R"(], "option-data": [)" + data + "]}}")
      .options;
}

std::string error_of(const std::string& defs, const std::string& data) {
  auto config =
      parse_config(R"({"Dhcp4": {"option-def": [)" + defs + R"(], "option-data": [)" + data + "]}}",
                   "inline.json");
  EXPECT_FALSE(config.has_value());
  return config ? std::string() : config.error().to_string();
}

Bytes only_option(const std::string& defs, const std::string& data, uint8_t code) {
  const auto options = options_of(defs, data);
  EXPECT_EQ(options.size(), 1u);
  if (options.size() != 1) return {};
  EXPECT_EQ(options[0].code, code);
  return options[0].data;
}

// One dhcp4 option of `type` at code 230, given `data`.
Bytes one_typed(const std::string& type, const std::string& data, bool array = false) {
  return only_option(R"({"name": "x", "code": 230, "type": ")" + type + R"(", "array": )" +
                         (array ? "true" : "false") + "}",
                     R"({"name": "x", "data": ")" + data + R"("})", 230);
}

TEST(ConfigOptionDefs, EveryKeaType) {
  EXPECT_EQ(one_typed("uint8", "200"), (Bytes{200}));
  EXPECT_EQ(one_typed("uint16", "0x1234"), (Bytes{0x12, 0x34}));
  EXPECT_EQ(one_typed("uint32", "123"), (Bytes{0, 0, 0, 123}));
  EXPECT_EQ(one_typed("int8", "-1"), (Bytes{0xff}));
  EXPECT_EQ(one_typed("int16", "-2"), (Bytes{0xff, 0xfe}));
  EXPECT_EQ(one_typed("int32", "-3"), (Bytes{0xff, 0xff, 0xff, 0xfd}));
  EXPECT_EQ(one_typed("boolean", "true"), (Bytes{1}));
  EXPECT_EQ(one_typed("ipv4-address", "198.18.0.1"), (Bytes{198, 18, 0, 1}));
  EXPECT_EQ(one_typed("ipv6-address", "2001:db8::1"),
            (Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(one_typed("string", "hello"), text_bytes("hello"));
  EXPECT_EQ(one_typed("binary", "0a0b"), (Bytes{0x0a, 0x0b}));
  EXPECT_EQ(one_typed("fqdn", "a.example"),
            cat({{1}, text_bytes("a"), {7}, text_bytes("example"), {0}}));
  EXPECT_EQ(one_typed("tuple", "abc"), cat({{0, 3}, text_bytes("abc")}));
  EXPECT_EQ(one_typed("psid", "3/4"), (Bytes{4, 0x30, 0x00}));
  EXPECT_EQ(only_option(R"({"name": "x", "code": 230, "type": "empty"})", R"({"name": "x"})", 230),
            Bytes{});
}

TEST(ConfigOptionDefs, ArraysAndRecords) {
  EXPECT_EQ(one_typed("uint16", "1, 2, 3", true), (Bytes{0, 1, 0, 2, 0, 3}));
  EXPECT_EQ(one_typed("ipv4-address", "198.18.0.1, 198.18.0.2", true),
            (Bytes{198, 18, 0, 1, 198, 18, 0, 2}));
  const std::string record =
      R"({"name": "r", "code": 231, "type": "record", "record-types": "uint8, ipv4-address, string"})";
  EXPECT_EQ(only_option(record, R"({"name": "r", "data": "7, 198.18.0.9, text"})", 231),
            cat({{7, 198, 18, 0, 9}, text_bytes("text")}));
  // In an array record the last field repeats (Kea).
  const std::string array_record =
      R"({"name": "r", "code": 231, "type": "record", "array": true, "record-types": "uint8, ipv4-address"})";
  EXPECT_EQ(only_option(array_record, R"({"name": "r", "data": "1, 198.18.0.1, 198.18.0.2"})", 231),
            (Bytes{1, 198, 18, 0, 1, 198, 18, 0, 2}));
}

// Cisco Aironet/phones: option 43 carries sub-option 241, the controller
// addresses (Cisco's WLC discovery), from a space of the config's own.
TEST(ConfigOptionDefs, Option43EncapsulatesACustomSpaceCiscoForm) {
  const auto options = options_of(
      R"({"name": "vendor-encapsulated-options", "code": 43, "type": "empty", "encapsulate": "cisco"},
         {"name": "wlc", "code": 241, "space": "cisco", "type": "ipv4-address", "array": true})",
      R"({"name": "vendor-encapsulated-options"},
         {"name": "wlc", "space": "cisco", "data": "198.18.0.20, 198.18.0.21"})");
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].code, 43);
  EXPECT_EQ(options[0].data, (Bytes{241, 8, 198, 18, 0, 20, 198, 18, 0, 21}));
}

// Without an option-def for 43, Kea's own: the options of
// "vendor-encapsulated-options-space", packed in code order (Yealink's
// provisioning URL in 2, a VLAN in 1).
TEST(ConfigOptionDefs, Option43DefaultSpaceYealinkForm) {
  const auto options = options_of(
      R"({"name": "url", "code": 2, "space": "vendor-encapsulated-options-space", "type": "string"},
         {"name": "vlan", "code": 1, "space": "vendor-encapsulated-options-space", "type": "uint16"})",
      R"({"name": "url", "space": "vendor-encapsulated-options-space", "data": "http://p.example/"},
         {"name": "vlan", "space": "vendor-encapsulated-options-space", "data": "100"},
         {"name": "vendor-encapsulated-options"})");
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].data, cat({{1, 2, 0, 100}, {2, 17}, text_bytes("http://p.example/")}));
}

// Polycom and many others: option 43 written as raw hex, as Kea's examples do.
TEST(ConfigOptionDefs, Option43RawHexPolycomForm) {
  EXPECT_EQ(only_option("", R"({"name": "vendor-encapsulated-options", "csv-format": false,
                                 "data": "01 04 C6 12 00 01"})",
                        43),
            (Bytes{1, 4, 198, 18, 0, 1}));
}

// Kea's all-options.json: an option of one custom space encapsulating
// another; spaces not carried by a dhcp4 option are kept out of replies.
TEST(ConfigOptionDefs, NestedSpaces) {
  const auto options = options_of(
      R"({"name": "outer", "code": 222, "type": "empty", "encapsulate": "mid"},
         {"name": "middle", "code": 5, "space": "mid", "type": "uint8", "encapsulate": "inner"},
         {"name": "leaf", "code": 9, "space": "inner", "type": "string"},
         {"name": "orphan", "code": 1, "space": "elsewhere", "type": "uint8"})",
      R"({"name": "outer"}, {"name": "middle", "space": "mid", "data": "7"},
         {"name": "leaf", "space": "inner", "data": "hi"},
         {"name": "orphan", "space": "elsewhere", "data": "1"})");
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].code, 222);
  EXPECT_EQ(options[0].data, cat({{5, 5, 7, 9, 2}, text_bytes("hi")}));
}

// Kea's vivso.json: RFC 3925 enterprise 339, then its sub-options.
TEST(ConfigOptionDefs, VendorSpaceInOption125) {
  const auto options = options_of(
      R"({"name": "vlanid", "code": 2, "space": "vendor-339", "type": "uint32"},
         {"name": "dls", "code": 3, "space": "vendor-339", "type": "string"})",
      R"({"name": "vivso-suboptions", "data": "339"},
         {"name": "vlanid", "space": "vendor-339", "data": "123", "always-send": true},
         {"name": "dls", "space": "vendor-339", "data": "sdlp://192.0.2.11:18443", "always-send": true})");
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].code, 125);
  const Bytes dls = text_bytes("sdlp://192.0.2.11:18443");
  EXPECT_EQ(options[0].data, cat({{0, 0, 1, 0x53, static_cast<uint8_t>(6 + 2 + dls.size())},
                                  {2, 4, 0, 0, 0, 123},
                                  {3, static_cast<uint8_t>(dls.size())},
                                  dls}));
}

// DOCSIS (Kea's vendor-4491 definitions are built in). Sub-options without
// always-send stay out, as in Kea 2.2, with a warning.
TEST(ConfigOptionDefs, Docsis4491) {
  auto config = parse_config(R"({"Dhcp4": {"option-data": [
      {"name": "vivso-suboptions", "data": "4491"},
      {"name": "tftp-servers", "space": "vendor-4491", "data": "198.18.0.7", "always-send": true},
      {"name": "oro", "space": "vendor-4491", "data": "1, 2"}]}})",
                             "inline.json");
  ASSERT_TRUE(config) << config.error().to_string();
  ASSERT_EQ(config->options.size(), 1u);
  EXPECT_EQ(config->options[0].data, (Bytes{0, 0, 0x11, 0x8b, 6, 2, 4, 198, 18, 0, 7}));
  ASSERT_FALSE(config->warnings.empty());
  EXPECT_NE(config->warnings[0].message.find("only with \"always-send\""), std::string::npos);
}

TEST(ConfigOptionDefs, SubnetAndReservationListsUseTheDefinitions) {
  const Config config = parse_ok(R"({"Dhcp4": {
      "option-def": [{"name": "tftp-servers", "code": 150, "type": "ipv4-address", "array": true}],
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
        "option-data": [{"name": "tftp-servers", "data": "198.18.1.5"}],
        "reservations": [{"hw-address": "02:00:00:00:00:01", "ip-address": "198.18.1.9",
          "option-data": [{"code": 150, "data": "198.18.1.6"}]}]}]}})");
  ASSERT_EQ(config.subnets.size(), 1u);
  EXPECT_EQ(config.subnets[0].options[0].code, 150);
  EXPECT_EQ(config.subnets[0].options[0].data, (Bytes{198, 18, 1, 5}));
}

TEST(ConfigOptionDefs, KeaErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"name": "my-routers", "code": 3, "type": "ipv4-address"})",
       "unable to override definition of option '3' in standard option space 'dhcp4'"},
      {R"({"name": "x", "code": 0, "type": "uint8"})", "invalid option code '0': reserved for PAD"},
      {R"({"name": "x", "code": 255, "type": "uint8"})", "reserved for END"},
      {R"({"name": "x", "code": 256, "type": "uint8"})", "must be between 0 and 255"},
      {R"({"name": "x", "code": 230, "type": "ipv4"})", "unknown type \"ipv4\""},
      {R"({"name": "x", "code": 230, "type": "record", "record-types": "uint8"})",
       "a record needs at least 2"},
      {R"({"name": "x", "code": 230, "type": "record", "record-types": "string, uint8"})",
       "may only be the last field"},
      {R"({"name": "x", "code": 230, "type": "string", "array": true})",
       "an array of string, binary or empty values"},
      {R"({"name": "x", "code": 230, "type": "uint8", "record-types": "uint8, uint8"})",
       "only for type \"record\""},
      {R"({"name": "x", "code": 230, "type": "uint8", "array": true, "encapsulate": "s"})",
       "an array option may not encapsulate"},
      {R"({"name": "x", "code": 1, "space": "s", "type": "empty", "encapsulate": "s"})",
       "must not encapsulate the option space it belongs to"},
      {R"({"name": "x y", "code": 230, "type": "uint8"})", "invalid option name"},
      {R"({"name": "x", "code": 230, "type": "uint8", "space": "a.b"})",
       "invalid option space name"},
      {R"({"code": 230, "type": "uint8"})", "needs \"name\""},
      {R"({"name": "x", "code": 230, "type": "uint8"}, {"name": "y", "code": 230, "type": "uint8"})",
       "option definition with code '230' already exists in option space 'dhcp4'"},
      {R"({"name": "x", "code": 230, "type": "uint8", "frob": 1})", "unknown key \"frob\""},
  };
  for (const auto& [defs, expected] : cases) {
    const std::string error = error_of(defs, "");
    EXPECT_NE(error.find(expected), std::string::npos) << defs << "\n  got: " << error;
  }
}

TEST(ConfigOptionDefs, OptionDataErrorsInOtherSpaces) {
  const std::string defs = R"({"name": "a", "code": 1, "space": "s", "type": "uint8"})";
  EXPECT_NE(error_of(defs, R"({"name": "b", "space": "s", "data": "1"})")
                .find("unknown option name the string \"b\" in option space \"s\""),
            std::string::npos);
  EXPECT_NE(error_of(defs, R"({"name": "a", "space": "s", "data": "300"})")
                .find("out of range for uint8"),
            std::string::npos);
  EXPECT_NE(error_of(defs, R"({"name": "a", "space": "s", "data": "1"},
                              {"code": 1, "space": "s", "csv-format": false, "data": "02"})")
                .find("option 1 of space \"s\" is already set"),
            std::string::npos);
  // Loops between spaces are refused instead of recursing forever.
  const std::string loop = R"({"name": "top", "code": 222, "type": "empty", "encapsulate": "p"},
      {"name": "p1", "code": 1, "space": "p", "type": "empty", "encapsulate": "q"},
      {"name": "q1", "code": 1, "space": "q", "type": "empty", "encapsulate": "p"})";
  EXPECT_NE(error_of(loop, R"({"name": "top"}, {"name": "p1", "space": "p"},
                              {"name": "q1", "space": "q"})")
                .find("encapsulate each other in a loop"),
            std::string::npos);
  // Sub-options that make the carrying option longer than 255 bytes.
  const std::string big = R"({"name": "top", "code": 222, "type": "empty", "encapsulate": "p"},
      {"name": "b1", "code": 1, "space": "p", "type": "binary"},
      {"name": "b2", "code": 2, "space": "p", "type": "binary"})";
  const std::string hex(2 * 200, 'a');
  EXPECT_NE(error_of(big, R"({"name": "top"}, {"name": "b1", "space": "p", "data": ")" + hex +
                              R"("}, {"name": "b2", "space": "p", "data": ")" + hex + R"("})")
                .find("one option holds at most 255"),
            std::string::npos);
}

// Kea's vendor-specific.json: global definitions of space "339", a class
// that defines 43 as encapsulating it. The global 43 is unchanged.
TEST(ConfigOptionDefs, ClassLevelDefinitionOfOption43) {
  const auto document = parse_jsonc(R"({
    "option-def": [{"name": "vlanid", "code": 2, "space": "339", "type": "uint32"},
                   {"name": "dls", "code": 3, "space": "339", "type": "string"}],
    "class": {"name": "VENDOR_CLASS_339",
      "option-def": [{"code": 43, "encapsulate": "339", "name": "vendor-encapsulated-options",
                      "type": "empty"}],
      "option-data": [{"name": "vendor-encapsulated-options"},
                      {"always-send": true, "data": "123", "name": "vlanid", "space": "339"},
                      {"always-send": true, "data": "sdlp://192.0.2.11:18443", "name": "dls",
                       "space": "339"}]},
    "bad-class": {"option-def": [{"code": 3, "name": "gw", "type": "ipv4-address"}]}})");
  ASSERT_TRUE(document);
  const std::string file = "classes.json";
  const Reader reader(*document, file);
  wire::OptionDefinitions global;
  ASSERT_TRUE(read_option_defs(reader, *reader.root().find("option-def"), global, false));
  reader.use_option_definitions(&global);
  auto options = read_class_option_data(reader, *reader.root().find("class"));
  ASSERT_TRUE(options) << options.error().to_string();
  ASSERT_EQ(options->size(), 1u);
  const Bytes dls = text_bytes("sdlp://192.0.2.11:18443");
  EXPECT_EQ((*options)[0].code, 43);
  EXPECT_EQ((*options)[0].data,
            cat({{2, 4, 0, 0, 0, 123}, {3, static_cast<uint8_t>(dls.size())}, dls}));
  EXPECT_EQ(reader.option_definitions(), &global);
  EXPECT_EQ(global.find("dhcp4", uint8_t{43})->encapsulate, "vendor-encapsulated-options-space");
  // Kea lets a class define only the options it unpacks late (43, 224-254).
  auto refused = read_class_option_data(reader, *reader.root().find("bad-class"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not allowed option definition for code '3'"),
            std::string::npos);
}

}  // namespace
}  // namespace bs::config
