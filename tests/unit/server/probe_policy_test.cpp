// Which addresses are uncertain enough to probe, rule by rule, and the
// parked-reply table's bounds and ordering.
#include "server/probe_policy.h"

#include <gtest/gtest.h>

#include "server/probe_table.h"

namespace bs::server {
namespace {

Ip4 ip(const char* text) { return *parse_ip4(text); }
constexpr int64_t kNow_s = 1'800'000'000;

alloc::ClientIdentity client(uint8_t last) {
  alloc::ClientIdentity id;
  id.hw_address = make_hwaddr(std::array<uint8_t, 6>{2, 0xcc, 0, 0, 0, last});
  return id;
}

Lease row(uint8_t holder, LeaseState state, int64_t expires_at_s, uint32_t lifetime_s = 3600) {
  Lease lease;
  lease.address = ip("198.18.1.100");
  lease.hw_address = client(holder).hw_address;
  lease.state = state;
  lease.valid_lifetime_s = lifetime_s;
  lease.cltt_s = expires_at_s - lifetime_s;
  return lease;
}

config::ConflictProbing mode(config::ProbeMode probe_mode) {
  config::ConflictProbing probing;
  probing.mode = probe_mode;
  return probing;
}

TEST(OfferNeedsProbe, FreshAddressOnlyWhenAlwaysOrRecovering) {
  const auto uncertain = mode(config::ProbeMode::Uncertain);
  EXPECT_FALSE(offer_needs_probe(uncertain, false, nullptr, client(1), kNow_s));
  EXPECT_TRUE(offer_needs_probe(uncertain, true, nullptr, client(1), kNow_s));
  EXPECT_TRUE(
      offer_needs_probe(mode(config::ProbeMode::Always), false, nullptr, client(1), kNow_s));
  EXPECT_FALSE(offer_needs_probe(mode(config::ProbeMode::Off), true, nullptr, client(1), kNow_s));
}

TEST(OfferNeedsProbe, TheClientsOwnBoundLeaseNever) {
  const Lease own = row(1, LeaseState::Assigned, kNow_s + 100);
  EXPECT_FALSE(offer_needs_probe(mode(config::ProbeMode::Always), true, &own, client(1), kNow_s));
}

TEST(OfferNeedsProbe, AnotherClientsLeaseWithinOneLifetimeOfExpiry) {
  const auto uncertain = mode(config::ProbeMode::Uncertain);
  const Lease just_expired = row(2, LeaseState::Reclaimed, kNow_s - 10);
  EXPECT_TRUE(offer_needs_probe(uncertain, false, &just_expired, client(1), kNow_s));
  const Lease long_gone = row(2, LeaseState::Reclaimed, kNow_s - 3601);
  EXPECT_FALSE(offer_needs_probe(uncertain, false, &long_gone, client(1), kNow_s));
  // The same client's own lapsed lease: nobody else was given the address.
  const Lease own_lapsed = row(1, LeaseState::Reclaimed, kNow_s - 10);
  EXPECT_FALSE(offer_needs_probe(uncertain, false, &own_lapsed, client(1), kNow_s));
}

TEST(OfferNeedsProbe, ADeclineWithinOneProbationAfterItEnded) {
  const auto uncertain = mode(config::ProbeMode::Uncertain);
  const Lease declined = row(1, LeaseState::Declined, kNow_s - 10, 600);
  EXPECT_TRUE(offer_needs_probe(uncertain, false, &declined, client(1), kNow_s));
  const Lease old_decline = row(1, LeaseState::Declined, kNow_s - 601, 600);
  EXPECT_FALSE(offer_needs_probe(uncertain, false, &old_decline, client(1), kNow_s));
}

TEST(AdoptionNeedsProbe, UnlessTheRecordWasTheClientsOwn) {
  const auto uncertain = mode(config::ProbeMode::Uncertain);
  EXPECT_TRUE(adoption_needs_probe(uncertain, std::nullopt, client(1)));
  EXPECT_TRUE(adoption_needs_probe(uncertain, row(2, LeaseState::Reclaimed, kNow_s), client(1)));
  EXPECT_FALSE(adoption_needs_probe(uncertain, row(1, LeaseState::Assigned, kNow_s), client(1)));
  EXPECT_FALSE(adoption_needs_probe(mode(config::ProbeMode::Off), std::nullopt, client(1)));
}

TEST(ProbeRequestFor, ArpOnTheLinkIcmpBeyondIt) {
  io::InterfaceInfo link;
  link.ifindex = 7;
  link.address = ip("198.18.1.1");
  link.prefix_len = 24;
  wire::Packet direct;
  auto on_link = probe_request_for(ip("198.18.1.100"), direct, link);
  EXPECT_EQ(on_link.method, io::ProbeMethod::Arp);
  EXPECT_EQ(on_link.ifindex, 7);
  EXPECT_EQ(probe_request_for(ip("198.18.3.100"), direct, link).method, io::ProbeMethod::Icmp);
  wire::Packet relayed;
  relayed.giaddr = ip("198.18.1.254");
  EXPECT_EQ(probe_request_for(ip("198.18.1.100"), relayed, link).method, io::ProbeMethod::Icmp);
}

PendingProbe entry(const char* address, int64_t deadline_ms) {
  PendingProbe pending;
  pending.request.address = ip(address);
  pending.deadline_ms = deadline_ms;
  return pending;
}

TEST(ProbeTable, ExpiresInDeadlineOrderAndSkipsAnswered) {
  ProbeTable table(4);
  table.insert(entry("198.18.1.100", 10));
  table.insert(entry("198.18.1.101", 20));
  table.insert(entry("198.18.1.102", 30));
  EXPECT_EQ(table.next_deadline_ms(), 10);
  ASSERT_TRUE(table.take(ip("198.18.1.100")));  // answered
  EXPECT_FALSE(table.take_expired(19));
  auto first = table.take_expired(25);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->request.address, ip("198.18.1.101"));
  EXPECT_FALSE(table.take_expired(25));
  EXPECT_EQ(table.size(), 1u);
}

TEST(ProbeTable, IsBoundedByCapacity) {
  ProbeTable table(2);
  table.insert(entry("198.18.1.100", 10));
  EXPECT_FALSE(table.full());
  table.insert(entry("198.18.1.101", 10));
  EXPECT_TRUE(table.full());
  EXPECT_EQ(table.take_all().size(), 2u);
  EXPECT_TRUE(table.empty());
  EXPECT_FALSE(table.next_deadline_ms());
}

}  // namespace
}  // namespace bs::server
