// Two in-process servers as an HA pair, joined by the fake partner link
// (fake_partner_link.h): an ACK leaves only after the partner committed
// its lease; the partner holds every ACKed lease; a dead partner leaves
// the survivor serving its own clients with leases capped at MCLT; in
// load-balancing the clients split by RFC 3074's hash; a 10-minute clock
// skew between the two changes no lease's end.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config.h"
#include "fake_partner_link.h"
#include "ha/load_balance.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

std::string pair_config(const std::string& self, const std::string& mode) {
  const std::string other_role = mode == "hot-standby" ? "standby" : "secondary";
  return R"({"Dhcp4": {
    "interfaces-config": {"interfaces": ["office0"]},
    "valid-lifetime": 3600,
    "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                 "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}]}],
    "hooks-libraries": [{"library": "libdhcp_ha.so", "parameters": {"high-availability": [{
      "this-server-name": ")" +
         self + R"(", "mode": ")" + mode + R"(",
      "heartbeat-delay": 1000, "max-ack-delay": 500, "max-response-delay": 4000,
      "max-unacked-clients": 0, "blackstart-mclt": 600,
      "peers": [{"name": "one", "url": "http://198.18.0.1:8647/", "role": "primary"},
                {"name": "two", "url": "http://198.18.0.2:8647/", "role": ")" +
         other_role + R"("}]}]}}]}})";
}

struct Member {
  config::Config config;
  store::MemoryLeaseStore store;
  io::FakeTransport transport{{office_link()}};
  FakeClock clock;
  std::unique_ptr<server::Server> server;
};

class HaPairTest : public ::testing::Test {
 protected:
  void start(const std::string& mode, int64_t skew_s = 0) {
    members_[1].clock.advance_s(skew_s);
    for (int side = 0; side < 2; ++side) {
      Member& m = members_[side];
      auto parsed = config::parse_config(pair_config(side == 0 ? "one" : "two", mode), "ha.json");
      ASSERT_TRUE(parsed) << parsed.error().to_string();
      m.config = *parsed;
      auto created = server::Server::create(m.config, m.store, m.transport, m.clock);
      ASSERT_TRUE(created) << created.error();
      m.server = std::move(*created);
      m.server->attach_partner(wire_.end(m.clock, side), *m.config.ha);
      server::Server* raw = m.server.get();
      wire_.pump[side] = [raw] { raw->partner()->poll(0); };
    }
    // Contact both ways, then both sync (a request and a page each way)
    // and meet in the normal state.
    for (int round = 0; round < 12; ++round) {
      for (Member& m : members_) {
        m.clock.advance_ms(1000);
        m.server->partner()->poll(0);
      }
      if (ha::is_normal(state(0)) && ha::is_normal(state(1))) break;
    }
  }

  // Side `side` stops answering; the other drains what was already sent
  // and then hears nothing for longer than heartbeat + max-ack-delay.
  void go_silent(int side) {
    wire_.pump[side] = nullptr;
    Member& other = members_[1 - side];
    other.server->partner()->poll(0);
    other.clock.advance_ms(3000);
    other.server->partner()->poll(0);
  }

  ha::State state(int side) { return members_[side].server->partner()->pair().state(); }
  const Lease* stored(int side, Ip4 address) {
    for (const Lease& lease : members_[side].store.rows()) {
      if (lease.address == address) return &lease;
    }
    return nullptr;
  }

  FakePartnerWire wire_;
  Member members_[2];
};

TEST_F(HaPairTest, PairMeetsInTheNormalState) {
  start("hot-standby");
  EXPECT_EQ(state(0), ha::State::HotStandby);
  EXPECT_EQ(state(1), ha::State::HotStandby);
}

TEST_F(HaPairTest, AckIsWithheldUntilThePartnerAcknowledged) {
  start("hot-standby");
  wire_.pump[1] = nullptr;  // the standby stops answering
  TestClient client(members_[0].transport, *members_[0].server, 1);
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  auto ack = client.request_selecting(offer->packet.yiaddr, office_link().address);
  EXPECT_FALSE(ack.has_value()) << "an ACK left without the partner's commit";
  EXPECT_EQ(members_[0].server->counters().dropped(server::DropReason::PartnerUnacked), 1u);
  EXPECT_EQ(state(0), ha::State::PartnerUnreachable);
}

