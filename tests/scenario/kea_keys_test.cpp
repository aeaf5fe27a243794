// Scenario tests for the Kea Dhcp4 keys that change replies: the BOOTP
// fields, the client's requested lease time within min-/max-valid-lifetime,
// T1/T2 from t1-/t2-percent, always-send and never-send, pool options,
// match-client-id, echo-client-id, per-subnet authoritative, reservations by
// circuit-id and global reservations.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "scenario_fixture.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

Ip4 ip(const char* text) { return *parse_ip4(text); }

std::string field_text(std::span<const uint8_t> field) {
  std::string text(field.begin(), field.end());
  return text.substr(0, text.find('\0'));
}

class KeaKeysTest : public ScenarioTest {
 protected:
  void start(const std::string& dhcp4_members) {
    ScenarioTest::start(R"({"Dhcp4": {
      "interfaces-config": {"interfaces": ["office0"]},
      "lease-database": {"type": "sqlite", "name": "/unused"}, )" +
                        dhcp4_members + "}}");
  }

  TestClient client(uint8_t mac_last_byte) {
    return TestClient(transport_, *server_, mac_last_byte);
  }
};

TEST_F(KeaKeysTest, NextServerHostnameAndBootFileFillTheBootpFields) {
  start(R"("next-server": "198.18.1.5", "boot-file-name": "pxelinux.0",
      "subnet4": [{"subnet": "198.18.1.0/24", "server-hostname": "tftp-1",
        "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}],
        "reservations": [{"hw-address": "02:cc:00:00:00:09", "ip-address": "198.18.1.9",
                          "boot-file-name": "special.efi", "next-server": "198.18.1.6"}]}])");
  auto offer = client(1).discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.siaddr, ip("198.18.1.5"));
  EXPECT_EQ(field_text(offer->packet.sname), "tftp-1");
  EXPECT_EQ(field_text(offer->packet.file), "pxelinux.0");
  // The reservation's own values win, field by field.
  auto reserved = client(9).discover();
  ASSERT_TRUE(reserved);
  EXPECT_EQ(reserved->packet.yiaddr, ip("198.18.1.9"));
  EXPECT_EQ(reserved->packet.siaddr, ip("198.18.1.6"));
  EXPECT_EQ(field_text(reserved->packet.sname), "tftp-1");
  EXPECT_EQ(field_text(reserved->packet.file), "special.efi");
}

TEST_F(KeaKeysTest, RequestedLeaseTimeIsClampedToMinAndMax) {
  start(R"("valid-lifetime": 3600, "min-valid-lifetime": 600, "max-valid-lifetime": 7200,
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  const std::pair<uint32_t, uint32_t> cases[] = {{0, 3600}, {60, 600}, {1800, 1800}, {86400, 7200}};
  uint8_t mac = 1;
  for (const auto& [asked, granted] : cases) {
    TestClient pc = client(mac++);
    wire::Packet discover = pc.query(MessageType::Discover);
    if (asked != 0) discover.set_u32(wire::opt::kLeaseTime, asked);
    auto offer = pc.exchange(discover);
    ASSERT_TRUE(offer) << asked;
    EXPECT_EQ(offer->packet.option_u32(wire::opt::kLeaseTime), granted) << asked;
    wire::Packet request = pc.query(MessageType::Request);
    request.set_ip(wire::opt::kRequestedAddress, offer->packet.yiaddr);
    request.set_ip(wire::opt::kServerId, ip("198.18.1.1"));
    if (asked != 0) request.set_u32(wire::opt::kLeaseTime, asked);
    auto ack = pc.exchange(request);
    ASSERT_TRUE(ack) << asked;
    EXPECT_EQ(ack->packet.option_u32(wire::opt::kLeaseTime), granted) << asked;
    // T1/T2 follow the granted lifetime.
    EXPECT_EQ(ack->packet.option_u32(wire::opt::kRenewalTime), granted / 2) << asked;
  }
}

TEST_F(KeaKeysTest, WithoutBoundsTheRequestedLeaseTimeIsIgnored) {
  start(R"("valid-lifetime": 3600, "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  TestClient pc = client(1);
  wire::Packet discover = pc.query(MessageType::Discover);
  discover.set_u32(wire::opt::kLeaseTime, 60);
  auto offer = pc.exchange(discover);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.option_u32(wire::opt::kLeaseTime), 3600u);
}

TEST_F(KeaKeysTest, TeeTimesFromPercentagesOrNotAtAll) {
  start(R"("valid-lifetime": 1000, "calculate-tee-times": true, "t1-percent": .4,
      "t2-percent": 0.7,
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.104"}]},
                  {"id": 2, "subnet": "198.18.2.0/24", "calculate-tee-times": false,
                   "relay": {"ip-addresses": ["198.18.2.1"]},
                   "pools": [{"pool": "198.18.2.100 - 198.18.2.104"}]}])");
  auto offer = client(1).discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.option_u32(wire::opt::kRenewalTime), 400u);
  EXPECT_EQ(offer->packet.option_u32(wire::opt::kRebindingTime), 700u);
  // calculate-tee-times false and no renew-timer/rebind-timer: Kea sends neither.
  TestClient relayed = client(2);
  relayed.giaddr = ip("198.18.2.1");
  auto other = relayed.discover();
  ASSERT_TRUE(other);
  EXPECT_EQ(other->packet.yiaddr, ip("198.18.2.100"));
  EXPECT_EQ(other->packet.find(wire::opt::kRenewalTime), nullptr);
  EXPECT_EQ(other->packet.find(wire::opt::kRebindingTime), nullptr);
}

