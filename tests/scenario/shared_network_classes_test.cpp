// Scenario tests where client classes and shared networks meet: a real
// class guarding a whole network, Kea's option precedence with a network
// between the subnet and the classes, and the network's required classes
// evaluated before the subnet's once the lease is chosen (Kea 2.2's
// requiredClassify).
#include <gtest/gtest.h>

#include <string>

#include "common/clock.h"
#include "config/config.h"
#include "scenario_fixture.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

// "phone" (option 60 starting with "phone") may use the network "voice";
// "late" is required by the network and "later", which tests for "late", by
// its subnet, so "later" is only assigned if the network's come first.
constexpr const char* kConfig = R"~({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600,
  "option-data": [{"name": "domain-name", "data": "global.example"}],
  "client-classes": [
    {"name": "phone", "test": "substring(option[60].text, 0, 5) == 'phone'",
     "option-data": [{"name": "domain-name-servers", "data": "198.18.7.53"},
                     {"name": "domain-name", "data": "phone.example"}]},
    {"name": "late", "only-if-required": true, "test": "member('phone')",
     "option-data": [{"name": "tftp-server-name", "data": "late.example"}]},
    {"name": "later", "only-if-required": true, "test": "member('late')",
     "option-data": [{"name": "boot-file-name", "data": "later.cfg"}]}
  ],
  "shared-networks": [{
    "name": "voice",
    "client-class": "phone",
    "require-client-classes": ["late"],
    "option-data": [{"name": "domain-name-servers", "data": "198.18.1.53"}],
    "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                 "require-client-classes": ["later"],
                 "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}]
  }]}})~";

Ip4 ip(const char* text) { return *parse_ip4(text); }

std::string option_text(const Reply& reply, uint8_t code) {
  const wire::Option* option = reply.packet.find(code);
  if (option == nullptr) return "<none>";
  return std::string(option->data.begin(), option->data.end());
}

class SharedNetworkClassesTest : public ScenarioTest {
 protected:
  void SetUp() override { start(kConfig); }

  TestClient client(uint8_t mac_last_byte) {
    TestClient out(transport_, *server_, mac_last_byte);
    out.parameter_request_list = {1, 3, 6, 15, 66, 67};
    return out;
  }

  std::optional<Reply> phone_discover(TestClient& phone) {
    wire::Packet discover = phone.query(wire::MessageType::Discover);
    discover.set(wire::opt::kVendorClassId, Bytes{'p', 'h', 'o', 'n', 'e', '-', '1'});
    return phone.exchange(discover);
  }
};

TEST_F(SharedNetworkClassesTest, TheNetworksClassGuardLetsOnlyItsClassIn) {
  TestClient pc = client(1);
  EXPECT_FALSE(pc.discover());  // not a phone: no subnet on this link for it
  TestClient phone = client(2);
  auto offer = phone_discover(phone);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.100"));
}

TEST_F(SharedNetworkClassesTest, NetworkOptionsBeatClassOptionsWhichBeatGlobalOnes) {
  TestClient phone = client(2);
  auto offer = phone_discover(phone);
  ASSERT_TRUE(offer);
  // Kea: subnet, shared network, classes, global.
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.1.53"));
  EXPECT_EQ(option_text(*offer, wire::opt::kDomainName), "phone.example");
}

TEST_F(SharedNetworkClassesTest, TheNetworksRequiredClassesComeBeforeTheSubnets) {
  TestClient phone = client(2);
  auto offer = phone_discover(phone);
  ASSERT_TRUE(offer);
  EXPECT_EQ(option_text(*offer, 66), "late.example");
  EXPECT_EQ(option_text(*offer, 67), "later.cfg");
}

}  // namespace
}  // namespace bs::testing
