// Tests for option spaces, configured option definitions, and the VoIP
// options blackstart defines where Kea does not (120, 150).
#include "wire/option_space.h"

#include <gtest/gtest.h>

#include <string>

namespace bs::wire {
namespace {

Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes encode(std::string_view name, std::string_view text) {
  const OptionDef* def = find_option_def(name);
  EXPECT_NE(def, nullptr) << name;
  if (def == nullptr) return {};
  auto bytes = encode_option_text(*def, text);
  EXPECT_TRUE(bytes.has_value()) << name << " " << text << ": " << (bytes ? "" : bytes.error());
  return bytes ? *bytes : Bytes{};
}

CustomOptionDef custom(std::string name, uint8_t code, OptionType type, std::string space) {
  CustomOptionDef def;
  def.name = std::move(name);
  def.code = code;
  def.type = type;
  def.space = std::move(space);
  return def;
}

TEST(OptionSpace, KeaTypeNames) {
  const std::pair<std::string_view, OptionType> expected[] = {
      {"empty", OptionType::Empty},      {"binary", OptionType::Binary},
      {"boolean", OptionType::Boolean},  {"int8", OptionType::I8},
      {"int16", OptionType::I16},        {"int32", OptionType::I32},
      {"uint8", OptionType::U8},         {"uint16", OptionType::U16},
      {"uint32", OptionType::U32},       {"ipv4-address", OptionType::Ip4},
      {"ipv6-address", OptionType::Ip6}, {"string", OptionType::String},
      {"fqdn", OptionType::Fqdn},        {"tuple", OptionType::Tuple},
      {"psid", OptionType::Psid},        {"record", OptionType::Record},
  };
  for (const auto& [name, type] : expected) EXPECT_EQ(parse_type_name(name), type) << name;
  EXPECT_FALSE(parse_type_name("ipv4"));
  EXPECT_FALSE(parse_type_name("ipv6-prefix"));
}

TEST(OptionSpace, NamesAndVendorSpaces) {
  EXPECT_TRUE(is_valid_option_name("my-fancy_space2"));
  EXPECT_FALSE(is_valid_option_name(""));
  EXPECT_FALSE(is_valid_option_name("-x"));
  EXPECT_FALSE(is_valid_option_name("x_"));
  EXPECT_FALSE(is_valid_option_name("a.b"));
  EXPECT_EQ(vendor_space_id("vendor-4491"), 4491u);
  EXPECT_EQ(vendor_space_id("vendor-339"), 339u);
  EXPECT_FALSE(vendor_space_id("vendor-"));
  EXPECT_FALSE(vendor_space_id("vendor-12x"));
  EXPECT_FALSE(vendor_space_id("339"));
}

// Kea's formats for the phone and boot options that were already there.
TEST(OptionSpace, PhoneAndBootOptionsHaveKeaFormats) {
  EXPECT_EQ(find_option_def("tftp-server-name")->code, 66);
  EXPECT_EQ(find_option_def("tftp-server-name")->type, OptionType::String);
  EXPECT_EQ(find_option_def("boot-file-name")->code, 67);
  EXPECT_EQ(find_option_def("boot-file-name")->type, OptionType::String);
  const OptionDef* vivco = find_option_def("vivco-suboptions");
  ASSERT_NE(vivco, nullptr);
  EXPECT_EQ(vivco->code, 124);
  EXPECT_EQ(vivco->type, OptionType::Record);
  EXPECT_EQ(encode("vivco-suboptions", "4491, 0fba"), (Bytes{0, 0, 0x11, 0x8b, 0x0f, 0xba}));
  EXPECT_EQ(find_option_def("vivso-suboptions")->code, 125);
  EXPECT_EQ(encode("vivso-suboptions", "4491"), (Bytes{0, 0, 0x11, 0x8b, 0}));
  EXPECT_EQ(find_option_def("vendor-encapsulated-options")->encapsulate,
            "vendor-encapsulated-options-space");
}

// RFC 5859 option 150: four bytes per TFTP server.
TEST(OptionSpace, CiscoTftpServerList) {
  const OptionDef* def = find_option_def(150);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->name, "tftp-server-address");
  EXPECT_EQ(encode("tftp-server-address", "198.18.0.10, 198.18.0.11"),
            (Bytes{198, 18, 0, 10, 198, 18, 0, 11}));
  EXPECT_FALSE(is_kea_standard(150));
  EXPECT_TRUE(is_kea_standard(66));
}

// RFC 3361 section 3: encoding byte 1 then addresses, or 0 then names.
TEST(OptionSpace, SipServersBothEncodings) {
  ASSERT_NE(find_option_def(120), nullptr);
  EXPECT_EQ(encode("sip-server", "198.18.0.5, 198.18.0.6"),
            (Bytes{1, 198, 18, 0, 5, 198, 18, 0, 6}));
  Bytes names{0, 3};
  for (const auto& part : {text_bytes("sip"), Bytes{7}, text_bytes("example"), Bytes{3},
                           text_bytes("com"), Bytes{0, 2}, text_bytes("pb"), Bytes{7},
                           text_bytes("example"), Bytes{3}, text_bytes("com"), Bytes{0}}) {
    names.insert(names.end(), part.begin(), part.end());
  }
  EXPECT_EQ(encode("sip-server", "sip.example.com, pb.example.com"), names);
  // The encoding may be written out, as a Kea "uint8, ..." record would.
  EXPECT_EQ(encode("sip-server", "1, 198.18.0.5"), (Bytes{1, 198, 18, 0, 5}));
  EXPECT_EQ(encode("sip-server", "0, sip.example.com"), Bytes(names.begin(), names.begin() + 18));
  const OptionDef* def = find_option_def("sip-server");
  const auto mixed = encode_option_text(*def, "198.18.0.5, sip.example.com");
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().find("all addresses or all domain names"), std::string::npos);
  EXPECT_FALSE(encode_option_text(*def, "1, sip.example.com"));
  EXPECT_FALSE(encode_option_text(*def, ""));
}