TEST_F(KeaKeysTest, AlwaysSendNeverSendAndPoolOptions) {
  start(R"("option-data": [{"name": "domain-name", "data": "office.example", "always-send": true},
                        {"name": "domain-name-servers", "data": "198.18.1.53", "never-send": true}],
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
        "option-data": [{"name": "routers", "data": "198.18.1.1"}],
        "pools": [{"pool": "198.18.1.100 - 198.18.1.100",
                   "option-data": [{"name": "routers", "data": "198.18.1.254"},
                                   {"name": "default-ip-ttl", "data": "0xf0"}]},
                  {"pool": "198.18.1.101 - 198.18.1.109"}]}])");
  TestClient first = client(1);
  first.parameter_request_list = {3, 6, 23};
  auto offer = first.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.100"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kRouters), ip("198.18.1.254"));  // the pool's
  ASSERT_NE(offer->packet.find(23), nullptr);
  EXPECT_EQ(offer->packet.find(23)->data, Bytes{0xf0});
  EXPECT_EQ(offer->packet.find(wire::opt::kDomainNameServers), nullptr);  // never-send
  EXPECT_NE(offer->packet.find(wire::opt::kDomainName), nullptr);         // always-send
  ASSERT_EQ(first.request_selecting(offer->packet.yiaddr, ip("198.18.1.1"))->packet.yiaddr,
            ip("198.18.1.100"));
  TestClient second = client(2);
  second.parameter_request_list = {};  // no PRL at all
  auto plain = second.discover();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->packet.yiaddr, ip("198.18.1.101"));
  EXPECT_NE(plain->packet.find(wire::opt::kDomainName), nullptr);
  second.parameter_request_list = {3};
  auto asked = second.discover();
  EXPECT_EQ(asked->packet.option_ip(wire::opt::kRouters), ip("198.18.1.1"));  // the subnet's
}

