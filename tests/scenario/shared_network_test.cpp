// Scenario tests for Kea's shared networks: two subnets on one link, the
// real server pipeline driven by scripted clients. Fall-through when the
// first subnet is exhausted, renewals staying in their subnet, reservations
// found in a sibling subnet, a class-guarded phone pool, relayed selection
// by the network's relay address, and the network's option precedence.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "scenario_fixture.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

// Subnet 1 holds the link's address (198.18.1.1), so local queries select it;
// 198.18.9.1 is a relay known only to the network.
constexpr const char* kSharedConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600,
  "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53"},
                  {"name": "domain-name", "data": "global.example"}],
  "shared-networks": [{
    "name": "city-hall",
    "valid-lifetime": 1200,
    "relay": {"ip-addresses": ["198.18.9.1"]},
    "option-data": [{"name": "domain-name-servers", "data": "198.18.1.53"}],
    "subnet4": [
      {"id": 1, "subnet": "198.18.1.0/24",
       "pools": [{"pool": "198.18.1.100 - 198.18.1.101"},
                 {"pool": "198.18.1.200 - 198.18.1.201", "client-class": "VENDOR_CLASS_phone"}],
       "option-data": [{"name": "routers", "data": "198.18.1.1"}]},
      {"id": 2, "subnet": "198.18.2.0/24",
       "pools": [{"pool": "198.18.2.100 - 198.18.2.109"}],
       "option-data": [{"name": "routers", "data": "198.18.2.1"},
                       {"name": "domain-name-servers", "data": "198.18.2.53"}],
       "reservations": [{"hw-address": "02:cc:00:00:00:99", "ip-address": "198.18.2.50"}]}
    ]}]}})";

Ip4 ip(const char* text) { return *parse_ip4(text); }

class SharedNetworkTest : public ScenarioTest {
 protected:
  void SetUp() override { start(kSharedConfig); }

  TestClient client(uint8_t mac_last_byte) {
    return TestClient(transport_, *server_, mac_last_byte);
  }

  // Takes both plain addresses of subnet 1.
  void exhaust_first_subnet() {
    EXPECT_EQ(client(1).dora(), ip("198.18.1.100"));
    EXPECT_EQ(client(2).dora(), ip("198.18.1.101"));
  }

  std::optional<uint32_t> stored_subnet(Ip4 address) {
    auto all = store_.load_all();
    if (!all) return std::nullopt;
    for (const Lease& lease : *all) {
      if (lease.address == address) return lease.subnet_id;
    }
    return std::nullopt;
  }

  const Ip4 server_id_ = ip("198.18.1.1");
};

TEST_F(SharedNetworkTest, AllocationFallsThroughToTheNextSubnetWhenOneIsExhausted) {
  exhaust_first_subnet();
  TestClient third = client(3);
  auto offer = third.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.2.100"));
  // The reply is the sibling subnet's: its router, mask, and the lifetime
  // the network gave both.
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kRouters), ip("198.18.2.1"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kSubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(offer->packet.option_u32(wire::opt::kLeaseTime), 1200u);
  // SELECTING for an address of the sibling subnet is not "wrong network".
  auto ack = third.request_selecting(offer->packet.yiaddr, server_id_);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(stored_subnet(ip("198.18.2.100")), 2u);
}

TEST_F(SharedNetworkTest, RenewalStaysInTheSubnetOfTheAddressHeld) {
  exhaust_first_subnet();
  TestClient third = client(3);
  ASSERT_EQ(third.dora(), ip("198.18.2.100"));
  // One address of subnet 1 comes free: a renewal still keeps its own.
  auto released = client(1).release(ip("198.18.1.100"), server_id_);
  EXPECT_FALSE(released);
  auto renew = third.request_renew(ip("198.18.2.100"));
  ASSERT_TRUE(renew);
  EXPECT_EQ(renew->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(renew->packet.yiaddr, ip("198.18.2.100"));
  EXPECT_EQ(renew->packet.option_ip(wire::opt::kRouters), ip("198.18.2.1"));
  // INIT-REBOOT arrives on the link, which selects subnet 1.
  auto reboot = third.request_init_reboot(ip("198.18.2.100"));
  ASSERT_TRUE(reboot);
  EXPECT_EQ(reboot->packet.message_type(), MessageType::Ack);
  // A new DISCOVER returns the address it holds, not the freed one.
  auto offer = third.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.2.100"));
  EXPECT_EQ(stored_subnet(ip("198.18.2.100")), 2u);
}

TEST_F(SharedNetworkTest, ReservationInTheSiblingSubnetIsFound) {
  TestClient counter = client(0x99);
  auto offer = counter.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.2.50"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kRouters), ip("198.18.2.1"));
  auto ack = counter.request_selecting(offer->packet.yiaddr, server_id_);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
}

TEST_F(SharedNetworkTest, PhonesDrawFromTheirOwnPoolAndPcsDoNot) {
  // PCs never get the phone pool: with the plain pool of subnet 1 taken they
  // fall through to subnet 2 although 198.18.1.200 and .201 are free.
  exhaust_first_subnet();
  auto pc = client(3).discover();
  ASSERT_TRUE(pc);
  EXPECT_EQ(pc->packet.yiaddr, ip("198.18.2.100"));
  // Nor can a PC claim a phone address by asking for it.
  auto asked = client(4).discover(ip("198.18.1.201"));
  ASSERT_TRUE(asked);
  EXPECT_NE(asked->packet.yiaddr, ip("198.18.1.201"));
  // A phone (option 60 "phone") gets its own pool, in the selected subnet.
  TestClient phone = client(0x50);
  wire::Packet discover = phone.query(MessageType::Discover);
  discover.set(wire::opt::kVendorClassId, Bytes{'p', 'h', 'o', 'n', 'e'});
  auto offer = phone.exchange(discover);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.200"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kRouters), ip("198.18.1.1"));
}

TEST_F(SharedNetworkTest, RelayedQueriesSelectTheNetworkByItsRelayAddress) {
  TestClient remote = client(7);
  remote.giaddr = ip("198.18.9.1");  // inside no subnet: only the network lists it
  auto offer = remote.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.100"));
  EXPECT_EQ(offer->tx.destination, ip("198.18.9.1"));
  ASSERT_EQ(remote.dora(), ip("198.18.1.100"));
  EXPECT_EQ(client(1).dora(), ip("198.18.1.101"));
  TestClient late = client(8);
  late.giaddr = ip("198.18.9.1");
  auto fallen = late.discover();
  ASSERT_TRUE(fallen);
  EXPECT_EQ(fallen->packet.yiaddr, ip("198.18.2.100"));
  // A relayed renewal that selects subnet 1 keeps its subnet-2 address.
  auto ack = late.request_selecting(fallen->packet.yiaddr, server_id_);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  auto renew = late.request_renew(fallen->packet.yiaddr);
  ASSERT_TRUE(renew);
  EXPECT_EQ(renew->packet.message_type(), MessageType::Ack);
}

TEST_F(SharedNetworkTest, OptionsComeFromSubnetThenNetworkThenGlobal) {
  auto first = client(1).discover();
  ASSERT_TRUE(first);
  // Subnet 1 sets no DNS: the network's wins over the global one.
  EXPECT_EQ(first->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.1.53"));
  EXPECT_NE(first->packet.find(wire::opt::kDomainName), nullptr);  // global only
  TestClient counter = client(0x99);
  auto second = counter.discover();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.2.53"));
}

}  // namespace
}  // namespace bs::testing
