// The pair's state machine, one rule per test: who serves which client in
// each state, which free addresses each server may hand out, the MCLT cap,
// how partner-down is (and is not) reached, maintenance, sequence numbers.
#include "ha/pair_state.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace bs::ha {
namespace {

HaConfig pair(Mode mode, const std::string& self = "server1") {
  HaConfig config;
  config.this_server_name = self;
  config.mode = mode;
  config.heartbeat_delay_ms = 1000;
  config.max_ack_delay_ms = 500;
  config.max_response_delay_ms = 5000;
  config.max_unacked_clients = 2;
  config.mclt_s = 600;
  const Role other = mode == Mode::HotStandby ? Role::Standby : Role::Secondary;
  config.peers = {Peer{"server1", "http://198.18.0.1:8000/", Ip4{0xC6120001}, 8000, Role::Primary},
                  Peer{"server2", "http://198.18.0.2:8000/", Ip4{0xC6120002}, 8000, other}};
  return config;
}

// Client keys by MAC whose RFC 3074 bucket is known (load_balance_test.cpp).
const std::array<uint8_t, 2> kPrimaryMac = {1, 2};  // hash 170
const std::array<uint8_t, 1> kSecondaryId = {0};    // hash 175
const ClientKey kPrimaryClient{{}, kPrimaryMac};
const ClientKey kSecondaryClient{kSecondaryId, {}};
const Ip4 kEven{0xC6120064};  // 198.18.0.100: primary's in load-balancing
const Ip4 kOdd{0xC6120065};   // 198.18.0.101: secondary's
Ip4 standby_address() {
  for (uint32_t a = 0xC6120000;; ++a) {
    if (a % 100 < 10) return Ip4{a};
  }
}
Ip4 primary_address() {
  for (uint32_t a = 0xC6120000;; ++a) {
    if (a % 100 >= 10) return Ip4{a};
  }
}

PairState in_normal(const HaConfig& config, int64_t now_ms = 0) {
  PairState machine(config, now_ms);
  machine.contact(now_ms, State::Waiting);
  machine.sync_done(now_ms);
  machine.contact(now_ms, State::Ready);
  return machine;
}

TEST(PairState, StartsWaitingAndReachesNormalThroughSyncAndReady) {
  PairState machine(pair(Mode::LoadBalancing), 0);
  EXPECT_EQ(machine.state(), State::Waiting);
  machine.contact(10, State::Waiting);
  EXPECT_EQ(machine.state(), State::Syncing);
  machine.sync_done(20);
  EXPECT_EQ(machine.state(), State::Ready);  // the partner has not said it is ready
  machine.contact(30, State::Ready);
  EXPECT_EQ(machine.state(), State::LoadBalancing);
  EXPECT_TRUE(machine.replicates());
  EXPECT_EQ(in_normal(pair(Mode::HotStandby)).state(), State::HotStandby);
}

TEST(PairState, LoadBalancingServesOwnBucketAndAllocatesOwnShareEvenInNormal) {
  PairState primary = in_normal(pair(Mode::LoadBalancing));
  PairState secondary = in_normal(pair(Mode::LoadBalancing, "server2"));
  EXPECT_TRUE(primary.serves(kPrimaryClient));
  EXPECT_FALSE(primary.serves(kSecondaryClient));
  EXPECT_TRUE(secondary.serves(kSecondaryClient));
  EXPECT_FALSE(secondary.serves(kPrimaryClient));
  // Both allocate at once in load-balancing: disjoint shares, or two
  // clients could get one address before either update arrives.
  EXPECT_TRUE(primary.may_allocate(kEven, 0));
  EXPECT_FALSE(primary.may_allocate(kOdd, 0));
  EXPECT_TRUE(secondary.may_allocate(kOdd, 0));
  EXPECT_FALSE(secondary.may_allocate(kEven, 0));
}

TEST(PairState, HotStandbyPrimaryServesAllFromTheWholePoolStandbyNothing) {
  PairState primary = in_normal(pair(Mode::HotStandby));
  PairState standby = in_normal(pair(Mode::HotStandby, "server2"));
  EXPECT_TRUE(primary.serves(kSecondaryClient));
  EXPECT_TRUE(primary.may_allocate(standby_address(), 0));
  EXPECT_FALSE(standby.serves(kPrimaryClient));
  EXPECT_FALSE(standby.may_allocate(standby_address(), 0));
}

TEST(PairState, SilencePastHeartbeatPlusAckDelayIsPartnerUnreachableNotDown) {
  PairState machine = in_normal(pair(Mode::LoadBalancing));
  machine.tick(1500);  // heartbeat 1000 + max-ack-delay 500: not yet
  EXPECT_EQ(machine.state(), State::LoadBalancing);
  machine.tick(1501);
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
  EXPECT_FALSE(machine.replicates());
  // Own clients, own share only.
  EXPECT_TRUE(machine.serves(kPrimaryClient));
  EXPECT_FALSE(machine.serves(kSecondaryClient));
  EXPECT_TRUE(machine.may_allocate(kEven, 1501));
  EXPECT_FALSE(machine.may_allocate(kOdd, 1501));
}

TEST(PairState, AnUnacknowledgedUpdateIsPartnerUnreachableAtOnce) {
  PairState machine = in_normal(pair(Mode::HotStandby));
  machine.update_timed_out(100);
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
}

TEST(PairState, MaxResponseDelayAloneIsNotPartnerDownWhileClientsCanWitness) {
  PairState machine = in_normal(pair(Mode::LoadBalancing));
  machine.tick(2000);
  machine.tick(60000);
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
  // Partner's clients that waited less than max-ack-delay do not count,
  // nor do our own clients however long they waited.
  machine.client_query(60000, kSecondaryClient, 0);
  machine.client_query(60000, kPrimaryClient, 30);
  machine.tick(60001);
  EXPECT_EQ(machine.unacked_clients(), 0u);
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
}

TEST(PairState, MoreThanMaxUnackedClientsAfterMaxResponseDelayIsPartnerDown) {
  PairState machine = in_normal(pair(Mode::LoadBalancing));
  machine.tick(2000);
  const std::array<uint8_t, 1> ids[] = {{0}, {3}, {5}, {7}, {9}, {11}};
  int counted = 0;
  for (const auto& id : ids) {
    const ClientKey key{id, {}};
    if (client_owner(Mode::LoadBalancing, key) != Role::Secondary) continue;
    machine.client_query(2100, key, 2);
    machine.client_query(2100, key, 3);  // the same client again counts once
    ++counted;
  }
  ASSERT_GT(counted, 2);
  EXPECT_EQ(machine.unacked_clients(), 3u);  // max 2, stopped counting at 3
  machine.tick(4999);  // max-response-delay (5000) since the last contact at 0
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
  machine.tick(5000);
  EXPECT_EQ(machine.state(), State::PartnerDown);
  EXPECT_TRUE(machine.serves(kSecondaryClient));
}

TEST(PairState, MaxUnackedClientsZeroOrAHotStandbyPrimaryGoDownOnSilence) {
  HaConfig zero = pair(Mode::LoadBalancing);
  zero.max_unacked_clients = 0;
  PairState machine = in_normal(zero);
  machine.tick(2000);
  machine.tick(5000);
  EXPECT_EQ(machine.state(), State::PartnerDown);
  // The standby serves nobody, so no client can witness for the primary.
  PairState primary = in_normal(pair(Mode::HotStandby));
  primary.tick(2000);
  primary.tick(5000);
  EXPECT_EQ(primary.state(), State::PartnerDown);
  // But a standby needs its witnesses.
  PairState standby = in_normal(pair(Mode::HotStandby, "server2"));
  standby.tick(2000);
  standby.tick(5000);
  EXPECT_EQ(standby.state(), State::PartnerUnreachable);
}

TEST(PairState, AutoFailoverOffNeedsTheCommand) {
  HaConfig config = pair(Mode::HotStandby);
  config.peers[0].auto_failover = false;
  PairState machine = in_normal(config);
  machine.tick(2000);
  machine.tick(100000);
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
  ASSERT_TRUE(machine.partner_down_command(100000).has_value());
  EXPECT_EQ(machine.state(), State::PartnerDown);
}

TEST(PairState, PartnerDownCommandIsRefusedWhileThePartnerAnswers) {
  PairState machine = in_normal(pair(Mode::HotStandby));
  machine.contact(100, State::HotStandby);
  EXPECT_FALSE(machine.partner_down_command(200).has_value());
  EXPECT_EQ(machine.state(), State::HotStandby);
}

TEST(PairState, ColdStartNeverJumpsToPartnerDown) {
  // Restored from a run that ended in partner-down: still starts waiting.
  Persisted restored;
  restored.last_state = State::PartnerDown;
  PairState machine(pair(Mode::LoadBalancing), 0, restored);
  EXPECT_EQ(machine.state(), State::Waiting);
  EXPECT_TRUE(machine.serves(kPrimaryClient));
  EXPECT_FALSE(machine.serves(kSecondaryClient));
  EXPECT_FALSE(machine.may_allocate(kOdd, 0));
  EXPECT_EQ(machine.lease_time_s(7200, 1000, 0), 600u);
  machine.tick(1501);
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
  machine.tick(4000);
  EXPECT_EQ(machine.state(), State::PartnerUnreachable);
}

TEST(PairState, PartnersFreeAddressesOnlyAfterPartnerDownPlusMclt) {
  PairState machine = in_normal(pair(Mode::LoadBalancing));
  machine.tick(2000);
  ASSERT_TRUE(machine.partner_down_command(3000).has_value());
  EXPECT_TRUE(machine.may_allocate(kEven, 3000));
  EXPECT_FALSE(machine.may_allocate(kOdd, 3000));
  EXPECT_FALSE(machine.may_allocate(kOdd, 3000 + 600 * 1000 - 1));
  EXPECT_TRUE(machine.may_allocate(kOdd, 3000 + 600 * 1000));
}

TEST(PairState, HotStandbyStandbyHasItsShareBeforeMclt) {
  PairState standby = in_normal(pair(Mode::HotStandby, "server2"));
  standby.tick(2000);
  ASSERT_TRUE(standby.partner_down_command(2000).has_value());
  EXPECT_TRUE(standby.may_allocate(standby_address(), 2000));
  EXPECT_FALSE(standby.may_allocate(primary_address(), 2000));
  EXPECT_TRUE(standby.may_allocate(primary_address(), 2000 + 600 * 1000));
}

TEST(PairState, McltCapsLeasesThePartnerHasNotAcknowledged) {
  PairState machine = in_normal(pair(Mode::HotStandby));
  // Replicating: the partner acknowledges before the ACK, no cap.
  EXPECT_EQ(machine.lease_time_s(7200, 1000, 0), 7200u);
  machine.update_timed_out(100);
  // A client the partner never heard of: MCLT.
  EXPECT_EQ(machine.lease_time_s(7200, 1000, 0), 600u);
  // A renewal of a lease the partner acknowledged until 1000 + 3000: that
  // expiry plus MCLT.
  EXPECT_EQ(machine.lease_time_s(7200, 1000, 4000), 3600u);
  // Never longer than asked.
  EXPECT_EQ(machine.lease_time_s(300, 1000, 4000), 300u);
  // An acknowledged expiry in the past counts as none.
  EXPECT_EQ(machine.lease_time_s(7200, 5000, 4000), 600u);
  // Partner-down too: nobody acknowledges.
  ASSERT_TRUE(machine.partner_down_command(200).has_value());
  EXPECT_EQ(machine.lease_time_s(7200, 1000, 0), 600u);
}

TEST(PairState, ContactAfterAnOutageResyncsBeforeServingAsAPair) {
  PairState machine = in_normal(pair(Mode::LoadBalancing));
  machine.tick(2000);
  ASSERT_TRUE(machine.partner_down_command(2000).has_value());
  machine.contact(9000, State::Waiting);
  EXPECT_EQ(machine.state(), State::Syncing);
  // The survivor goes on serving while the returning partner catches up
  // (it was in partner-down, so all clients), but hands out no address
  // of the partner's share, and no other client's ended row, until the
  // pair is normal again.
  EXPECT_TRUE(machine.serves(kPrimaryClient));
  EXPECT_FALSE(machine.may_reuse(kSecondaryClient, 8000, 9000, 9000));
  machine.sync_done(9100);
  EXPECT_EQ(machine.state(), State::Ready);
  machine.contact(9200, State::Ready);
  EXPECT_EQ(machine.state(), State::LoadBalancing);
}

// Another client's ended row: a partner serving alone may have renewed it
// by MCLT at a time, so only a replicating pair, or partner-down MCLT past
// both the row's end and the declaration, hands it to a new client.
TEST(PairState, AnEndedRowOfThePartnersClientWaitsForThePairOrPartnerDownPlusMclt) {
  PairState machine = in_normal(pair(Mode::LoadBalancing));
  const ClientKey& theirs = kSecondaryClient;
  EXPECT_TRUE(machine.may_reuse(theirs, 5000, 1000, 1000));  // replicating: every change heard
  machine.tick(10'000);                                      // silent past the contact timeout
  ASSERT_EQ(machine.state(), State::PartnerUnreachable);
  EXPECT_FALSE(machine.may_reuse(theirs, 0, 100'000, 10'000));  // ended long ago: still not
  // Our own client's row: the partner does not serve that client now.
  EXPECT_TRUE(machine.may_reuse(kPrimaryClient, 0, 100'000, 10'000));
  ASSERT_TRUE(machine.partner_down_command(20'000).has_value());
  // Wall clock 2000 s at monotonic 20 s: declared down at 2000 s.
  EXPECT_FALSE(machine.may_reuse(theirs, 0, 2000 + 599, 20'000 + 599'000));
  EXPECT_TRUE(machine.may_reuse(theirs, 0, 2000 + 600, 20'000 + 600'000));
  // A row that ended after the declaration counts from its end.
  EXPECT_FALSE(machine.may_reuse(theirs, 2100, 2000 + 650, 20'000 + 650'000));
  EXPECT_TRUE(machine.may_reuse(theirs, 2100, 2100 + 600, 20'000 + 700'000));
}

TEST(PairState, APartnerServingAloneSendsUsBackToSync) {
  PairState machine = in_normal(pair(Mode::LoadBalancing));
  machine.contact(100, State::PartnerDown);
  EXPECT_EQ(machine.state(), State::Syncing);
  PairState other = in_normal(pair(Mode::LoadBalancing));
  other.contact(100, State::Waiting);  // the partner restarted
  EXPECT_EQ(other.state(), State::Syncing);
}

TEST(PairState, MaintenanceHandsEverythingToTheServerThatStays) {
  PairState stays = in_normal(pair(Mode::LoadBalancing));
  PairState leaves = in_normal(pair(Mode::LoadBalancing, "server2"));
  ASSERT_TRUE(stays.maintenance_start(100).has_value());
  leaves.maintenance_notify(100);
  EXPECT_EQ(stays.state(), State::PartnerInMaintenance);
  EXPECT_EQ(leaves.state(), State::InMaintenance);
  EXPECT_TRUE(stays.serves(kSecondaryClient));
  EXPECT_TRUE(stays.may_allocate(kOdd, 100));
  EXPECT_TRUE(stays.replicates());
  EXPECT_FALSE(leaves.serves(kSecondaryClient));
  // The partner shut down for its maintenance: partner-down at once.
  stays.tick(100 + 1501);
  EXPECT_EQ(stays.state(), State::PartnerDown);
  ASSERT_TRUE(leaves.maintenance_cancel(200).has_value());
  EXPECT_EQ(leaves.state(), State::Waiting);
  EXPECT_FALSE(leaves.maintenance_cancel(200).has_value());
  PairState again = in_normal(pair(Mode::LoadBalancing));
  ASSERT_TRUE(again.maintenance_start(0).has_value());
  ASSERT_TRUE(again.maintenance_cancel(0).has_value());
  EXPECT_EQ(again.state(), State::LoadBalancing);
  again.tick(2000);
  EXPECT_FALSE(again.maintenance_start(2000).has_value());
}

TEST(PairState, SequenceNumbersArePerServerAndSurviveARestart) {
  PairState machine = in_normal(pair(Mode::HotStandby));
  EXPECT_EQ(machine.next_sequence(), 1u);
  EXPECT_EQ(machine.next_sequence(), 2u);
  EXPECT_EQ(machine.unacked_updates(), 2u);
  machine.partner_acked(2);
  machine.partner_acked(1);  // a late ack never lowers the mark
  EXPECT_EQ(machine.partner_acked_sequence(), 2u);
  EXPECT_EQ(machine.unacked_updates(), 0u);
  EXPECT_EQ(machine.fit_partner_update(1), UpdateFit::Next);
  EXPECT_EQ(machine.fit_partner_update(2), UpdateFit::Gap);
  machine.partner_update_applied(1);
  EXPECT_EQ(machine.fit_partner_update(1), UpdateFit::Duplicate);
  const Persisted saved = machine.persisted();
  PairState restarted(pair(Mode::HotStandby), 0, saved);
  EXPECT_EQ(restarted.next_sequence(), 3u);
  EXPECT_EQ(restarted.partner_applied_sequence(), 1u);
  EXPECT_EQ(restarted.state(), State::Waiting);
}

TEST(PairState, StateNamesRoundTrip) {
  for (State state : {State::Waiting, State::Syncing, State::Ready, State::HotStandby,
                      State::LoadBalancing, State::PartnerUnreachable, State::PartnerDown,
                      State::InMaintenance, State::PartnerInMaintenance}) {
    EXPECT_EQ(parse_state(to_string(state)), state);
  }
}

}  // namespace
}  // namespace bs::ha
