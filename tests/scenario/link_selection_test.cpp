// Scenario tests for the links a query names itself: the relay's RFC 3527
// link-selection sub-option (option 82, sub-option 5) and the client's RFC
// 3011 subnet selection option (118). Kea 2.2's order: link selection, then
// option 118, then giaddr, ciaddr and the arriving link; a named link that
// no subnet contains selects nothing; Kea's compatibility flag
// "ignore-rai-link-selection" turns the sub-option off. Replies, NAKs
// included, repeat option 118 as RFC 3011 requires.
#include <gtest/gtest.h>

#include "scenario_fixture.h"
#include "test_client.h"
#include "wire/relay_agent.h"

namespace bs::testing {
namespace {

using wire::MessageType;

// The server's link is in subnet 1; the relay at 198.18.3.1 sits in subnet
// 3; subnet 4 is a link only a relay's link selection can name.
constexpr const char* kLinksConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600,
  "authoritative": true,
  %COMPAT%
  "subnet4": [
    {"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]},
    {"id": 3, "subnet": "198.18.3.0/24", "pools": [{"pool": "198.18.3.100 - 198.18.3.109"}]},
    {"id": 4, "subnet": "198.18.4.0/24", "pools": [{"pool": "198.18.4.100 - 198.18.4.109"}]}
  ]}})";

Ip4 ip(const char* text) { return *parse_ip4(text); }

Bytes ip_bytes(const char* text) {
  const uint32_t value = ip(text).value;
  return Bytes{static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
               static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

// Option 82 with a circuit-id and a link-selection sub-option of `link`.
Bytes relay_info_selecting(const Bytes& link) {
  Bytes info{wire::relay::kCircuitId,          3, 'p', '1', '7', wire::relay::kLinkSelection,
             static_cast<uint8_t>(link.size())};
  for (const uint8_t byte : link) info.push_back(byte);
  return info;
}

class LinkSelectionTest : public ScenarioTest {
 protected:
  void start_with(const std::string& compatibility) {
    std::string text = kLinksConfig;
    text.replace(text.find("%COMPAT%"), 8, compatibility);
    start(text);
  }

  TestClient relayed(uint8_t mac_last_byte) {
    TestClient client(transport_, *server_, mac_last_byte);
    client.giaddr = ip("198.18.3.1");
    return client;
  }
};

TEST_F(LinkSelectionTest, TheRelaysLinkSelectionWinsOverGiaddr) {
  start_with("");
  TestClient client = relayed(1);
  client.relay_agent_info = relay_info_selecting(ip_bytes("198.18.4.0"));
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.4.100"));
  EXPECT_EQ(offer->tx.destination, ip("198.18.3.1"));  // still answered through the relay
  EXPECT_EQ(offer->packet.find(wire::opt::kRelayAgentInfo)->data, client.relay_agent_info);
  EXPECT_EQ(client.dora(), ip("198.18.4.100"));
  // The renewal names the same link and keeps its address.
  auto renew = client.request_renew(ip("198.18.4.100"));
  ASSERT_TRUE(renew);
  EXPECT_EQ(renew->packet.message_type(), MessageType::Ack);
}

TEST_F(LinkSelectionTest, AMalformedLinkSelectionFallsBackToGiaddr) {
  start_with("");
  TestClient client = relayed(2);
  client.relay_agent_info = relay_info_selecting(Bytes{198, 18, 4});  // 3 bytes
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.3.100"));
}

TEST_F(LinkSelectionTest, IgnoreRaiLinkSelectionSelectsByGiaddr) {
  start_with(R"("compatibility": {"ignore-rai-link-selection": true},)");
  EXPECT_TRUE(config_.ignore_rai_link_selection);
  TestClient client = relayed(3);
  client.relay_agent_info = relay_info_selecting(ip_bytes("198.18.4.0"));
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.3.100"));
}

TEST_F(LinkSelectionTest, OptionSubnetSelectionNamesTheLinkAndIsEchoed) {
  start_with("");
  TestClient client(transport_, *server_, 4);  // on the server's own link
  client.extra_options = {{wire::opt::kSubnetSelection, ip_bytes("198.18.3.7")}};
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.3.100"));
  const wire::Option* echoed = offer->packet.find(wire::opt::kSubnetSelection);
  ASSERT_NE(echoed, nullptr);
  EXPECT_EQ(echoed->data, ip_bytes("198.18.3.7"));
  auto ack = client.request_selecting(ip("198.18.3.100"), ip("198.18.1.1"));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  ASSERT_NE(ack->packet.find(wire::opt::kSubnetSelection), nullptr);
}

TEST_F(LinkSelectionTest, LinkSelectionIsPreferredToOption118) {
  start_with("");
  TestClient client = relayed(5);
  client.relay_agent_info = relay_info_selecting(ip_bytes("198.18.4.0"));
  client.extra_options = {{wire::opt::kSubnetSelection, ip_bytes("198.18.1.0")}};
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.4.100"));
}

TEST_F(LinkSelectionTest, ANamedLinkNoSubnetHoldsSelectsNothing) {
  start_with("");
  TestClient client = relayed(6);
  client.relay_agent_info = relay_info_selecting(ip_bytes("198.18.77.0"));
  EXPECT_FALSE(client.discover());  // not giaddr's subnet 3: the relay said it is elsewhere
  TestClient local(transport_, *server_, 7);
  local.extra_options = {{wire::opt::kSubnetSelection, ip_bytes("198.18.77.0")}};
  EXPECT_FALSE(local.discover());
}

TEST_F(LinkSelectionTest, ANakRepeatsOption118) {
  start_with("");
  TestClient client(transport_, *server_, 8);
  client.extra_options = {{wire::opt::kSubnetSelection, ip_bytes("198.18.3.7")}};
  // INIT-REBOOT for an address of another subnet: authoritative, so NAK.
  auto nak = client.request_init_reboot(ip("198.18.1.100"));
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->packet.message_type(), MessageType::Nak);
  const wire::Option* echoed = nak->packet.find(wire::opt::kSubnetSelection);
  ASSERT_NE(echoed, nullptr);
  EXPECT_EQ(echoed->data, ip_bytes("198.18.3.7"));
}

}  // namespace
}  // namespace bs::testing
