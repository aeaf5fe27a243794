// A million-address pool filled to 95%: allocation must still find exactly
// the right free addresses (lowest first) and report exhaustion at the end.
// Not a timing test; the free index makes it fast enough to run every time.
#include "alloc_fixture.h"

namespace bs::alloc::test {
namespace {

TEST(EngineScaleTest, MillionAddressPoolAt95PercentAllocatesCorrectly) {
  constexpr uint32_t kPoolSize = 1'000'000;
  constexpr uint32_t kEvery = 20;  // one address in twenty stays free: 95% used
  constexpr uint32_t kFreeSlot = 7;
  config::Config config;
  config.valid_lifetime_s = kLifetime_s;
  config::Subnet big;
  big.id = 1;
  big.prefix = ip("10.0.0.0");
  big.prefix_len = 12;
  const Ip4 first = ip("10.0.0.1");
  big.pools.push_back({first, Ip4{first.value + kPoolSize - 1}});
  config.subnets.push_back(big);
  Engine engine(config);

  std::vector<Lease> leases;
  leases.reserve(kPoolSize);
  for (uint32_t offset = 0; offset < kPoolSize; ++offset) {
    if (offset % kEvery == kFreeSlot) continue;
    Lease lease;
    lease.address = Ip4{first.value + offset};
    lease.client_id = {0xfe, static_cast<uint8_t>(offset >> 16), static_cast<uint8_t>(offset >> 8),
                       static_cast<uint8_t>(offset)};
    lease.subnet_id = 1;
    lease.valid_lifetime_s = kLifetime_s;
    lease.cltt_s = kStart_s;
    leases.push_back(std::move(lease));
  }
  engine.load(leases, kStart_s);
  leases.clear();
  leases.shrink_to_fit();
  const PoolStats loaded = engine.stats(1, kStart_s);
  EXPECT_EQ(loaded.total, kPoolSize);
  EXPECT_EQ(loaded.assigned, kPoolSize / kEvery * (kEvery - 1));
  EXPECT_EQ(loaded.free, kPoolSize / kEvery);

  // Every newcomer gets the next free address, lowest first, via the index.
  for (uint32_t n = 0; n < kPoolSize / kEvery; ++n) {
    ClientIdentity newcomer;
    newcomer.client_id = {0xfd, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                          static_cast<uint8_t>(n)};
    auto offered = engine.offer(big, newcomer, {}, kStart_s);
    ASSERT_TRUE(offered) << "newcomer " << n;
    ASSERT_EQ(offered->address.value, first.value + n * kEvery + kFreeSlot);
    if (n % 2 == 0) {
      ASSERT_TRUE(engine.assign(big, newcomer, offered->address, kStart_s));
    }
  }
  ClientIdentity late;
  late.client_id = {0xfc};
  EXPECT_EQ(engine.offer(big, late, {}, kStart_s).error(), AllocError::PoolExhausted);
  const PoolStats full = engine.stats(1, kStart_s);
  EXPECT_EQ(full.free, 0u);
  EXPECT_EQ(full.offered, kPoolSize / kEvery / 2);
  // A release makes exactly that address the next one offered.
  const Ip4 released{first.value + 2 * kEvery + kFreeSlot};
  ClientIdentity third;
  third.client_id = {0xfd, 0, 0, 2};
  ASSERT_TRUE(engine.release(third, released, kStart_s + 1));
  EXPECT_EQ(engine.offer(big, late, {}, kStart_s + 1)->address, released);
}

}  // namespace
}  // namespace bs::alloc::test
