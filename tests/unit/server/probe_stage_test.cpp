// The probe stage: what the link said comes back as two lists, released
// and conflicted, and a conflicted entry still holds its decoded query (the
// pipeline handles it again without decoding the bytes a second time).
#include "server/probe_stage.h"

#include <gtest/gtest.h>

#include "io/fake_prober.h"

namespace bs::server {
namespace {

using wire::MessageType;

Ip4 ip(const char* text) { return *parse_ip4(text); }
constexpr io::MacAddress kClientMac{2, 0xcc, 0, 0, 0, 1};
constexpr io::MacAddress kSquatterMac{2, 0xee, 0, 0, 0, 9};

PendingProbe offer_for(const char* address, uint32_t xid, int64_t deadline_ms) {
  PendingProbe entry;
  entry.request.address = ip(address);
  entry.request.method = io::ProbeMethod::Arp;
  entry.held = Reply{{}, MessageType::Offer, ip(address), {}};
  entry.query.packet.xid = xid;
  std::copy(kClientMac.begin(), kClientMac.end(), entry.query.packet.chaddr.begin());
  entry.deadline_ms = deadline_ms;
  return entry;
}

class ProbeStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto prober = std::make_unique<io::FakeProber>();
    prober_ = prober.get();
    prober_->occupied[ip("198.18.1.100").value] = kSquatterMac;
    prober_->occupied[ip("198.18.1.101").value] = kClientMac;
    stage_.attach(std::move(prober));
  }

  Counters counters_;
  ProbeStage stage_{4, counters_};
  io::FakeProber* prober_ = nullptr;
};

TEST_F(ProbeStageTest, AnswersComeBackAsReleasedAndConflictedListsWithTheDecodedQuery) {
  for (auto [address, xid] :
       {std::pair{"198.18.1.100", 1u}, {"198.18.1.101", 2u}, {"198.18.1.102", 3u}}) {
    PendingProbe entry = offer_for(address, xid, 300);
    ASSERT_EQ(stage_.park(entry), ProbeStage::Parked::Waiting);
  }
  EXPECT_EQ(counters_.probes_sent, 3u);
  ProbeResults results;
  ASSERT_TRUE(stage_.poll_answers(results, 0));
  ASSERT_EQ(results.conflicted.size(), 1u);
  EXPECT_EQ(results.conflicted[0].entry.query.packet.xid, 1u);
  EXPECT_EQ(results.conflicted[0].answer.mac, kSquatterMac);
  ASSERT_EQ(results.released.size(), 1u);  // the client answered for itself
  EXPECT_EQ(results.released[0].query.packet.xid, 2u);
  EXPECT_EQ(stage_.pending(), 1u);

  results.clear();
  EXPECT_FALSE(stage_.poll_answers(results, 0));
  stage_.take_expired(299, results);
  EXPECT_TRUE(results.empty());
  stage_.take_expired(300, results);
  ASSERT_EQ(results.released.size(), 1u);
  EXPECT_EQ(results.released[0].query.packet.xid, 3u);
  EXPECT_EQ(counters_.probe_conflicts, 1u);
  EXPECT_EQ(counters_.probe_self_answers, 1u);
  EXPECT_EQ(counters_.probe_timeouts, 1u);
  EXPECT_EQ(counters_.probes_pending, 0u);
}

TEST_F(ProbeStageTest, ARetransmittedOfferReplacesTheWaitingOneAPromiseDoesNot) {
  PendingProbe first = offer_for("198.18.1.102", 1, 300);
  ASSERT_EQ(stage_.park(first), ProbeStage::Parked::Waiting);
  PendingProbe again = offer_for("198.18.1.102", 2, 400);
  EXPECT_EQ(stage_.park(again), ProbeStage::Parked::Duplicate);
  PendingProbe promise = offer_for("198.18.1.102", 3, 500);
  promise.held = Promise{LeaseChange{ip("198.18.1.102"), std::nullopt, std::nullopt}, std::nullopt};
  EXPECT_EQ(stage_.park(promise), ProbeStage::Parked::Duplicate);
  EXPECT_TRUE(std::holds_alternative<Promise>(promise.held)) << "left for the caller to undo";
  EXPECT_EQ(counters_.probes_sent, 1u);

  ProbeResults results;
  stage_.take_expired(300, results);
  ASSERT_EQ(results.released.size(), 1u);
  EXPECT_EQ(results.released[0].query.packet.xid, 2u);
}

// The prober's sockets are read on every batch only while a probe waits;
// otherwise once a second, and what is read then answers nobody.
TEST_F(ProbeStageTest, WithNothingWaitingTheProberIsReadOncePerDrainInterval) {
  prober_->unsolicited.push_back({ip("198.18.1.100"), kSquatterMac});
  ProbeResults results;
  EXPECT_TRUE(stage_.poll_answers(results, 5000)) << "an answer came";
  EXPECT_TRUE(results.empty()) << "and answered nobody";
  EXPECT_EQ(prober_->polls, 1u);
  for (int64_t ms = 5001; ms < 5000 + kIdleDrainIntervalMs; ms += 100) {
    EXPECT_FALSE(stage_.poll_answers(results, ms));
  }
  EXPECT_EQ(prober_->polls, 1u);
  EXPECT_FALSE(stage_.poll_answers(results, 5000 + kIdleDrainIntervalMs));
  EXPECT_EQ(prober_->polls, 2u);

  PendingProbe entry = offer_for("198.18.1.100", 7, 9000);
  ASSERT_EQ(stage_.park(entry), ProbeStage::Parked::Waiting);
  ASSERT_TRUE(stage_.poll_answers(results, 5000 + kIdleDrainIntervalMs + 1));
  EXPECT_EQ(prober_->polls, 3u) << "a waiting probe is polled for at once";
  ASSERT_EQ(results.conflicted.size(), 1u);
  EXPECT_EQ(counters_.probe_conflicts, 1u);
}

TEST_F(ProbeStageTest, AFullStageTakesNothing) {
  ProbeStage small(1, counters_);
  small.attach(std::make_unique<io::FakeProber>());
  PendingProbe first = offer_for("198.18.1.102", 1, 300);
  ASSERT_EQ(small.park(first), ProbeStage::Parked::Waiting);
  PendingProbe second = offer_for("198.18.1.103", 2, 300);
  EXPECT_EQ(small.park(second), ProbeStage::Parked::Full);
  EXPECT_EQ(second.query.packet.xid, 2u);
  EXPECT_EQ(small.take_all().size(), 1u);
  EXPECT_EQ(small.pending(), 0u);
}

}  // namespace
}  // namespace bs::server