TEST_F(HaPairTest, ThePartnerHoldsEveryAckedLease) {
  start("hot-standby");
  for (uint8_t i = 1; i <= 20; ++i) {
    TestClient client(members_[0].transport, *members_[0].server, i);
    const Ip4 bound = client.dora();
    ASSERT_FALSE(bound.is_zero()) << int{i};
    const Lease* copy = stored(1, bound);
    ASSERT_NE(copy, nullptr) << to_string(bound);
    EXPECT_EQ(copy->hw_address, stored(0, bound)->hw_address);
    EXPECT_EQ(copy->expires_at_s(), stored(0, bound)->expires_at_s());
  }
  EXPECT_EQ(members_[0].server->partner()->counters().batches_timed_out, 0u);
}

TEST_F(HaPairTest, ADeadPartnerLeavesTheSurvivorServingWithLeasesCappedAtMclt) {
  start("hot-standby");
  go_silent(1);
  ASSERT_EQ(state(0), ha::State::PartnerUnreachable);
  TestClient client(members_[0].transport, *members_[0].server, 7);
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  auto ack = client.request_selecting(offer->packet.yiaddr, office_link().address);
  ASSERT_TRUE(ack);
  ASSERT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(ack->packet.option_u32(wire::opt::kLeaseTime), 600u);  // MCLT, not 3600
  EXPECT_EQ(stored(0, ack->packet.yiaddr)->valid_lifetime_s, 600u);
  EXPECT_EQ(members_[0].server->counters().ha_mclt_capped, 1u);
}

TEST_F(HaPairTest, LoadBalancingSplitsClientsByTheHash) {
  start("load-balancing");
  ASSERT_EQ(state(0), ha::State::LoadBalancing);
  int answered_by[2] = {0, 0};
  for (uint8_t i = 1; i <= 16; ++i) {
    const Bytes mac = {0x02, 0xcc, 0, 0, 0, i};
    const auto owner = ha::client_owner(ha::Mode::LoadBalancing, {{}, mac});
    for (int side = 0; side < 2; ++side) {
      TestClient client(members_[side].transport, *members_[side].server, i);
      auto offer = client.discover();
      const bool mine = (side == 0) == (owner == ha::Role::Primary);
      EXPECT_EQ(offer.has_value(), mine) << "client " << int{i} << " side " << side;
      if (!offer) continue;
      ++answered_by[side];
      // Each from its own share: even addresses the primary's, odd the
      // secondary's, so two offers at once never name one address.
      EXPECT_EQ(offer->packet.yiaddr.value % 2, side == 0 ? 0u : 1u);
    }
  }
  EXPECT_GT(answered_by[0], 0);
  EXPECT_GT(answered_by[1], 0);
}

TEST_F(HaPairTest, InPartnerUnreachableTheSurvivorGivesOnlyItsOwnShare) {
  start("load-balancing");
  go_silent(1);
  ASSERT_EQ(state(0), ha::State::PartnerUnreachable);
  const Ip4 odd = *parse_ip4("198.18.1.101");  // free, but the secondary's
  int tried = 0;
  for (uint8_t i = 1; i <= 16; ++i) {
    const Bytes mac = {0x02, 0xcc, 0, 0, 0, i};
    if (ha::client_owner(ha::Mode::LoadBalancing, {{}, mac}) != ha::Role::Primary) continue;
    ++tried;
    TestClient client(members_[0].transport, *members_[0].server, i);
    auto offer = client.discover(odd);
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer->packet.yiaddr.value % 2, 0u) << to_string(offer->packet.yiaddr);
    auto reboot = client.request_init_reboot(odd);
    EXPECT_FALSE(reboot && reboot->packet.message_type() == MessageType::Ack);
  }
  EXPECT_GT(tried, 0);
  EXPECT_EQ(stored(0, odd), nullptr);
}

TEST_F(HaPairTest, TenMinutesOfClockSkewChangeNoLeaseEnd) {
  start("hot-standby", 600);
  TestClient client(members_[0].transport, *members_[0].server, 3);
  const Ip4 bound = client.dora();
  ASSERT_FALSE(bound.is_zero());
  // Each server reads the lease on its own clock: the same time left.
  const int64_t left_0 = stored(0, bound)->expires_at_s() - members_[0].clock.now_s();
  const int64_t left_1 = stored(1, bound)->expires_at_s() - members_[1].clock.now_s();
  EXPECT_EQ(left_0, left_1);
}

}  // namespace
}  // namespace bs::testing
