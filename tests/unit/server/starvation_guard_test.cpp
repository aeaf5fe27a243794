// The starvation guard against a real allocation engine: keys from giaddr,
// option 82 and the link; a key stops at its share of the pool while other
// keys and clients that already hold an address go on; addresses stop
// counting once the engine no longer shows them held; the tables stay
// bounded.
#include "server/starvation_guard.h"

#include <gtest/gtest.h>

#include <vector>

namespace bs::server {
namespace {

constexpr int64_t kStart_s = 1'800'000'000;

Ip4 ip(const char* text) { return *parse_ip4(text); }

// Subnet 1: 198.18.0.0/19 with a pool of `pool_size` addresses from
// 198.18.4.10, one reservation (MAC 02:ee:..:01 -> 198.18.4.5) outside it.
config::Config guarded_config(uint32_t share_percent, uint32_t pool_size = 20) {
  config::Config config;
  config.valid_lifetime_s = 3600;
  config.starvation_guard.max_pool_share_percent = share_percent;
  config::Subnet subnet;
  subnet.id = 1;
  subnet.prefix = ip("198.18.0.0");
  subnet.prefix_len = 19;
  const Ip4 first = ip("198.18.4.10");
  subnet.pools.push_back({first, Ip4{first.value + pool_size - 1}});
  config::Reservation printer;
  printer.hw_address = make_hwaddr(std::vector<uint8_t>{2, 0xee, 0, 0, 0, 1});
  printer.ip_address = ip("198.18.4.5");
  subnet.reservations.push_back(printer);
  config.subnets.push_back(subnet);
  return config;
}

io::InterfaceInfo link(int ifindex = 2, const char* name = "office0") {
  io::InterfaceInfo out;
  out.ifindex = ifindex;
  out.name = name;
  out.address = ip("198.18.4.1");
  out.prefix_len = 19;
  return out;
}

alloc::ClientIdentity client(uint32_t n) {
  alloc::ClientIdentity out;
  out.hw_address =
      make_hwaddr(std::vector<uint8_t>{2, 0xf1, uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n), 0});
  return out;
}

// A DISCOVER relayed by `giaddr` ("" = direct) with option 82 sub-options.
wire::Packet discover(const char* giaddr = "", const std::string& circuit = "",
                      const std::string& remote = "") {
  wire::Packet packet;
  packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(wire::MessageType::Discover)});
  if (*giaddr != '\0') packet.giaddr = ip(giaddr);
  Bytes agent;
  for (auto [code, text] : {std::pair{uint8_t{1}, circuit}, std::pair{uint8_t{2}, remote}}) {
    if (text.empty()) continue;
    agent.push_back(code);
    agent.push_back(static_cast<uint8_t>(text.size()));
    agent.insert(agent.end(), text.begin(), text.end());
  }
  if (!agent.empty()) packet.set(wire::opt::kRelayAgentInfo, agent);
  return packet;
}

class StarvationGuardTest : public ::testing::Test {
 protected:
  void configure(uint32_t share_percent, uint32_t pool_size = 20) {
    config_ = guarded_config(share_percent, pool_size);
    engine_ = std::make_unique<alloc::Engine>(config_);
    guard_ = std::make_unique<StarvationGuard>(config_);
  }

  // What the handler does for a DISCOVER: ask, offer, record. Returns
  // whether the guard let it through (and the engine offered).
  bool offer(const wire::Packet& packet, const alloc::ClientIdentity& who,
             const io::InterfaceInfo& on = link()) {
    const Admission admission =
        guard_->admit(GuardQuery{packet, on, config_.subnets[0], who, now_s_}, *engine_);
    if (!admission.allowed) return false;
    auto offered = engine_->offer(config_.subnets[0], who, Ip4{}, now_s_);
    if (!offered) return false;
    guard_->record(admission, *offered, *engine_, now_s_);
    return true;
  }

  // A whole DORA's worth of engine state: offer, then bind.
  bool lease(const wire::Packet& packet, const alloc::ClientIdentity& who) {
    if (!offer(packet, who)) return false;
    const Lease* offered = engine_->find_by_client(who);
    return engine_->assign(config_.subnets[0], who, offered->address, now_s_).has_value();
  }

