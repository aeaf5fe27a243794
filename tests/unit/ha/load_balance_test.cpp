// RFC 3074's hash as Kea computes it, the client split it gives, and the
// arithmetic split of free addresses between the two servers.
#include "ha/load_balance.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace bs::ha {
namespace {

TEST(LoadBalance, HashIsRfc3074sPearsonHashLastByteFirst) {
  // Worked by hand from the RFC's table: empty key -> seed 0, no rounds.
  EXPECT_EQ(load_balance_hash({}), 0);
  // One byte 0x00: seed 1, table[1 ^ 0] = 175.
  const std::array<uint8_t, 1> zero = {0};
  EXPECT_EQ(load_balance_hash(zero), 175);
  // Two bytes {0x01, 0x02}: seed 2; table[2 ^ 2] = 251; table[251 ^ 1] = table[250] = 170.
  const std::array<uint8_t, 2> two = {1, 2};
  EXPECT_EQ(load_balance_hash(two), 170);
}

TEST(LoadBalance, ClientIdWinsOverMacAndHotStandbyGivesAllToThePrimary) {
  const std::array<uint8_t, 1> id_even = {0};  // hash 175: odd -> secondary
  const std::array<uint8_t, 2> mac = {1, 2};   // hash 170: even -> primary
  EXPECT_EQ(client_owner(Mode::LoadBalancing, {id_even, mac}), Role::Secondary);
  EXPECT_EQ(client_owner(Mode::LoadBalancing, {{}, mac}), Role::Primary);
  EXPECT_EQ(client_owner(Mode::LoadBalancing, {{}, {}}), std::nullopt);
  EXPECT_EQ(client_owner(Mode::HotStandby, {id_even, mac}), Role::Primary);
}

TEST(LoadBalance, ClientsSplitRoughlyEvenly) {
  int primary = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::array<uint8_t, 6> mac = {
        0x02, 0, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    if (client_owner(Mode::LoadBalancing, {{}, mac}) == Role::Primary) ++primary;
  }
  EXPECT_GT(primary, 400);
  EXPECT_LT(primary, 600);
}

TEST(LoadBalance, FreeAddressesSplitWithoutOverlap) {
  int standby = 0;
  for (uint32_t a = 0xC6120000; a < 0xC6120000 + 1000; ++a) {
    const Role lb = address_owner(Mode::LoadBalancing, 10, Ip4{a});
    EXPECT_EQ(lb, a % 2 == 0 ? Role::Primary : Role::Secondary);
    if (address_owner(Mode::HotStandby, 10, Ip4{a}) == Role::Standby) ++standby;
  }
  EXPECT_EQ(standby, 100);
}

}  // namespace
}  // namespace bs::ha
