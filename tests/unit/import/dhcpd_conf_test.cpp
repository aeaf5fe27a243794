// dhcpd.conf to Kea JSON: the common subset comes out as a config
// blackstart's own loader accepts with the same meaning, and every line
// left out is named with its line number.
#include "import/dhcpd_conf.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config.h"

namespace bs::import {
namespace {

constexpr const char* kOffice = R"(# A typical small office dhcpd.conf
option domain-name "office.example";
option domain-name-servers 198.18.0.1, 198.18.0.2;
default-lease-time 600;
max-lease-time 7200;
ddns-update-style none;
authoritative;
log-facility local7;
option wpad code 252 = text;
option wpad "http://wpad.office.example/wpad.dat";

subnet 198.18.0.0 netmask 255.255.255.0 {
  range 198.18.0.100 198.18.0.199;
  option routers 198.18.0.1;
  option broadcast-address 198.18.0.255;
  option subnet-mask 255.255.255.0;
  option ntp-servers 198.18.0.1;
  default-lease-time 3600;
}

shared-network floor2 {
  option domain-name "floor2.office.example";
  subnet 198.18.2.0 netmask 255.255.255.0 {
    pool { range 198.18.2.10 198.18.2.50; option routers 198.18.2.1; }
  }
  subnet 198.18.3.0 netmask 255.255.255.0 { range 198.18.3.10; }
}

host printer {
  hardware ethernet 00:11:22:33:44:55;
  fixed-address 198.18.0.20;
  option host-name "printer";
}
group {
  option domain-name "lab.example";
  host lab1 { hardware ethernet 0:11:22:33:44:66; fixed-address 198.18.2.5; }
}
host phone { option dhcp-client-identifier "phone-1"; fixed-address 198.18.3.7; }
class "voip" { match if substring(option vendor-class-identifier, 0, 4) = "SIPX"; }
option routers gateway.office.example;
host nowhere { hardware ethernet 00:11:22:33:44:77; fixed-address 203.0.113.9; }
)";

using Json = nlohmann::json;

std::string lines_of(const Translation& t) {
  std::string out;
  for (const auto& u : t.untranslated) out += std::to_string(u.line) + ": " + u.message + "\n";
  return out;
}

TEST(DhcpdConf, OfficeTranslatesToAConfigBlackstartAccepts) {
  const Translation t = translate_dhcpd_conf(kOffice, {.interfaces = {"eth1"}});
  const auto config = config::parse_config(t.json, "translated.json");
  ASSERT_TRUE(config.has_value()) << config.error().to_string() << "\n" << t.json;
  EXPECT_EQ(t.subnets, 3u);
  EXPECT_EQ(t.reservations, 3u);
  EXPECT_EQ(config->interfaces.at(0).name, "eth1");
  EXPECT_EQ(config->valid_lifetime_s, 600u);
  EXPECT_EQ(config->max_valid_lifetime_s, 7200u);
  EXPECT_TRUE(config->authoritative);
  ASSERT_EQ(config->subnets.size(), 3u);
  ASSERT_EQ(config->shared_networks.size(), 1u);
  const config::Subnet* office = nullptr;
  for (const auto& s : config->subnets) {
    if (to_string(s.prefix) == "198.18.0.0") office = &s;
  }
  ASSERT_NE(office, nullptr);
  EXPECT_EQ(office->prefix_len, 24);
  EXPECT_EQ(office->valid_lifetime_s, 3600u);
  ASSERT_EQ(office->pools.size(), 1u);
  EXPECT_EQ(to_string(office->pools[0].first), "198.18.0.100");
  EXPECT_EQ(to_string(office->pools[0].last), "198.18.0.199");
  EXPECT_EQ(office->options.size(), 4u);
  ASSERT_EQ(office->reservations.size(), 1u);
  EXPECT_EQ(to_string(office->reservations[0].ip_address), "198.18.0.20");
  EXPECT_EQ(to_string(*office->reservations[0].hw_address), "00:11:22:33:44:55");
  // The custom option is defined and used globally.
  const Json json = Json::parse(t.json);
  EXPECT_EQ(json["Dhcp4"]["option-def"][0]["code"], 252);
  EXPECT_EQ(json["Dhcp4"]["option-def"][0]["type"], "string");
  bool has_wpad = false;
  for (const auto& o : config->options) has_wpad |= o.code == 252;
  EXPECT_TRUE(has_wpad);
}

TEST(DhcpdConf, SharedNetworkPoolGroupAndClientIdHosts) {
  const Translation t = translate_dhcpd_conf(kOffice);
  const Json dhcp4 = Json::parse(t.json)["Dhcp4"];
  EXPECT_EQ(dhcp4["interfaces-config"]["interfaces"][0], "*");
  const Json& net = dhcp4["shared-networks"][0];
  EXPECT_EQ(net["name"], "floor2");
  EXPECT_EQ(net["option-data"][0]["data"], "floor2.office.example");
  EXPECT_EQ(net["subnet4"][0]["pools"][0]["pool"], "198.18.2.10 - 198.18.2.50");
  EXPECT_EQ(net["subnet4"][0]["pools"][0]["option-data"][0]["name"], "routers");
  // The group's option goes to the host declared in it.
  const Json& lab1 = net["subnet4"][0]["reservations"][0];
  EXPECT_EQ(lab1["hw-address"], "00:11:22:33:44:66");
  EXPECT_EQ(lab1["option-data"][0]["data"], "lab.example");
  EXPECT_EQ(net["subnet4"][1]["pools"][0]["pool"], "198.18.3.10 - 198.18.3.10");
  EXPECT_EQ(net["subnet4"][1]["reservations"][0]["client-id"], "70:68:6f:6e:65:2d:31");
}

TEST(DhcpdConf, EveryUntranslatedLineIsNamed) {
  const Translation t = translate_dhcpd_conf(kOffice);
  const std::string lines = lines_of(t);
  EXPECT_NE(lines.find("8: 'log-facility local7' not translated"), std::string::npos) << lines;
  EXPECT_NE(lines.find("39: 'class voip' block"), std::string::npos) << lines;
  EXPECT_NE(lines.find("40: option 'routers' not translated"), std::string::npos) << lines;
  EXPECT_NE(lines.find("41: host 'nowhere' not translated: 203.0.113.9 is in no subnet"),
            std::string::npos)
      << lines;
  EXPECT_EQ(t.untranslated.size(), 4u) << lines;
}

TEST(DhcpdConf, SyntaxErrorsAreReportedAndTheRestTranslated) {
  const Translation t = translate_dhcpd_conf(
      "option domain-name \"open;\nsubnet 198.18.0.0 netmask 255.255.255.0 { range 198.18.0.5; "
      "}\n");
  EXPECT_EQ(t.untranslated.size(), 1u) << lines_of(t);
  EXPECT_EQ(t.untranslated[0].line, 1u);
  EXPECT_TRUE(config::parse_config(t.json, "t.json").has_value());
}

TEST(DhcpdConf, BadSubnetsAndRangesAreLeftOut) {
  const Translation t = translate_dhcpd_conf(
      "subnet 198.18.0.1 netmask 255.255.255.0 { range 198.18.0.5; }\n"  // host bits set
      "subnet 198.18.1.0 netmask 255.0.255.0 { }\n"                      // not contiguous
      "subnet 198.18.2.0 netmask 255.255.255.0 { range 198.18.9.1 198.18.9.2; }\n"
      "subnet 198.18.3.0 netmask 255.255.255.0 { range 198.18.3.9 198.18.3.1; }\n"
      "group { group { group { default-lease-time 60; } } }\n");
  EXPECT_EQ(t.untranslated.size(), 4u) << lines_of(t);
  EXPECT_EQ(t.subnets, 2u);
  const auto config = config::parse_config(t.json, "t.json");
  ASSERT_TRUE(config.has_value()) << config.error().to_string();
}

TEST(DhcpdConf, LeaseTimeDefaultsAreDhcpds) {
  const Translation t = translate_dhcpd_conf("max-lease-time 3600;\n");
  const auto config = config::parse_config(t.json, "t.json");
  ASSERT_TRUE(config.has_value()) << config.error().to_string();
  EXPECT_EQ(config->valid_lifetime_s, 3600u);  // dhcpd's 43200, capped by max-lease-time
  EXPECT_EQ(translate_dhcpd_conf("").untranslated.size(), 0u);
  EXPECT_NE(translate_dhcpd_conf("").json.find("43200"), std::string::npos);
}

TEST(DhcpdConf, OptionDefinitionsOfOtherTypesOrStandardCodesAreNamed) {
  const Translation t = translate_dhcpd_conf(
      "option a code 200 = { ip-address, text };\n"
      "option b code 3 = ip-address;\n"
      "option c code 201 = array of unsigned integer 16;\n"
      "option c 1, 2, 3;\n"
      "option space foo;\n");
  const std::string lines = lines_of(t);
  EXPECT_EQ(t.untranslated.size(), 3u) << lines;
  EXPECT_NE(lines.find("code 3 is Kea's standard option 'routers'"), std::string::npos) << lines;
  const auto config = config::parse_config(t.json, "t.json");
  ASSERT_TRUE(config.has_value()) << config.error().to_string() << t.json;
  ASSERT_EQ(config->options.size(), 1u);
  EXPECT_EQ(config->options[0].data, (Bytes{0, 1, 0, 2, 0, 3}));
}

}  // namespace
}  // namespace bs::import
