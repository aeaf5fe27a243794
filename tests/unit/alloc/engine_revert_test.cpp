// revert() must put the engine back exactly as it was before a change the
// store could not commit: lease table, free index, client index and stats.
// The randomized test drives long operation sequences and cross-checks every
// index after each step.
#include <random>

#include "alloc_fixture.h"

namespace bs::alloc::test {
namespace {

std::vector<ClientIdentity> probes() {
  std::vector<ClientIdentity> all;
  for (uint8_t i = 1; i <= 12; ++i) all.push_back(client(i));
  all.push_back(printer_client());
  all.push_back(client(0x99));
  return all;
}

TEST_F(EngineTest, RevertOfAssignWithoutOfferRestoresEverything) {
  dora(client(5));
  const Snapshot before = snapshot(engine_, kStart_s, probes());
  auto change = engine_.assign(office(), client(1), ip("198.18.1.107"), kStart_s);
  ASSERT_TRUE(change);
  ASSERT_NE(snapshot(engine_, kStart_s, probes()), before);
  engine_.revert(*change);
  EXPECT_EQ(snapshot(engine_, kStart_s, probes()), before);
  EXPECT_EQ(engine_.find_by_address(ip("198.18.1.107")), nullptr);
  EXPECT_EQ(engine_.find_by_client(client(1)), nullptr);
  engine_.check_invariants();
  // The free index took the address back: it is the next lowest again.
  EXPECT_EQ(offer(client(2)), ip("198.18.1.101"));
}

TEST_F(EngineTest, RevertOfAssignRestoresTheOffer) {
  const Ip4 address = offer(client(1));
  const Snapshot before = snapshot(engine_, kStart_s, probes());
  auto change = engine_.assign(office(), client(1), address, kStart_s);
  ASSERT_TRUE(change);
  engine_.revert(*change);
  EXPECT_EQ(snapshot(engine_, kStart_s, probes()), before);
  EXPECT_EQ(engine_.find_by_address(address)->state, LeaseState::Offered);
  // Still held: another client is not given it.
  EXPECT_NE(offer(client(2)), address);
  engine_.check_invariants();
}

TEST_F(EngineTest, RevertOfRenewalReleaseAndDecline) {
  const Ip4 address = dora(client(1));
  const Snapshot before = snapshot(engine_, kStart_s + 100, probes());
  auto renewed = engine_.assign(office(), client(1), address, kStart_s + 100);
  ASSERT_TRUE(renewed);
  engine_.revert(*renewed);
  EXPECT_EQ(snapshot(engine_, kStart_s + 100, probes()), before);
  auto released = engine_.release(client(1), address, kStart_s + 100);
  ASSERT_TRUE(released);
  engine_.revert(*released);
  EXPECT_EQ(snapshot(engine_, kStart_s + 100, probes()), before);
  auto declined = engine_.decline(client(1), address, kStart_s + 100);
  ASSERT_TRUE(declined);
  engine_.revert(*declined);
  EXPECT_EQ(snapshot(engine_, kStart_s + 100, probes()), before);
  engine_.check_invariants();
}

TEST_F(EngineTest, RevertOfABatchNewestFirst) {
  // One batch touching the same address twice, as a group commit may.
  const Ip4 address = offer(client(1));
  offer(client(2));
  const Snapshot before = snapshot(engine_, kStart_s, probes());
  std::vector<LeaseChange> batch;
  batch.push_back(*engine_.assign(office(), client(1), address, kStart_s));
  batch.push_back(*engine_.release(client(1), address, kStart_s));
  batch.push_back(*engine_.assign(office(), client(3), address, kStart_s));
  batch.push_back(*engine_.assign(office(), client(2), ip("198.18.1.101"), kStart_s));
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) engine_.revert(*it);
  EXPECT_EQ(snapshot(engine_, kStart_s, probes()), before);
  engine_.check_invariants();
}

// A random mix of every operation across both subnets, with time moving
// forward; a quarter of the durable changes are reverted as if the store
// failed, and must leave exactly the state from just before them. Every
// index is cross-checked after every step.
TEST(EngineRandomTest, IndexesStayConsistentUnderRandomOperations) {
  const config::Config config = office_config();
  Engine engine(config, EngineOptions{.offer_hold_s = 20});
  std::mt19937 random(12345);
  const auto pick = [&](uint32_t bound) { return static_cast<uint32_t>(random() % bound); };
  const std::vector<ClientIdentity> clients = probes();
  int64_t now_s = kStart_s;
  size_t reverted = 0;
  const auto durable = [&](auto&& operation) {
    const Snapshot before = snapshot(engine, now_s, clients);
    tl::expected<LeaseChange, AllocError> change = operation();
    if (!change || pick(4) != 0) return;
    engine.revert(*change);
    ++reverted;
    ASSERT_EQ(snapshot(engine, now_s, clients), before);
  };
  for (int step = 0; step < 4000; ++step) {
    now_s += pick(200);
    const ClientIdentity& who = clients[pick(static_cast<uint32_t>(clients.size()))];
    const config::Subnet& subnet = config.subnets[pick(4) == 0 ? 1 : 0];
    const Ip4 some_address{subnet.prefix.value + 95 + pick(20)};
    const Lease* held = engine.find_by_client(who);
    const Ip4 held_address = held != nullptr ? held->address : some_address;
    switch (pick(6)) {
      case 0: {
        auto offered = engine.offer(subnet, who, pick(3) == 0 ? some_address : Ip4{}, now_s);
        if (offered && pick(2) == 0) {
          durable([&] { return engine.assign(subnet, who, offered->address, now_s); });
        }
        break;
      }
      case 1:
        durable([&] { return engine.assign(subnet, who, some_address, now_s); });
        break;
      case 2:
        durable([&] { return engine.release(who, held_address, now_s); });
        break;
      case 3:
        durable([&] { return engine.decline(who, held_address, now_s); });
        break;
      case 4:
        engine.reclaim_expired(now_s, pick(5));
        break;
      default:
        durable([&] { return engine.assign(subnet, who, held_address, now_s); });
        break;
    }
    engine.check_invariants();
    const PoolStats stats = engine.stats(1, now_s);
    ASSERT_EQ(stats.total,
              stats.assigned + stats.declined + stats.reserved + stats.offered + stats.free);
  }
  EXPECT_GT(reverted, 100u);
}

}  // namespace
}  // namespace bs::alloc::test
