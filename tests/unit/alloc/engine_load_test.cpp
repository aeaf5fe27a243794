// Start-up: installing the store's leases into the engine.
#include "alloc_fixture.h"

namespace bs::alloc::test {
namespace {

Lease stored(const char* address, uint8_t mac_last, int64_t cltt_s,
             LeaseState state = LeaseState::Assigned, uint32_t subnet_id = 1) {
  Lease lease;
  lease.address = ip(address);
  lease.hw_address = mac(mac_last);
  lease.subnet_id = subnet_id;
  lease.valid_lifetime_s = kLifetime_s;
  lease.cltt_s = cltt_s;
  lease.state = state;
  return lease;
}

TEST_F(EngineTest, LoadedBoundLeasesAreNotOfferedToOthers) {
  const std::vector<Lease> leases = {stored("198.18.1.100", 1, kStart_s),
                                     stored("198.18.1.101", 2, kStart_s - 100)};
  engine_.load(leases, kStart_s);
  EXPECT_EQ(engine_.lease_count(), 2u);
  EXPECT_EQ(offer(client(3)), ip("198.18.1.102"));
  EXPECT_EQ(offer(client(2)), ip("198.18.1.101"));
  const PoolStats stats = engine_.stats(1, kStart_s);
  EXPECT_EQ(stats.assigned, 2u);
  EXPECT_EQ(stats.offered, 1u);  // client 3; client 2's offer rides on its binding
  engine_.check_invariants();
}

TEST_F(EngineTest, LoadedExpiredLeasesAreFreeButRemembered) {
  const std::vector<Lease> leases = {
      stored("198.18.1.100", 1, kStart_s - kLifetime_s),
      stored("198.18.1.101", 2, kStart_s - 10, LeaseState::Declined),
      stored("198.18.1.102", 3, kStart_s - 10, LeaseState::Reclaimed)};
  engine_.load(leases, kStart_s);
  EXPECT_EQ(engine_.find_by_address(ip("198.18.1.100"))->state, LeaseState::Reclaimed);
  EXPECT_EQ(engine_.find_by_address(ip("198.18.1.101"))->state, LeaseState::Declined);
  const PoolStats stats = engine_.stats(1, kStart_s);
  EXPECT_EQ(stats.assigned, 0u);
  EXPECT_EQ(stats.declined, 1u);
  EXPECT_EQ(stats.free, 8u);
  EXPECT_EQ(offer(client(3)), ip("198.18.1.102"));  // its previous address
  EXPECT_EQ(offer(client(4)), ip("198.18.1.100"));
  engine_.check_invariants();
}

TEST_F(EngineTest, LeasesOutsideTheConfigAreKeptButNeverOffered) {
  const std::vector<Lease> leases = {
      stored("10.9.9.9", 1, kStart_s, LeaseState::Assigned, 42),  // no such subnet
      stored("198.18.1.20", 2, kStart_s - kLifetime_s * 2, LeaseState::Reclaimed),  // not in pool
  };
  engine_.load(leases, kStart_s);
  EXPECT_EQ(engine_.lease_count(), 2u);
  EXPECT_EQ(engine_.find_by_address(ip("10.9.9.9"))->subnet_id, 42u);
  EXPECT_EQ(offer(client(1)), ip("198.18.1.100"));
  EXPECT_EQ(offer(client(2)), ip("198.18.1.101"));
  EXPECT_EQ(engine_.assign(office(), client(2), ip("198.18.1.20"), kStart_s).error(),
            AllocError::NotInPool);
  EXPECT_EQ(engine_.stats(1, kStart_s).total, 10u);
  engine_.check_invariants();
}

TEST_F(EngineTest, DuplicateClientRecordsNewestWins) {
  const std::vector<Lease> leases = {stored("198.18.1.103", 1, kStart_s - 50),
                                     stored("198.18.1.107", 1, kStart_s - 10),
                                     stored("198.18.1.101", 1, kStart_s - 90)};
  engine_.load(leases, kStart_s);
  EXPECT_EQ(engine_.find_by_client(client(1))->address, ip("198.18.1.107"));
  EXPECT_EQ(offer(client(1)), ip("198.18.1.107"));
}

TEST_F(EngineTest, DuplicateAddressRowsNewestWins) {
  const std::vector<Lease> leases = {stored("198.18.1.103", 1, kStart_s - 50),
                                     stored("198.18.1.103", 2, kStart_s - 10),
                                     stored("198.18.1.103", 3, kStart_s - 90)};
  engine_.load(leases, kStart_s);
  EXPECT_EQ(engine_.lease_count(), 1u);
  EXPECT_EQ(engine_.find_by_address(ip("198.18.1.103"))->hw_address, mac(2));
  EXPECT_EQ(engine_.find_by_client(client(1)), nullptr);
  engine_.check_invariants();
}

TEST_F(EngineTest, StoredOffersAndAddressZeroAreIgnored) {
  const std::vector<Lease> leases = {stored("198.18.1.103", 1, kStart_s, LeaseState::Offered),
                                     stored("0.0.0.0", 2, kStart_s)};
  engine_.load(leases, kStart_s);
  EXPECT_EQ(engine_.lease_count(), 0u);
}

TEST(LeaseStateTest, NamesFollowKea) {
  EXPECT_STREQ(to_string(LeaseState::Assigned), "default");
  EXPECT_STREQ(to_string(LeaseState::Declined), "declined");
  EXPECT_STREQ(to_string(LeaseState::Reclaimed), "expired-reclaimed");
  EXPECT_STREQ(to_string(LeaseState::Offered), "offered");
  EXPECT_STREQ(to_string(AllocError::PoolExhausted), "pool exhausted");
}

}  // namespace
}  // namespace bs::alloc::test
