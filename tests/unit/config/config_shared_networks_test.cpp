// Kea's "shared-networks": what a network's subnets inherit, where its
// options stay, and how subnet ids are numbered and checked across the file.
#include <gtest/gtest.h>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::ip;
using testing::parse_ok;

std::string parse_error(const std::string& text) {
  auto config = parse_config(text, "inline.json");
  EXPECT_FALSE(config.has_value());
  return config ? "" : config.error().to_string();
}

TEST(SharedNetworks, SubnetsInheritTheNetworkSettingsUnlessTheySetTheirOwn) {
  const Config config = parse_ok(R"({"Dhcp4": {"valid-lifetime": 4000, "rebind-timer": 1000,
      "next-server": "198.18.0.9", "boot-file-name": "global.efi",
      "shared-networks": [{"name": "floor-1", "interface": "eth1",
          "relay": {"ip-addresses": ["198.18.9.1"]},
          "valid-lifetime": 1200, "renew-timer": 300, "match-client-id": false,
          "t1-percent": 0.4, "calculate-tee-times": true, "reservations-global": true,
          "next-server": "198.18.0.5", "min-valid-lifetime": 600,
          "subnet4": [
            {"id": 1, "subnet": "198.18.1.0/24"},
            {"id": 2, "subnet": "198.18.2.0/24", "valid-lifetime": 1100,
             "match-client-id": true, "relay": {"ip-addresses": ["198.18.2.1"]},
             "next-server": "198.18.2.5"}]}]}})");
  ASSERT_EQ(config.subnets.size(), 2u);
  const Subnet& first = config.subnets[0];
  EXPECT_EQ(first.valid_lifetime_s, 1200u);
  EXPECT_EQ(first.renew_timer_s, 300u);
  EXPECT_EQ(first.rebind_timer_s, std::nullopt);  // global, applied when replying
  EXPECT_EQ(first.match_client_id, false);
  EXPECT_EQ(first.tee.t1_percent, 0.4);
  EXPECT_EQ(first.tee.calculate, true);
  EXPECT_EQ(first.reservations_global, true);
  EXPECT_EQ(first.min_valid_lifetime_s, 600u);
  EXPECT_EQ(first.interface, "eth1");
  EXPECT_EQ(first.relay_addresses, std::vector<Ip4>{ip("198.18.9.1")});
  EXPECT_EQ(first.boot.next_server, ip("198.18.0.5"));
  EXPECT_EQ(first.boot.boot_file_name, "global.efi");
  const Subnet& second = config.subnets[1];
  EXPECT_EQ(second.valid_lifetime_s, 1100u);
  EXPECT_EQ(second.match_client_id, true);
  EXPECT_EQ(second.relay_addresses, std::vector<Ip4>{ip("198.18.2.1")});
  EXPECT_EQ(second.boot.next_server, ip("198.18.2.5"));
  ASSERT_EQ(config.shared_networks.size(), 1u);
  EXPECT_EQ(config.shared_networks[0].name, "floor-1");
  EXPECT_EQ(config.shared_networks[0].subnet_ids, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(first.shared_network, 0u);
}

TEST(SharedNetworks, NetworkOptionsStayOnTheNetwork) {
  // Subnet over shared network over (classes over) global: the network's
  // options must not be merged into the subnet's or the global list.
  const Config config = parse_ok(R"({"Dhcp4": {
      "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53"}],
      "shared-networks": [{"name": "n",
          "option-data": [{"name": "domain-name-servers", "data": "198.18.1.53"}],
          "client-class": "VENDOR_CLASS_phone", "require-client-classes": ["late"],
          "subnet4": [{"id": 5, "subnet": "198.18.1.0/24"}]}]}})");
  ASSERT_EQ(config.shared_networks.size(), 1u);
  const SharedNetwork& network = config.shared_networks[0];
  ASSERT_EQ(network.options.size(), 1u);
  EXPECT_EQ(network.options[0].data, (Bytes{198, 18, 1, 53}));
  EXPECT_TRUE(config.subnets.at(0).options.empty());
  EXPECT_EQ(config.options.size(), 1u);
  EXPECT_EQ(network.client_classes.classes, std::vector<std::string>{"VENDOR_CLASS_phone"});
  EXPECT_EQ(network.required_classes, std::vector<std::string>{"late"});
  EXPECT_EQ(config.network_of(config.subnets[0]), &network);
}