TEST(OptionSpace, CustomSpaceDefinitionsAreFound) {
  OptionDefinitions defs;
  ASSERT_TRUE(defs.add(custom("vlanid", 2, OptionType::U32, "339")));
  ASSERT_TRUE(defs.add(custom("dls", 3, OptionType::String, "339")));
  const OptionDef* by_name = defs.find("339", std::string_view("dls"));
  ASSERT_NE(by_name, nullptr);
  EXPECT_EQ(by_name->code, 3);
  EXPECT_EQ(defs.find("339", uint8_t{2})->name, "vlanid");
  EXPECT_EQ(defs.find("other", uint8_t{2}), nullptr);
  // The dhcp4 table is still there underneath.
  EXPECT_EQ(defs.find("dhcp4", std::string_view("routers"))->code, 3);
}

TEST(OptionSpace, StandardDefinitionsCannotBeOverridden) {
  OptionDefinitions defs;
  const auto by_code = defs.add(custom("my-routers", 3, OptionType::Ip4, "dhcp4"));
  ASSERT_FALSE(by_code);
  EXPECT_EQ(by_code.error(),
            "unable to override definition of option '3' in standard option "
            "space 'dhcp4'");
  const auto by_name = defs.add(custom("routers", 230, OptionType::Ip4, "dhcp4"));
  ASSERT_FALSE(by_name);
  EXPECT_NE(by_name.error().find("'routers'"), std::string::npos);
  // Kea's table also has the options the server or client sets itself.
  EXPECT_FALSE(defs.add(custom("my-type", 53, OptionType::U8, "dhcp4")));
  EXPECT_FALSE(defs.add(custom("dhcp-agent-options", 231, OptionType::Binary, "dhcp4")));
  EXPECT_TRUE(defs.add(custom("my-type", 53, OptionType::U8, "my-space")));
  EXPECT_FALSE(defs.add(custom("tftp-servers", 9, OptionType::Ip4, "vendor-4491")));
  EXPECT_FALSE(defs.add(custom("x", 1, OptionType::U8, "docsis3-v4")));
}