  config::Config config_;
  std::unique_ptr<alloc::Engine> engine_;
  std::unique_ptr<StarvationGuard> guard_;
  int64_t now_s_ = kStart_s;
};

TEST_F(StarvationGuardTest, OffByDefaultLetsEverythingThroughUncounted) {
  configure(0);
  EXPECT_FALSE(guard_->enabled());
  for (uint32_t n = 0; n < 20; ++n) EXPECT_TRUE(offer(discover("198.18.4.1", "p1"), client(n)));
  EXPECT_EQ(guard_->key_count(), 0u);
  EXPECT_EQ(guard_->tracked_addresses(), 0u);
}

TEST_F(StarvationGuardTest, LimitIsTheShareOfThePoolAndAtLeastOne) {
  configure(25, 20);
  EXPECT_EQ(guard_->limit(1), 5u);
  configure(25, 2);
  EXPECT_EQ(guard_->limit(1), 1u);
  configure(100, 20);
  EXPECT_EQ(guard_->limit(1), 20u);
}

TEST_F(StarvationGuardTest, KeysTellRelayPortsApartAndTreatALinkAsOne) {
  const auto key = [](const wire::Packet& packet, int ifindex = 2) {
    return StarvationGuard::key_of(packet, link(ifindex), 1);
  };
  EXPECT_NE(key(discover("198.18.4.1", "p1")), key(discover("198.18.4.1", "p2")));
  EXPECT_NE(key(discover("198.18.4.1", "p1")), key(discover("198.18.5.1", "p1")));
  EXPECT_NE(key(discover("198.18.4.1", "p1", "sw1")), key(discover("198.18.4.1", "p1", "sw2")));
  EXPECT_EQ(key(discover("198.18.4.1", "p1")), key(discover("198.18.4.1", "p1")));
  EXPECT_NE(key(discover("198.18.4.1")), key(discover("198.18.4.1", "p1")));
  // Direct: option 82 from the client itself does not split the link.
  EXPECT_EQ(key(discover()), key(discover("", "forged")));
  EXPECT_NE(key(discover(), 2), key(discover(), 3));
  EXPECT_EQ(StarvationGuard::describe_source(discover("198.18.4.1", "eth1", "sw"), link()),
            "relay 198.18.4.1 circuit-id \"eth1\" remote-id \"sw\"");
  EXPECT_EQ(StarvationGuard::describe_source(discover(), link()), "link office0");
}

TEST_F(StarvationGuardTest, AFloodThroughOneKeyStopsAtItsShareWhileOthersGoOn) {
  configure(25);  // 5 of 20
  uint32_t granted = 0;
  for (uint32_t n = 0; n < 20; ++n) granted += offer(discover("198.18.4.1", "flood"), client(n));
  EXPECT_EQ(granted, 5u);
  EXPECT_EQ(guard_->refused_total(), 15u);
  const std::string flood = StarvationGuard::key_of(discover("198.18.4.1", "flood"), link(), 1);
  EXPECT_EQ(guard_->held(flood, *engine_, now_s_), 5u);
  // Another port of the same relay, and a directly attached client.
  EXPECT_TRUE(offer(discover("198.18.4.1", "desk"), client(1000)));
  EXPECT_TRUE(offer(discover(), client(1001)));
  EXPECT_EQ(engine_->stats(1, now_s_).offered, 7u);
}

TEST_F(StarvationGuardTest, AClientThatHoldsAnAddressIsNeverRefused) {
  configure(25);
  for (uint32_t n = 0; n < 5; ++n) ASSERT_TRUE(lease(discover("198.18.4.1", "p1"), client(n)));
  EXPECT_FALSE(offer(discover("198.18.4.1", "p1"), client(99)));
  // Bound clients renewing or re-discovering, on the same or another port.
  for (uint32_t n = 0; n < 5; ++n) {
    EXPECT_TRUE(offer(discover("198.18.4.1", "p1"), client(n))) << n;
    EXPECT_TRUE(offer(discover("198.18.4.1", "p9"), client(n))) << n;
  }
  // A reserved client takes no pool address and is never counted.
  EXPECT_TRUE(
      offer(discover("198.18.4.1", "p1"),
            alloc::ClientIdentity{make_hwaddr(std::vector<uint8_t>{2, 0xee, 0, 0, 0, 1}), {}, {}}));
  const std::string key = StarvationGuard::key_of(discover("198.18.4.1", "p1"), link(), 1);
  EXPECT_EQ(guard_->held(key, *engine_, now_s_), 5u);
}