TEST(SharedNetworks, NetworkGuardAndSubnetGuardMustBothAdmit) {
  Config config = parse_ok(R"({"Dhcp4": {"shared-networks": [{"name": "n",
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}]}]}})");
  config.shared_networks.at(0).client_classes.classes = {"VENDOR_CLASS_phone"};
  classify::ClassSet pc;
  pc.add(classify::kAll);
  classify::ClassSet phone = pc;
  phone.add_vendor_class("phone");
  EXPECT_FALSE(config.admits(config.subnets[0], pc));
  EXPECT_TRUE(config.admits(config.subnets[0], phone));
  config.subnets[0].client_classes.classes = {"ALL-BUT-NOT-THIS"};
  EXPECT_FALSE(config.admits(config.subnets[0], phone));
}

TEST(SharedNetworks, AutomaticIdsNumberNetworkSubnetsFirst) {
  // Kea 2.2 parses "shared-networks" before "subnet4", whatever the order
  // in the file, and its id counter runs across both.
  const Config config = parse_ok(R"({"Dhcp4": {
      "subnet4": [{"subnet": "198.18.3.0/24"}],
      "shared-networks": [{"name": "n", "subnet4": [
          {"subnet": "198.18.1.0/24"}, {"id": 9, "subnet": "198.18.4.0/24"},
          {"subnet": "198.18.2.0/24"}]}]}})");
  ASSERT_EQ(config.subnets.size(), 4u);
  EXPECT_EQ(config.find_subnet(1)->prefix, ip("198.18.1.0"));
  EXPECT_EQ(config.find_subnet(2)->prefix, ip("198.18.2.0"));
  EXPECT_EQ(config.find_subnet(3)->prefix, ip("198.18.3.0"));
  EXPECT_EQ(config.find_subnet(9)->prefix, ip("198.18.4.0"));
  EXPECT_EQ(config.shared_networks.at(0).subnet_ids, (std::vector<uint32_t>{1, 9, 2}));
  EXPECT_FALSE(config.find_subnet(3)->shared_network.has_value());
}

TEST(SharedNetworks, SubnetIdsAreUniqueAcrossTheWholeFile) {
  const std::string error = parse_error(R"({"Dhcp4": {
      "shared-networks": [{"name": "n", "subnet4": [{"id": 4, "subnet": "198.18.1.0/24"}]}],
      "subnet4": [{"id": 4, "subnet": "198.18.3.0/24"}]}})");
  EXPECT_NE(error.find("Dhcp4.subnet4[0].id 4 is already used by "
                       "Dhcp4.shared-networks[0].subnet4[0].id"),
            std::string::npos)
      << error;
  const std::string numbered = parse_error(R"({"Dhcp4": {
      "shared-networks": [{"name": "n", "subnet4": [{"subnet": "198.18.1.0/24"}]}],
      "subnet4": [{"id": 1, "subnet": "198.18.3.0/24"}]}})");
  EXPECT_NE(numbered.find("shared-networks first"), std::string::npos) << numbered;
}

TEST(SharedNetworks, SubnetsMustNotOverlapAcrossNetworks) {
  const std::string error = parse_error(R"({"Dhcp4": {
      "shared-networks": [{"name": "a", "subnet4": [{"id": 1, "subnet": "198.18.0.0/16"}]},
                          {"name": "b", "subnet4": [{"id": 2, "subnet": "198.18.5.0/24"}]}]}})");
  EXPECT_NE(error.find("overlaps"), std::string::npos) << error;
}

TEST(SharedNetworks, NamesAreRequiredAndUnique) {
  EXPECT_NE(
      parse_error(R"({"Dhcp4": {"shared-networks": [{"subnet4": []}]}})").find("needs a \"name\""),
      std::string::npos);
  const std::string error =
      parse_error(R"({"Dhcp4": {"shared-networks": [{"name": "x"}, {"name": "x"}]}})");
  EXPECT_NE(error.find("is the name of an earlier shared network"), std::string::npos) << error;
}

