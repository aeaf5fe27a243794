// The commit stage: what leaves before the commit, what only after, the
// newest-first revert of a failed batch, and the paired assertions that
// stop an ACK whose address no committed change grants.
#include "server/commit_stage.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "io/fake_transport.h"

namespace bs::server {
namespace {

using wire::MessageType;

constexpr int64_t kNow_s = 1'800'000'000;
Ip4 ip(const char* text) { return *parse_ip4(text); }

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}]}})";

// An encoded reply whose yiaddr on the wire is `on_wire`; `noted` is what
// the handler says it gives.
Reply reply(MessageType type, Ip4 noted, Ip4 on_wire) {
  wire::Packet packet;
  packet.op = wire::Op::BootReply;
  packet.yiaddr = on_wire;
  packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
  io::TxPacket tx;
  tx.payload = wire::encode(packet);
  return Reply{std::move(tx), type, noted, {}};
}
Reply reply(MessageType type, Ip4 address) { return reply(type, address, address); }

class CommitStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = config::parse_config(kConfig, "commit.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    engine_ = std::make_unique<alloc::Engine>(config_);
    client_.hw_address = make_hwaddr(std::array<uint8_t, 6>{2, 0xcc, 0, 0, 0, 1});
  }

  LeaseChange assign(const char* address) {
    auto change = engine_->assign(config_.subnets[0], client_, ip(address), kNow_s);
    EXPECT_TRUE(change);
    return *change;
  }

  config::Config config_;
  std::unique_ptr<alloc::Engine> engine_;
  alloc::ClientIdentity client_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{}};
  Counters counters_;
  CommitStage stage_{store_, transport_};
};

TEST_F(CommitStageTest, OffersLeaveBeforeTheCommitAndAcksOnlyAfter) {
  stage_.add(reply(MessageType::Offer, ip("198.18.1.101")));
  const LeaseChange change = assign("198.18.1.100");
  EXPECT_EQ(stage_.add(Promise{change, reply(MessageType::Ack, ip("198.18.1.100"))}), 0u);
  stage_.send_unpromised(counters_);
  EXPECT_EQ(transport_.take_sent().size(), 1u);
  EXPECT_EQ(store_.commit_count(), 0u);

  ASSERT_TRUE(stage_.commit(*engine_));
  EXPECT_EQ(stage_.durability(), Durability::Local);
  stage_.send_kept(counters_);
  EXPECT_EQ(transport_.take_sent().size(), 1u);
  EXPECT_EQ(store_.rows().size(), 1u);
  EXPECT_EQ(counters_.sent_by_type[static_cast<size_t>(MessageType::Ack)], 1u);
  EXPECT_EQ(counters_.sent_by_type[static_cast<size_t>(MessageType::Offer)], 1u);
  EXPECT_EQ(counters_.packets_sent, 2u);
}

// Two changes of one address: undone newest first, the address ends as it
// was before the first (free); oldest first would leave it assigned.
TEST_F(CommitStageTest, AFailedCommitRevertsNewestFirstAndWithholdsTheAcks) {
  const LeaseChange granted = assign("198.18.1.100");
  stage_.add(Promise{granted, reply(MessageType::Ack, ip("198.18.1.100"))});
  auto released = engine_->release(client_, ip("198.18.1.100"), kNow_s);
  ASSERT_TRUE(released);
  stage_.add(Promise{*released, std::nullopt});
  store_.set_failing(true);

  EXPECT_FALSE(stage_.commit(*engine_));
  EXPECT_EQ(stage_.durability(), Durability::None);
  stage_.send_kept(counters_);
  EXPECT_TRUE(transport_.take_sent().empty());
  EXPECT_EQ(counters_.dropped(DropReason::CommitFailed), 1u);
  const Lease* now = engine_->find_by_address(ip("198.18.1.100"));
  EXPECT_TRUE(now == nullptr || now->state != LeaseState::Assigned);
}

TEST_F(CommitStageTest, RevertNewestFirstIsTheOneUndo) {
  const LeaseChange granted = assign("198.18.1.100");
  auto released = engine_->release(client_, ip("198.18.1.100"), kNow_s);
  ASSERT_TRUE(released);
  const std::vector<LeaseChange> changes{granted, *released};
  revert_newest_first(*engine_, changes);
  const Lease* now = engine_->find_by_address(ip("198.18.1.100"));
  EXPECT_TRUE(now == nullptr || now->state != LeaseState::Assigned);
}

using CommitStageDeathTest = CommitStageTest;

TEST_F(CommitStageDeathTest, AnAckForAnotherAddressThanItsChangeAborts) {
  const LeaseChange change = assign("198.18.1.100");
  stage_.add(Promise{change, reply(MessageType::Ack, ip("198.18.1.101"))});
  ASSERT_TRUE(stage_.commit(*engine_));
  EXPECT_DEATH(stage_.send_kept(counters_), "assertion failed");
}

TEST_F(CommitStageDeathTest, AnAckWhoseBytesNameAnotherAddressAborts) {
  const LeaseChange change = assign("198.18.1.100");
  stage_.add(Promise{change, reply(MessageType::Ack, ip("198.18.1.100"), ip("198.18.1.101"))});
  ASSERT_TRUE(stage_.commit(*engine_));
  EXPECT_DEATH(stage_.send_kept(counters_), "assertion failed");
}

TEST_F(CommitStageDeathTest, AnAckPromisingNoGrantAborts) {
  assign("198.18.1.100");
  auto released = engine_->release(client_, ip("198.18.1.100"), kNow_s);
  ASSERT_TRUE(released);
  stage_.add(Promise{*released, reply(MessageType::Ack, ip("198.18.1.100"))});
  ASSERT_TRUE(stage_.commit(*engine_));
  EXPECT_DEATH(stage_.send_kept(counters_), "assertion failed");
}

TEST_F(CommitStageDeathTest, AnAckGivingAnAddressOutsideAPromiseAborts) {
  EXPECT_DEATH(stage_.add(reply(MessageType::Ack, ip("198.18.1.100"))), "assertion failed");
  // Noted as INFORM's (no address) but the bytes give one.
  stage_.add(reply(MessageType::Ack, Ip4{}, ip("198.18.1.100")));
  EXPECT_DEATH(stage_.send_unpromised(counters_), "assertion failed");
}

}  // namespace
}  // namespace bs::server
