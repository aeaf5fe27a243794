// Allocation engine behaviour, one rule per test: offers, assignment,
// reservations, release, decline, expiry and stats.
#include "alloc_fixture.h"

namespace bs::alloc::test {
namespace {

TEST_F(EngineTest, OfferGivesLowestFreeAddressAndHoldsIt) {
  auto offered = engine_.offer(office(), client(1), {}, kStart_s);
  ASSERT_TRUE(offered);
  EXPECT_EQ(offered->address, ip("198.18.1.100"));
  EXPECT_EQ(offered->state, LeaseState::Offered);
  EXPECT_EQ(offered->valid_lifetime_s, kLifetime_s);
  EXPECT_EQ(offered->subnet_id, 1u);
  ASSERT_NE(engine_.find_by_address(offered->address), nullptr);
  EXPECT_EQ(engine_.find_by_address(offered->address)->state, LeaseState::Offered);
  const PoolStats stats = engine_.stats(1, kStart_s);
  EXPECT_EQ(stats.total, 10u);
  EXPECT_EQ(stats.offered, 1u);
  EXPECT_EQ(stats.reserved, 1u);
  EXPECT_EQ(stats.free, 8u);
}

TEST_F(EngineTest, BootStormClientsGetDistinctOffersUntilExhausted) {
  std::vector<Ip4> seen;
  // Ten pool addresses, one reserved for the printer: nine to hand out.
  for (uint8_t i = 1; i <= 9; ++i) {
    const Ip4 address = offer(client(i));
    EXPECT_EQ(std::count(seen.begin(), seen.end(), address), 0);
    EXPECT_NE(address, ip("198.18.1.105"));
    seen.push_back(address);
  }
  auto refused = engine_.offer(office(), client(10), {}, kStart_s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), AllocError::PoolExhausted);
  engine_.check_invariants();
}

TEST_F(EngineTest, RepeatedDiscoverGetsTheSameOffer) {
  const Ip4 first = offer(client(1));
  offer(client(2));
  EXPECT_EQ(offer(client(1), kStart_s + 5), first);
  EXPECT_EQ(engine_.stats(1, kStart_s + 5).offered, 2u);
}

TEST_F(EngineTest, RequestedAddressIsOfferedWhenFree) {
  EXPECT_EQ(offer(client(1), kStart_s, ip("198.18.1.107")), ip("198.18.1.107"));
  // Taken, reserved or outside the pool: fall back to the lowest free.
  EXPECT_EQ(offer(client(2), kStart_s, ip("198.18.1.107")), ip("198.18.1.100"));
  EXPECT_EQ(offer(client(3), kStart_s, ip("198.18.1.105")), ip("198.18.1.101"));
  EXPECT_EQ(offer(client(4), kStart_s, ip("198.18.1.20")), ip("198.18.1.102"));
}

TEST_F(EngineTest, LapsedOfferIsReclaimedWhenThePoolRunsOut) {
  for (uint8_t i = 1; i <= 9; ++i) offer(client(i));
  ASSERT_FALSE(engine_.offer(office(), client(10), {}, kStart_s + 29));
  // No reclaim call in between: allocation itself frees the lapsed holds.
  EXPECT_EQ(offer(client(10), kStart_s + 30), ip("198.18.1.100"));
  engine_.check_invariants();
}

TEST_F(EngineTest, ReclaimDropsStaleOffers) {
  const Ip4 address = offer(client(1));
  EXPECT_EQ(engine_.reclaim_expired(kStart_s + 29, 100), 0u);
  EXPECT_EQ(engine_.reclaim_expired(kStart_s + 30, 100), 1u);
  EXPECT_EQ(engine_.find_by_address(address), nullptr);
  EXPECT_EQ(engine_.find_by_client(client(1)), nullptr);
  EXPECT_EQ(engine_.lease_count(), 0u);
  EXPECT_EQ(engine_.stats(1, kStart_s + 30).free, 9u);
}

TEST_F(EngineTest, OfferHoldIsConfigurable) {
  Engine engine(config_, EngineOptions{.offer_hold_s = 5});
  ASSERT_TRUE(engine.offer(office(), client(1), {}, kStart_s));
  EXPECT_EQ(engine.stats(1, kStart_s + 4).offered, 1u);
  EXPECT_EQ(engine.stats(1, kStart_s + 5).offered, 0u);
}

TEST_F(EngineTest, AssignBindsTheOfferedAddress) {
  ClientIdentity pc = client(1);
  pc.hostname = "pc-1";
  const Ip4 address = offer(pc);
  auto change = engine_.assign(office(), pc, address, kStart_s + 1);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->address, address);
  EXPECT_FALSE(change->before.has_value());
  ASSERT_TRUE(change->after.has_value());
  const Lease& lease = *change->after;
  EXPECT_EQ(lease.state, LeaseState::Assigned);
  EXPECT_EQ(lease.hw_address, pc.hw_address);
  EXPECT_EQ(lease.hostname, "pc-1");
  EXPECT_EQ(lease.cltt_s, kStart_s + 1);
  EXPECT_EQ(lease.valid_lifetime_s, kLifetime_s);
  EXPECT_EQ(*engine_.find_by_address(address), lease);
  EXPECT_EQ(*engine_.find_by_client(pc), lease);
  const PoolStats stats = engine_.stats(1, kStart_s + 1);
  EXPECT_EQ(stats.assigned, 1u);
  EXPECT_EQ(stats.offered, 0u);
  EXPECT_EQ(stats.free, 8u);
}