TEST(SharedNetworks, KeaSanityChecksOnAuthoritativeAndInterface) {
  const std::string authoritative = parse_error(R"({"Dhcp4": {"shared-networks": [{"name": "n",
      "authoritative": true, "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                                          "authoritative": false}]}]}})");
  EXPECT_NE(authoritative.find("\"authoritative\" setting (true)"), std::string::npos)
      << authoritative;
  const std::string interface = parse_error(R"({"Dhcp4": {"shared-networks": [{"name": "n",
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "interface": "eth0"},
                  {"id": 2, "subnet": "198.18.2.0/24", "interface": "eth1"}]}]}})");
  EXPECT_NE(interface.find("\"eth1\" differs from \"eth0\""), std::string::npos) << interface;
}

TEST(SharedNetworks, TimersInheritedFromTheNetworkAreChecked) {
  const std::string error = parse_error(R"({"Dhcp4": {"valid-lifetime": 3600,
      "shared-networks": [{"name": "n", "renew-timer": 5000,
          "subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}]}]}})");
  EXPECT_NE(error.find("Dhcp4.shared-networks[0].renew-timer (5000) must be less than"),
            std::string::npos)
      << error;
}

TEST(SharedNetworks, KeaTuningKeysInANetworkAreCheckedAsInASubnet) {
  const std::string error = parse_error(R"({"Dhcp4": {"shared-networks": [{"name": "n",
      "ddns-send-updates": "yes"}]}})");
  EXPECT_NE(error.find("Dhcp4.shared-networks[0].ddns-send-updates must be true or false"),
            std::string::npos)
      << error;
}

TEST(SharedNetworks, ClassGuardAndRequiredClassesAreReadInBothSpellings) {
  const Config config = parse_ok(R"({"Dhcp4": {
      "client-classes": [{"name": "phone", "test": "option[60].exists"},
                         {"name": "late", "only-if-required": true, "test": "'a' == 'a'"}],
      "shared-networks": [
          {"name": "a", "client-class": "phone", "require-client-classes": ["late"],
           "subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}]},
          {"name": "b", "client-classes": ["phone", "late"],
           "evaluate-additional-classes": ["late"],
           "subnet4": [{"id": 2, "subnet": "198.18.2.0/24"}]}]}})");
  ASSERT_EQ(config.shared_networks.size(), 2u);
  EXPECT_EQ(config.shared_networks[0].client_classes.classes, std::vector<std::string>{"phone"});
  EXPECT_EQ(config.shared_networks[0].required_classes, std::vector<std::string>{"late"});
  EXPECT_EQ(config.shared_networks[1].client_classes.classes,
            (std::vector<std::string>{"phone", "late"}));
  EXPECT_EQ(config.shared_networks[1].required_classes, std::vector<std::string>{"late"});
  const std::string error = parse_error(R"({"Dhcp4": {"shared-networks": [{"name": "n",
      "client-class": "x", "client-classes": ["y"]}]}})");
  EXPECT_NE(error.find("has both \"client-class\" and \"client-classes\""), std::string::npos)
      << error;
}

TEST(SharedNetworks, AGuardNamingAnUndefinedClassIsWarnedAbout) {
  const Config config = parse_ok(R"({"Dhcp4": {
      "shared-networks": [{"name": "n", "client-class": "nobody",
          "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "client-class": "nobody-either"}]}],
      "subnet4": [{"id": 2, "subnet": "198.18.2.0/24", "client-class": "third"}]}})");
  std::string all;
  for (const ConfigError& warning : config.warnings) all += warning.message + "\n";
  EXPECT_NE(all.find("Dhcp4.shared-networks[0] names the client class \"nobody\""),
            std::string::npos)
      << all;
  EXPECT_NE(
      all.find("Dhcp4.shared-networks[0].subnet4[0] names the client class \"nobody-either\""),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("Dhcp4.subnet4[0] names the client class \"third\""), std::string::npos)
      << all;
}

}  // namespace
}  // namespace bs::config
