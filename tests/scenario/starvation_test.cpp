// Scenario tests of the starvation guard: the real pipeline, a chaddr-
// rotating flood (a new MAC per DORA, as dhcpig and dhcpstarv send) through
// one relay port or one link, and legitimate clients elsewhere. With the
// guard on, the flood stops at its share and the others are served; with it
// off (the default), the same flood empties the pool.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

// Subnet 2 (relayed, 20 pool addresses) and subnet 1 (the office link, 20).
std::string guarded_config(const char* guard) {
  return std::string(R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600, )") +
         guard + R"(
  "subnet4": [
    {"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.100 - 198.18.1.119"}]},
    {"id": 2, "subnet": "198.18.3.0/24", "pools": [{"pool": "198.18.3.100 - 198.18.3.119"}],
     "relay": {"ip-addresses": ["198.18.3.1"]}}
  ]}})";
}

constexpr const char* kGuardOn = R"("starvation-guard": {"max-pool-share-percent": 25},)";

Ip4 ip(const char* text) { return *parse_ip4(text); }

Bytes circuit_id(const std::string& port) {
  Bytes option{1, static_cast<uint8_t>(port.size())};
  option.insert(option.end(), port.begin(), port.end());
  return option;
}

class StarvationTest : public ::testing::Test {
 protected:
  void start(const char* guard) {
    auto parsed = config::parse_config(guarded_config(guard), "guard.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    auto created = server::Server::create(config_, store_, transport_, clock_);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
  }

  // A client behind relay 198.18.3.1 on switch port `port` ("" = a direct
  // client on office0). Flooders are 02:f1:..., honest clients 02:cc:....
  TestClient client_on(const std::string& port, uint32_t n, bool flooder) {
    TestClient client(transport_, *server_, 0);
    client.hw_ = {0x02,
                  static_cast<uint8_t>(flooder ? 0xf1 : 0xcc),
                  0,
                  static_cast<uint8_t>(n >> 16),
                  static_cast<uint8_t>(n >> 8),
                  static_cast<uint8_t>(n)};
    client.xid = 0x5000 + n;
    if (!port.empty()) {
      client.giaddr = ip("198.18.3.1");
      client.relay_agent_info = circuit_id(port);
    }
    return client;
  }

  // `count` new MACs from number `first` on, each trying a full DORA;
  // returns how many got an ACK.
  size_t flood(const std::string& port, uint32_t count, uint32_t first = 0) {
    size_t acked = 0;
    for (uint32_t n = first; n < first + count; ++n) {
      TestClient flooder = client_on(port, n, true);
      if (!flooder.dora().is_zero()) ++acked;
    }
    return acked;
  }

  // Addresses bound or offered to flooders now, in the engine.
  size_t flooder_addresses() const {
    size_t held = 0;
    server_->engine().for_each_lease([&](const Lease& lease) {
      const bool flooder = lease.hw_address.bytes[1] == 0xf1;
      const bool held_now = lease.state == LeaseState::Offered || lease.bound_at(clock_.now_s());
      if (flooder && held_now) ++held;
    });
    return held;
  }

  uint64_t starvation_drops() const {
    return server_->counters().dropped(server::DropReason::StarvationShare);
  }

  config::Config config_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{office_link()}};
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(StarvationTest, FloodThroughOneRelayPortStopsAtItsShare) {
  start(kGuardOn);
  TestClient early = client_on("desk-7", 1, false);
  const Ip4 early_address = early.dora();
  ASSERT_FALSE(early_address.is_zero());
  EXPECT_EQ(flood("port-13", 200), 5u);  // 25% of 20
  EXPECT_EQ(flooder_addresses(), 5u);
  EXPECT_EQ(starvation_drops(), 195u);  // each later flooder's DISCOVER
  // A client on another port of the same relay still gets a DORA, and the
  // one that had a lease before the flood renews it.
  TestClient desk = client_on("desk-8", 2, false);
  const Ip4 address = desk.dora();
  EXPECT_TRUE(ip("198.18.3.100") <= address && address <= ip("198.18.3.119"));
  auto renewed = early.request_renew(early_address);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->packet.message_type(), MessageType::Ack);
}

TEST_F(StarvationTest, FloodersAlreadyHoldingAnAddressAreStillAnswered) {
  start(kGuardOn);
  ASSERT_EQ(flood("port-13", 5), 5u);
  // The same five MACs come back (DISCOVER again, then renew): all answered.
  for (uint32_t n = 0; n < 5; ++n) {
    TestClient again = client_on("port-13", n, true);
    const Ip4 address = again.dora();
    ASSERT_FALSE(address.is_zero()) << n;
    auto renewed = again.request_renew(address);
    ASSERT_TRUE(renewed);
    EXPECT_EQ(renewed->packet.message_type(), MessageType::Ack);
  }
  EXPECT_EQ(starvation_drops(), 0u);
}

TEST_F(StarvationTest, FloodOnADirectLinkStopsAtItsShareAndRelayedClientsGoOn) {
  start(kGuardOn);
  EXPECT_EQ(flood("", 50), 5u);
  EXPECT_EQ(starvation_drops(), 45u);
  TestClient remote = client_on("desk-1", 1, false);
  EXPECT_FALSE(remote.dora().is_zero());
}

TEST_F(StarvationTest, AddressesTheFloodLetGoCountNoMore) {
  start(kGuardOn);
  ASSERT_EQ(flood("port-13", 5), 5u);
  ASSERT_EQ(flood("port-13", 1, 100), 0u);
  // The flood's leases expire; the same port may take its share again.
  clock_.advance_s(3601);
  EXPECT_EQ(flooder_addresses(), 0u);
  TestClient later = client_on("port-13", 1000, false);
  EXPECT_FALSE(later.dora().is_zero());
}

// A reload builds a new handler; the guard's counts must survive it, or a
// flood gets a fresh share after every reload.
TEST_F(StarvationTest, AReloadMidFloodDoesNotResetTheShare) {
  start(kGuardOn);
  ASSERT_EQ(flood("port-13", 50), 5u);
  server_->reload(config_);
  EXPECT_EQ(flood("port-13", 50, 1000), 0u);
  EXPECT_EQ(flooder_addresses(), 5u);
  TestClient desk = client_on("desk-8", 2, false);
  EXPECT_FALSE(desk.dora().is_zero());
}

TEST_F(StarvationTest, WithoutTheGuardTheSameFloodEmptiesThePool) {
  start("");
  EXPECT_EQ(flood("port-13", 200), 20u);
  EXPECT_EQ(starvation_drops(), 0u);
  TestClient desk = client_on("desk-8", 2, false);
  EXPECT_TRUE(desk.dora().is_zero());
  EXPECT_GT(server_->counters().dropped(server::DropReason::PoolExhausted), 0u);
}

}  // namespace
}  // namespace bs::testing