TEST_F(EngineTest, SubnetLifetimeOverridesGlobal) {
  auto change = engine_.assign(lab(), client(1), ip("198.18.3.100"), kStart_s);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->after->valid_lifetime_s, 600u);
  EXPECT_EQ(change->after->subnet_id, 2u);
}

TEST_F(EngineTest, AssignRefusesAddressesHeldByOthers) {
  const Ip4 offered = offer(client(1));
  auto taken = engine_.assign(office(), client(2), offered, kStart_s);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error(), AllocError::AddressInUse);
  const Ip4 bound = dora(client(3));
  EXPECT_EQ(engine_.assign(office(), client(2), bound, kStart_s).error(), AllocError::AddressInUse);
  EXPECT_EQ(engine_.assign(office(), client(2), ip("198.18.1.105"), kStart_s).error(),
            AllocError::AddressInUse);
  EXPECT_EQ(engine_.assign(office(), client(2), ip("198.18.1.50"), kStart_s).error(),
            AllocError::AddressInUse);
}

TEST_F(EngineTest, AssignOutsideThePoolOrSubnetIsRefused) {
  EXPECT_EQ(engine_.assign(office(), client(1), ip("198.18.1.20"), kStart_s).error(),
            AllocError::NotInPool);
  EXPECT_EQ(engine_.assign(office(), client(1), ip("198.18.3.100"), kStart_s).error(),
            AllocError::WrongSubnet);
  config::Subnet unknown = office();
  unknown.id = 99;
  EXPECT_EQ(engine_.assign(unknown, client(1), ip("198.18.1.100"), kStart_s).error(),
            AllocError::WrongSubnet);
  EXPECT_EQ(engine_.lease_count(), 0u);
}

TEST_F(EngineTest, FreeAddressCanBeAssignedWithoutOffer) {
  // A client the server forgot asks for its address back (re-adoption).
  auto change = engine_.assign(office(), client(1), ip("198.18.1.108"), kStart_s);
  ASSERT_TRUE(change);
  EXPECT_EQ(engine_.stats(1, kStart_s).assigned, 1u);
  EXPECT_NE(offer(client(2)), ip("198.18.1.108"));
}

TEST_F(EngineTest, RenewalExtendsTheLease) {
  const Ip4 address = dora(client(1));
  auto renewed = engine_.assign(office(), client(1), address, kStart_s + 1800);
  ASSERT_TRUE(renewed);
  ASSERT_TRUE(renewed->before);
  EXPECT_EQ(renewed->before->cltt_s, kStart_s);
  EXPECT_EQ(renewed->after->cltt_s, kStart_s + 1800);
  EXPECT_EQ(engine_.stats(1, kStart_s + 3700).assigned, 1u);
  EXPECT_EQ(engine_.reclaim_expired(kStart_s + 3700, 10), 0u);
  EXPECT_EQ(engine_.reclaim_expired(kStart_s + 5400, 10), 1u);
  engine_.check_invariants();
}