TEST_F(KeaKeysTest, MatchClientIdFalseFindsTheLeaseByMac) {
  start(R"("match-client-id": false, "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  TestClient pxe = client(1);
  pxe.client_id = {0xff, 1, 2, 3};
  const Ip4 first = pxe.dora();
  ASSERT_FALSE(first.is_zero());
  // The installed OS sends another client id from the same NIC.
  TestClient os = client(1);
  os.client_id = {1, 0x02, 0xcc, 0, 0, 0, 1};
  EXPECT_EQ(os.dora(), first);
}

TEST_F(KeaKeysTest, MatchClientIdTrueTellsClientIdsApart) {
  start(R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  TestClient pxe = client(1);
  pxe.client_id = {0xff, 1, 2, 3};
  const Ip4 first = pxe.dora();
  TestClient os = client(1);
  os.client_id = {1, 0x02, 0xcc, 0, 0, 0, 1};
  EXPECT_NE(os.dora(), first);
}

TEST_F(KeaKeysTest, EchoClientIdFalseLeavesOption61Out) {
  start(R"("echo-client-id": false, "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  TestClient pc = client(1);
  pc.client_id = {1, 2, 3};
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.find(wire::opt::kClientId), nullptr);
}

TEST_F(KeaKeysTest, AuthoritativePerSubnetNaksUnknownClients) {
  start(R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "authoritative": true,
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  TestClient pc = client(1);
  auto reply = pc.request_init_reboot(ip("198.18.1.20"));  // outside the pool, never given
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->packet.message_type(), MessageType::Nak);
}

// Found by the differential test against Kea (tests/differential): Kea
// gives a client's Host Name back in OFFER and ACK, cleaned as its default
// hostname-char-set says and lower-cased; blackstart sent none.
TEST_F(KeaKeysTest, ClientHostNameIsGivenBackCleanedAndLowerCased) {
  start(R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                   "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  TestClient pc = client(1);
  pc.hostname = "Diff_Host.Example";
  pc.parameter_request_list = {1, 3};
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  const wire::Option* name = offer->packet.find(wire::opt::kHostName);
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(std::string(name->data.begin(), name->data.end()), "diffhost.example");
  const auto server_id = offer->packet.option_ip(wire::opt::kServerId);
  ASSERT_TRUE(server_id);
  auto ack = pc.request_selecting(offer->packet.yiaddr, *server_id);
  ASSERT_TRUE(ack);
  ASSERT_NE(ack->packet.find(wire::opt::kHostName), nullptr);
  TestClient nameless = client(2);
  nameless.hostname = "";
  auto plain = nameless.discover();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->packet.find(wire::opt::kHostName), nullptr);
}

TEST_F(KeaKeysTest, ReservationByCircuitIdAndGlobalReservation) {
  start(R"("host-reservation-identifiers": ["circuit-id", "hw-address"],
      "reservations-global": true,
      "reservations": [{"hw-address": "02:cc:00:00:00:07", "hostname": "global-host",
                        "ip-address": "198.18.3.7"}],
      "subnet4": [{"id": 3, "subnet": "198.18.3.0/24",
        "relay": {"ip-addresses": ["198.18.3.1"]},
        "pools": [{"pool": "198.18.3.100 - 198.18.3.109"}],
        "reservations": [{"circuit-id": "'port-4'", "ip-address": "198.18.3.44"}]}])");
  TestClient port4 = client(1);
  port4.giaddr = ip("198.18.3.1");
  port4.relay_agent_info = {1, 6, 'p', 'o', 'r', 't', '-', '4'};
  auto offer = port4.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.3.44"));
  TestClient global = client(7);
  global.giaddr = ip("198.18.3.1");
  global.hostname = "";
  global.parameter_request_list = {12};
  auto reserved = global.discover();
  ASSERT_TRUE(reserved);
  EXPECT_EQ(reserved->packet.yiaddr, ip("198.18.3.7"));
}

}  // namespace
}  // namespace bs::testing

namespace bs::testing {
namespace {

// Kea lets a file configure dhcp-message (56), as its comments.json does:
// it goes to a client that asks for it, and a NAK keeps the server's reason.
TEST_F(KeaKeysTest, AConfiguredDhcpMessageIsSentWhenAskedButNotOnNaks) {
  start(R"("option-data": [{"name": "dhcp-message", "data": "welcome to city hall"}],
      "authoritative": true,
      "subnet4": [{"subnet": "198.18.1.0/24",
        "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}])");
  TestClient asking = client(1);
  asking.parameter_request_list = {1, 3, 56};
  auto offer = asking.discover();
  ASSERT_TRUE(offer);
  const wire::Option* message = offer->packet.find(wire::opt::kMessage);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(std::string(message->data.begin(), message->data.end()), "welcome to city hall");
  auto nak = asking.request_init_reboot(ip("198.18.9.9"));
  ASSERT_TRUE(nak);
  ASSERT_EQ(nak->packet.message_type(), MessageType::Nak);
  const wire::Option* reason = nak->packet.find(wire::opt::kMessage);
  ASSERT_NE(reason, nullptr);
  EXPECT_NE(std::string(reason->data.begin(), reason->data.end()), "welcome to city hall");
}

}  // namespace
}  // namespace bs::testing