// Kea leaves 43, 120 and 150 undefined, so Kea files define them; their
// definition replaces blackstart's own, name included.
TEST(OptionSpace, ConfigMayDefineOptionsKeaLeavesUndefined) {
  OptionDefinitions defs;
  auto tftp = custom("tftp-servers", 150, OptionType::Ip4, "dhcp4");
  tftp.array = true;
  ASSERT_TRUE(defs.add(tftp));
  auto vendor = custom("vendor-encapsulated-options", 43, OptionType::Empty, "dhcp4");
  vendor.encapsulate = "339";
  ASSERT_TRUE(defs.add(vendor));
  ASSERT_TRUE(defs.add(custom("sip", 120, OptionType::Binary, "dhcp4")));
  EXPECT_EQ(defs.find("dhcp4", uint8_t{150})->name, "tftp-servers");
  EXPECT_EQ(defs.find("dhcp4", std::string_view("tftp-server-address")), nullptr);
  EXPECT_EQ(defs.find("dhcp4", uint8_t{43})->encapsulate, "339");
  EXPECT_EQ(defs.find("dhcp4", uint8_t{120})->type, OptionType::Binary);
}

TEST(OptionSpace, DuplicatesInOneSpaceAreRefused) {
  OptionDefinitions defs;
  ASSERT_TRUE(defs.add(custom("a", 1, OptionType::U8, "s")));
  const auto code = defs.add(custom("b", 1, OptionType::U8, "s"));
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error(), "option definition with code '1' already exists in option space 's'");
  EXPECT_FALSE(defs.add(custom("a", 2, OptionType::U8, "s")));
  EXPECT_TRUE(defs.add(custom("a", 1, OptionType::U8, "t")));
}

TEST(OptionSpace, ClassDefinitionsSitOnTheGlobalOnes) {
  OptionDefinitions global;
  ASSERT_TRUE(global.add(custom("vlanid", 2, OptionType::U32, "339")));
  OptionDefinitions per_class(&global);
  auto vendor = custom("vendor-encapsulated-options", 43, OptionType::Empty, "dhcp4");
  vendor.encapsulate = "339";
  ASSERT_TRUE(per_class.add(vendor));
  EXPECT_EQ(per_class.find("339", uint8_t{2})->name, "vlanid");
  EXPECT_EQ(per_class.find("dhcp4", uint8_t{43})->encapsulate, "339");
  EXPECT_EQ(global.find("dhcp4", uint8_t{43})->encapsulate, "vendor-encapsulated-options-space");
}

TEST(OptionSpace, DocsisVendorSpaceIsBuiltIn) {
  for (std::string_view space : {"vendor-4491", "docsis3-v4"}) {
    const OptionDef* tftp = find_builtin_def(space, std::string_view("tftp-servers"));
    ASSERT_NE(tftp, nullptr) << space;
    EXPECT_EQ(tftp->code, 2);
    EXPECT_TRUE(tftp->array);
    EXPECT_EQ(find_builtin_def(space, uint8_t{1})->name, "oro");
  }
  EXPECT_EQ(find_builtin_def("vendor-339", uint8_t{1}), nullptr);
}

TEST(OptionSpace, TlvIsCodeLengthData) {
  Bytes out;
  ASSERT_TRUE(append_tlv(out, 2, Bytes{0, 0, 0, 123}));
  EXPECT_EQ(out, (Bytes{2, 4, 0, 0, 0, 123}));
  EXPECT_FALSE(append_tlv(out, 3, Bytes(256, 0)));
}

}  // namespace
}  // namespace bs::wire