TEST_F(EngineTest, ReservedClientGetsItsAddressInsideOrOutsideThePool) {
  const ClientIdentity counter = client(0x99);
  auto offered = engine_.offer(office(), counter, ip("198.18.1.101"), kStart_s);
  ASSERT_TRUE(offered);
  EXPECT_EQ(offered->address, ip("198.18.1.50"));
  EXPECT_EQ(offered->hostname, "counter-1");
  auto change = engine_.assign(office(), counter, ip("198.18.1.50"), kStart_s);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->after->hostname, "counter-1");
  EXPECT_EQ(offer(printer_client()), ip("198.18.1.105"));
  ASSERT_TRUE(engine_.assign(office(), printer_client(), ip("198.18.1.105"), kStart_s));
  const PoolStats stats = engine_.stats(1, kStart_s);
  EXPECT_EQ(stats.reserved, 0u);  // the in-pool reservation is now in use
  EXPECT_EQ(stats.assigned, 1u);  // .50 is outside the pool
  EXPECT_EQ(stats.free, 9u);
  const config::Reservation* found = engine_.find_reservation(office(), counter);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->hostname, "counter-1");
  EXPECT_EQ(engine_.find_reservation(office(), client(1)), nullptr);
}

TEST_F(EngineTest, ReservedAddressHeldByAnotherFallsBackToPool) {
  // The lease predates the reservation (config changed since).
  Lease old;
  old.address = ip("198.18.1.105");
  old.hw_address = mac(7);
  old.subnet_id = 1;
  old.valid_lifetime_s = kLifetime_s;
  old.cltt_s = kStart_s;
  engine_.load(std::span<const Lease>(&old, 1), kStart_s);
  EXPECT_EQ(offer(printer_client()), ip("198.18.1.100"));
  // The holder cannot renew an address now reserved to someone else.
  EXPECT_EQ(engine_.assign(office(), client(7), old.address, kStart_s).error(),
            AllocError::AddressInUse);
  engine_.check_invariants();
}

TEST_F(EngineTest, ReleaseKeepsTheRecordAndFreesTheAddress) {
  const Ip4 address = dora(client(1));
  EXPECT_EQ(engine_.release(client(2), address, kStart_s + 10).error(), AllocError::NoLease);
  auto change = engine_.release(client(1), address, kStart_s + 10);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->after->state, LeaseState::Reclaimed);
  EXPECT_EQ(change->before->state, LeaseState::Assigned);
  EXPECT_EQ(engine_.find_by_address(address)->state, LeaseState::Reclaimed);
  EXPECT_EQ(engine_.find_by_client(client(1))->address, address);
  EXPECT_EQ(engine_.stats(1, kStart_s + 10).free, 9u);
  EXPECT_EQ(engine_.release(client(1), address, kStart_s + 11).error(), AllocError::NoLease);
  // Lowest free again, for a newcomer.
  EXPECT_EQ(offer(client(2), kStart_s + 12), address);
}

TEST_F(EngineTest, ReturningClientGetsItsPreviousAddress) {
  const Ip4 a = dora(client(1));
  const Ip4 b = dora(client(2));
  ASSERT_TRUE(engine_.release(client(1), a, kStart_s + 5));
  ASSERT_TRUE(engine_.release(client(2), b, kStart_s + 5));
  // .100 is lower and free, but client 2 had .101.
  EXPECT_EQ(offer(client(2), kStart_s + 6), b);
}

TEST_F(EngineTest, ReturningClientGetsItsAddressAfterExpiry) {
  dora(client(1));
  const Ip4 b = dora(client(2));
  ASSERT_TRUE(engine_.release(client(1), ip("198.18.1.100"), kStart_s + 5));
  EXPECT_EQ(engine_.reclaim_expired(kStart_s + kLifetime_s, 10), 1u);
  EXPECT_EQ(engine_.find_by_address(b)->state, LeaseState::Reclaimed);
  EXPECT_EQ(offer(client(2), kStart_s + kLifetime_s + 100), b);
}

TEST_F(EngineTest, PreviousAddressTakenByOtherMeansANewOne) {
  const Ip4 a = dora(client(1));
  ASSERT_TRUE(engine_.release(client(1), a, kStart_s + 5));
  EXPECT_EQ(dora(client(2), kStart_s + 6), a);
  EXPECT_NE(offer(client(1), kStart_s + 7), a);
  EXPECT_EQ(engine_.find_by_client(client(1))->state, LeaseState::Offered);
}