TEST_F(StarvationGuardTest, ReleasedAndLapsedAddressesStopCounting) {
  configure(25);
  for (uint32_t n = 0; n < 5; ++n) ASSERT_TRUE(lease(discover("198.18.4.1", "p1"), client(n)));
  ASSERT_FALSE(offer(discover("198.18.4.1", "p1"), client(50)));
  const Lease* held = engine_->find_by_client(client(0));
  ASSERT_TRUE(engine_->release(client(0), held->address, now_s_));
  // A full key is recounted at most once a second, so the release shows in
  // the next one.
  EXPECT_FALSE(offer(discover("198.18.4.1", "p1"), client(51)));
  now_s_ += 1;
  EXPECT_TRUE(offer(discover("198.18.4.1", "p1"), client(51)));
  EXPECT_FALSE(offer(discover("198.18.4.1", "p1"), client(52)));
  // The offer to client 51 lapses after the engine's 30 s hold.
  now_s_ += 31;
  EXPECT_TRUE(offer(discover("198.18.4.1", "p1"), client(52)));
  // The bound leases expire after 3600 s: the key is empty again.
  now_s_ += 3600;
  engine_->reclaim_expired(now_s_, 100);
  const std::string key = StarvationGuard::key_of(discover("198.18.4.1", "p1"), link(), 1);
  EXPECT_EQ(guard_->held(key, *engine_, now_s_), 0u);
  for (uint32_t n = 100; n < 105; ++n) EXPECT_TRUE(offer(discover("198.18.4.1", "p1"), client(n)));
}

TEST_F(StarvationGuardTest, AnAddressNowHeldBySomeoneElseStopsCounting) {
  configure(5);  // 1 of 20
  ASSERT_TRUE(lease(discover("198.18.4.1", "p1"), client(1)));
  const Ip4 address = engine_->find_by_client(client(1))->address;
  ASSERT_TRUE(engine_->release(client(1), address, now_s_));
  // Port 2 gets the freed address for another client; port 1 must not keep
  // counting it.
  ASSERT_TRUE(offer(discover("198.18.4.1", "p2"), client(2)));
  ASSERT_EQ(engine_->find_by_client(client(2))->address, address);
  EXPECT_TRUE(offer(discover("198.18.4.1", "p1"), client(3)));
}

TEST_F(StarvationGuardTest, OneAddressRecordedTwiceCountsOnce) {
  configure(10);  // 2 of 20
  ASSERT_TRUE(offer(discover("198.18.4.1", "p1"), client(1)));
  now_s_ += 31;  // the offer lapses; the client comes back for the same address
  ASSERT_TRUE(offer(discover("198.18.4.1", "p1"), client(1)));
  const std::string key = StarvationGuard::key_of(discover("198.18.4.1", "p1"), link(), 1);
  EXPECT_EQ(guard_->held(key, *engine_, now_s_), 1u);
  EXPECT_TRUE(offer(discover("198.18.4.1", "p1"), client(2)));
  EXPECT_FALSE(offer(discover("198.18.4.1", "p1"), client(3)));
}

TEST_F(StarvationGuardTest, KeyTableIsBoundedAndTheOverflowKeyIsHeldToTheShare) {
  configure(1, 8192);  // 81 per key
  const size_t keys = StarvationGuard::kMaxKeys + 200;
  size_t granted = 0;
  for (uint32_t n = 0; n < keys; ++n) {
    granted += offer(discover("198.18.4.1", "port" + std::to_string(n)), client(n));
  }
  EXPECT_LE(guard_->key_count(), StarvationGuard::kMaxKeys + 1);
  // Every key in the table holds its one offer, so the last 200 newcomers
  // shared the overflow key: 81 got through, 119 were refused.
  EXPECT_EQ(granted, StarvationGuard::kMaxKeys + 81);
  EXPECT_EQ(guard_->tracked_addresses(), granted);
  // Once the offers lapse, a sweep makes room for new keys again.
  now_s_ += 31;
  EXPECT_TRUE(offer(discover("198.18.4.1", "late"), client(900'000)));
  EXPECT_LE(guard_->key_count(), 2u);
}

}  // namespace
}  // namespace bs::server
