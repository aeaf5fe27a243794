// The per-server spread of the free-address search (Engine::set_search_spread):
// servers sharing a lease database start their searches at different places,
// so two of them allocating at the same time rarely pick the same address,
// while any free address of the pool is still found and HA ownership still
// applies. Two engines stand for two servers; the "database" is the rule that
// the first commit of an address wins and the other server reverts and learns
// the winner's row, as server_shared.cpp does.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <set>
#include <vector>

#include "alloc_fixture.h"

namespace bs::alloc::test {
namespace {

// One subnet, 198.18.16.0/20, pool .16.1 - .31.254 (4094 addresses).
config::Config wide_config() {
  config::Config config;
  config.valid_lifetime_s = kLifetime_s;
  config::Subnet site;
  site.id = 1;
  site.prefix = ip("198.18.16.0");
  site.prefix_len = 20;
  site.pools.push_back({ip("198.18.16.1"), ip("198.18.31.254")});
  config.subnets.push_back(site);
  return config;
}

ClientIdentity numbered_client(uint32_t number) {
  ClientIdentity identity;
  identity.hw_address = make_hwaddr(std::vector<uint8_t>{2, 0, static_cast<uint8_t>(number >> 16),
                                                         static_cast<uint8_t>(number >> 8),
                                                         static_cast<uint8_t>(number), 1});
  return identity;
}

struct Granted {
  LeaseChange change;
  Lease row;
};

// DISCOVER then REQUEST for a new client; the change is not yet "committed".
Granted grant(Engine& engine, const config::Subnet& subnet, uint32_t number) {
  const ClientIdentity who = numbered_client(number);
  auto offer = engine.offer(subnet, who, Ip4{}, kStart_s);
  EXPECT_TRUE(offer);
  auto change = engine.assign(subnet, who, offer->address, kStart_s);
  EXPECT_TRUE(change);
  return {*change, *engine.find_row(offer->address)};
}

// Two servers each allocate `per_round` new clients per round without
// seeing the other's round (the announcements arrive after the commits),
// then the first server's commits win; returns how many of the second
// server's changes conflicted.
size_t conflicts_between(std::optional<uint64_t> seed_a, std::optional<uint64_t> seed_b,
                         size_t rounds, uint32_t per_round) {
  const config::Config config = wide_config();
  const config::Subnet& subnet = config.subnets.front();
  Engine a(config);
  Engine b(config);
  a.set_search_spread(seed_a);
  b.set_search_spread(seed_b);
  size_t conflicts = 0;
  uint32_t next_client = 0;
  for (size_t round = 0; round < rounds; ++round) {
    std::vector<Granted> by_a;
    std::vector<Granted> by_b;
    for (uint32_t i = 0; i < per_round; ++i) by_a.push_back(grant(a, subnet, next_client++));
    for (uint32_t i = 0; i < per_round; ++i) by_b.push_back(grant(b, subnet, next_client++));
    std::set<uint32_t> taken_by_a;
    for (const Granted& granted : by_a) taken_by_a.insert(granted.row.address.value);
    for (auto it = by_b.rbegin(); it != by_b.rend(); ++it) {
      if (taken_by_a.contains(it->row.address.value)) {
        ++conflicts;
        b.revert(it->change);
      } else {
        (void)a.put_lease(it->row, kStart_s);
      }
    }
    for (const Granted& granted : by_a) (void)b.put_lease(granted.row, kStart_s);
    a.check_invariants();
    b.check_invariants();
  }
  return conflicts;
}

TEST(EngineSpreadTest, WithoutASeedTwoServersCollideOnEveryNewAddress) {
  EXPECT_EQ(conflicts_between(std::nullopt, std::nullopt, 20, 10), 200u);
}

// 400 new leases in 20 rounds of 10 per server in a 4094-address pool:
// the starts are spread over the pool, so a collision needs two starts in
// the same run of used addresses in the same round.
TEST(EngineSpreadTest, WithDifferentSeedsCollisionsBecomeRare) {
  const size_t conflicts = conflicts_between(1, 2, 20, 10);
  // The same seed on both servers: the clients differ, so this is the
  // client-hash part alone.
  const size_t same_seed = conflicts_between(7, 7, 20, 10);
  std::printf(
      "200 concurrent new leases per server: %zu collisions (seeds 1, 2), %zu (seed 7 on both)\n",
      conflicts, same_seed);
  EXPECT_LE(conflicts, 4u) << "of 200";
  EXPECT_LE(same_seed, 4u) << "of 200";
}

TEST(EngineSpreadTest, TheSameClientStartsAtTheSamePlaceOnTheSameServer) {
  const config::Config config = wide_config();
  const config::Subnet& subnet = config.subnets.front();
  Engine first(config);
  Engine again(config);
  Engine other(config);
  first.set_search_spread(11);
  again.set_search_spread(11);
  other.set_search_spread(12);
  std::set<uint32_t> differing;
  for (uint32_t number = 0; number < 50; ++number) {
    const auto one = first.offer(subnet, numbered_client(number), Ip4{}, kStart_s);
    const auto two = again.offer(subnet, numbered_client(number), Ip4{}, kStart_s);
    const auto three = other.offer(subnet, numbered_client(number), Ip4{}, kStart_s);
    ASSERT_TRUE(one && two && three);
    EXPECT_EQ(one->address, two->address);
    if (one->address != three->address) differing.insert(number);
  }
  EXPECT_GE(differing.size(), 48u);
}

// A seed never hides a free address: every address of a small pool is
// handed out, from wherever the search starts.
TEST(EngineSpreadTest, EveryFreeAddressIsStillFound) {
  const config::Config config = office_config();
  const config::Subnet& subnet = config.subnets.front();
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Engine engine(config);
    engine.set_search_spread(seed);
    std::set<uint32_t> given;
    // .105 is reserved for the printer; nine others are free.
    for (uint8_t number = 1; number <= 9; ++number) {
      auto offer = engine.offer(subnet, client(number), Ip4{}, kStart_s);
      ASSERT_TRUE(offer) << "seed " << seed << " client " << int{number};
      ASSERT_TRUE(engine.assign(subnet, client(number), offer->address, kStart_s));
      given.insert(offer->address.value);
    }
    EXPECT_EQ(given.size(), 9u);
    EXPECT_FALSE(given.contains(ip("198.18.1.105").value));
    EXPECT_EQ(engine.offer(subnet, client(10), Ip4{}, kStart_s).error(), AllocError::PoolExhausted);
    engine.check_invariants();
  }
}

// The search wraps: with only the pool's first address free, it is found
// from wherever a seed and a client put the start.
TEST(EngineSpreadTest, TheOnlyFreeAddressAtThePoolsStartIsFoundFromAnyStart) {
  const config::Config config = office_config();
  const config::Subnet& subnet = config.subnets.front();
  std::set<uint32_t> starts_seen;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Engine engine(config);
    engine.set_search_spread(seed);
    // Where this seed would start for client 1 on an empty pool.
    starts_seen.insert(engine.offer(subnet, client(1), Ip4{}, kStart_s)->address.value);
    Engine full(config);
    full.set_search_spread(seed);
    for (uint32_t last = 101; last <= 109; ++last) {
      if (last == 105) continue;
      Lease row;
      row.address = Ip4{ip("198.18.1.0").value + last};
      row.hw_address = mac(static_cast<uint8_t>(last));
      row.subnet_id = 1;
      row.valid_lifetime_s = kLifetime_s;
      row.cltt_s = kStart_s;
      row.state = LeaseState::Assigned;
      (void)full.put_lease(row, kStart_s);
    }
    auto offer = full.offer(subnet, client(1), Ip4{}, kStart_s);
    ASSERT_TRUE(offer) << "seed " << seed;
    EXPECT_EQ(offer->address, ip("198.18.1.100")) << "seed " << seed;
  }
  // The seeds did start the search at several places, most past .100.
  EXPECT_GE(starts_seen.size(), 4u);
}

// HA ownership still applies: with a filter allowing only even addresses,
// a spread search hands out only even ones, and all of them.
TEST(EngineSpreadTest, TheAllocationFilterStillDecides) {
  const config::Config config = office_config();
  const config::Subnet& subnet = config.subnets.front();
  Engine engine(config);
  engine.set_search_spread(9);
  engine.set_allocation_filter([](Ip4 address) { return address.value % 2 == 0; });
  std::set<uint32_t> given;
  for (uint8_t number = 1; number <= 4; ++number) {
    auto offer = engine.offer(subnet, client(number), Ip4{}, kStart_s);
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer->address.value % 2, 0u);
    ASSERT_TRUE(engine.assign(subnet, client(number), offer->address, kStart_s));
    given.insert(offer->address.value);
  }
  // .100 .102 .104 .106 .108: five even addresses, none reserved.
  EXPECT_EQ(given.size(), 4u);
  auto fifth = engine.offer(subnet, client(5), Ip4{}, kStart_s);
  ASSERT_TRUE(fifth);
  EXPECT_EQ(fifth->address.value % 2, 0u);
  EXPECT_FALSE(engine.offer(subnet, client(6), Ip4{}, kStart_s));
}

}  // namespace
}  // namespace bs::alloc::test