TEST_F(EngineTest, DeclineQuarantinesForProbation) {
  const Ip4 address = dora(client(1));
  EXPECT_EQ(engine_.decline(client(2), address, kStart_s + 1).error(), AllocError::NoLease);
  auto change = engine_.decline(client(1), address, kStart_s + 1);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->after->state, LeaseState::Declined);
  EXPECT_EQ(change->after->cltt_s, kStart_s + 1);
  EXPECT_EQ(change->after->valid_lifetime_s, kProbation_s);
  EXPECT_EQ(engine_.stats(1, kStart_s + 1).declined, 1u);
  // Neither the decliner nor anyone else is offered it during probation.
  EXPECT_NE(offer(client(1), kStart_s + 2), address);
  EXPECT_NE(offer(client(2), kStart_s + 2), address);
  EXPECT_EQ(engine_.assign(office(), client(1), address, kStart_s + 2).error(),
            AllocError::AddressInUse);
  EXPECT_EQ(engine_.stats(1, kStart_s + 1 + kProbation_s).declined, 0u);
  EXPECT_EQ(engine_.reclaim_expired(kStart_s + 1 + kProbation_s, 10), 3u);  // + 2 offers
  EXPECT_EQ(engine_.find_by_address(address)->state, LeaseState::Reclaimed);
  EXPECT_EQ(offer(client(3), kStart_s + 1 + kProbation_s), address);
  engine_.check_invariants();
}

TEST_F(EngineTest, DeclineOfAnOfferedAddress) {
  const Ip4 address = offer(client(1));
  ASSERT_TRUE(engine_.decline(client(1), address, kStart_s));
  EXPECT_EQ(engine_.stats(1, kStart_s).offered, 0u);
  EXPECT_EQ(engine_.stats(1, kStart_s).declined, 1u);
}

TEST_F(EngineTest, ReclaimIsBoundedPerCall) {
  for (uint8_t i = 1; i <= 5; ++i) dora(client(i));
  const int64_t later_s = kStart_s + kLifetime_s;
  EXPECT_EQ(engine_.stats(1, later_s).assigned, 0u);  // expired, not yet reclaimed
  EXPECT_EQ(engine_.stats(1, later_s).free, 9u);
  EXPECT_EQ(engine_.reclaim_expired(later_s, 2), 2u);
  EXPECT_EQ(engine_.reclaim_expired(later_s, 2), 2u);
  EXPECT_EQ(engine_.reclaim_expired(later_s, 2), 1u);
  EXPECT_EQ(engine_.reclaim_expired(later_s, 2), 0u);
  EXPECT_EQ(engine_.stats(1, later_s).free, 9u);
  engine_.check_invariants();
}

TEST_F(EngineTest, ClientIdOutranksHardwareAddress) {
  ClientIdentity with_id = client(1);
  with_id.client_id = {0xff, 1, 2, 3};
  const Ip4 address = dora(with_id);
  ClientIdentity same_id_new_nic = client(2);
  same_id_new_nic.client_id = with_id.client_id;
  EXPECT_EQ(engine_.find_by_client(same_id_new_nic)->address, address);
  EXPECT_EQ(engine_.find_by_client(client(1)), nullptr);
  ASSERT_TRUE(engine_.assign(office(), same_id_new_nic, address, kStart_s + 1));
  EXPECT_EQ(engine_.assign(office(), client(1), address, kStart_s + 1).error(),
            AllocError::AddressInUse);
}

TEST_F(EngineTest, NewestLeaseAcrossSubnetsWins) {
  dora(client(1));
  ASSERT_TRUE(engine_.assign(lab(), client(1), ip("198.18.3.101"), kStart_s + 10));
  EXPECT_EQ(engine_.find_by_client(client(1))->address, ip("198.18.3.101"));
  // Back in the office, the office lease is still its previous address there.
  EXPECT_EQ(offer(client(1), kStart_s + 20), ip("198.18.1.100"));
}

TEST_F(EngineTest, OfferOnAnotherAddressDropsTheOldHold) {
  // Someone holds the printer's reserved address, so the printer is offered
  // a pool address; once the reservation is free it is offered that
  // instead, and its first hold must not keep blocking the pool.
  const Ip4 squatted = ip("198.18.1.105");
  Lease old;
  old.address = squatted;
  old.hw_address = mac(7);
  old.subnet_id = 1;
  old.valid_lifetime_s = kLifetime_s;
  old.cltt_s = kStart_s;
  engine_.load(std::span<const Lease>(&old, 1), kStart_s);
  const Ip4 first = offer(printer_client());
  ASSERT_NE(first, squatted);
  ASSERT_TRUE(engine_.release(client(7), squatted, kStart_s + 1));
  EXPECT_EQ(offer(printer_client(), kStart_s + 2), squatted);
  EXPECT_EQ(engine_.find_by_address(first), nullptr);
  EXPECT_EQ(engine_.stats(1, kStart_s + 2).offered, 1u);
  engine_.check_invariants();
}

}  // namespace
}  // namespace bs::alloc::test
