// The control API's engine operations (put_lease, remove_lease, find_row,
// for_each_row): they keep every index consistent, cancel offers the same
// way a DHCP change does, and revert exactly when the store fails.
#include "alloc_fixture.h"

namespace bs::alloc::test {
namespace {

Lease admin_lease(const char* address, uint8_t mac_last, LeaseState state = LeaseState::Assigned) {
  Lease lease;
  lease.address = ip(address);
  lease.hw_address = mac(mac_last);
  lease.hostname = "admin";
  lease.subnet_id = 1;
  lease.valid_lifetime_s = kLifetime_s;
  lease.cltt_s = kStart_s;
  lease.state = state;
  return lease;
}

std::vector<ClientIdentity> probes() { return {client(1), client(2), client(7), client(8)}; }

TEST_F(EngineTest, PutLeaseTakesTheAddressOutOfTheFreePool) {
  const LeaseChange change = engine_.put_lease(admin_lease("198.18.1.100", 7), kStart_s);
  EXPECT_FALSE(change.before);
  ASSERT_TRUE(change.after);
  engine_.check_invariants();
  EXPECT_EQ(engine_.stats(1, kStart_s).assigned, 1u);
  EXPECT_EQ(engine_.find_by_client(client(7))->address, ip("198.18.1.100"));
  // The next client is not offered the administrator's address.
  EXPECT_EQ(offer(client(1)), ip("198.18.1.101"));
}

TEST_F(EngineTest, PutLeaseOverAnOfferCancelsItAndRevertRestoresIt) {
  const Ip4 offered = offer(client(1));
  const Snapshot before = snapshot(engine_, kStart_s, probes());
  const LeaseChange change = engine_.put_lease(admin_lease("198.18.1.100", 7), kStart_s);
  ASSERT_EQ(offered, ip("198.18.1.100"));
  EXPECT_EQ(engine_.find_by_address(offered)->hw_address, mac(7));
  engine_.check_invariants();
  engine_.revert(change);
  EXPECT_EQ(snapshot(engine_, kStart_s, probes()), before);
  engine_.check_invariants();
}

TEST_F(EngineTest, RemoveLeaseFreesTheAddressAndRevertPutsItBack) {
  const Ip4 address = dora(client(1));
  const Snapshot before = snapshot(engine_, kStart_s, probes());
  auto change = engine_.remove_lease(address, kStart_s);
  ASSERT_TRUE(change);
  EXPECT_FALSE(change->after);
  EXPECT_EQ(engine_.find_row(address), nullptr);
  EXPECT_EQ(engine_.find_by_client(client(1)), nullptr);
  EXPECT_EQ(engine_.stats(1, kStart_s).assigned, 0u);
  engine_.check_invariants();
  engine_.revert(*change);
  EXPECT_EQ(snapshot(engine_, kStart_s, probes()), before);
  engine_.check_invariants();
}

TEST_F(EngineTest, RemoveLeaseWithoutARowIsNoLease) {
  EXPECT_EQ(engine_.remove_lease(ip("198.18.1.100"), kStart_s).error(), AllocError::NoLease);
  offer(client(1));  // an offer alone is not a stored lease
  EXPECT_EQ(engine_.remove_lease(ip("198.18.1.100"), kStart_s).error(), AllocError::NoLease);
}

TEST_F(EngineTest, FindRowSeesTheStoredRowUnderAnOffer) {
  const Ip4 address = dora(client(1));
  ASSERT_TRUE(engine_.release(client(1), address, kStart_s + 10));
  // Client 2 is offered the released address; the row of client 1 stays.
  offer(client(2), kStart_s + 20, address);
  EXPECT_EQ(engine_.find_by_address(address)->state, LeaseState::Offered);
  ASSERT_NE(engine_.find_row(address), nullptr);
  EXPECT_EQ(engine_.find_row(address)->hw_address, mac(1));
  size_t rows = 0;
  engine_.for_each_row([&](const Lease& lease) {
    ++rows;
    EXPECT_NE(lease.state, LeaseState::Offered);
  });
  EXPECT_EQ(rows, 1u);
}

TEST_F(EngineTest, PutDeclinedLeaseCountsAsDeclined) {
  engine_.put_lease(admin_lease("198.18.1.103", 8, LeaseState::Declined), kStart_s);
  EXPECT_EQ(engine_.stats(1, kStart_s).declined, 1u);
  engine_.check_invariants();
}

}  // namespace
}  // namespace bs::alloc::test
