// The pipeline against a failing lease store: while it fails no ACK leaves
// and the engine keeps nothing of the failed batches; the server's
// StoreHealth tracks the outage; when the store works again the same client
// gets its lease, without a restart.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

class StoreFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = config::parse_config(kSmallOfficeConfig, "office.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    auto created = server::Server::create(config_, store_, transport_, clock_);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
  }

  config::Config config_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{office_link()}};
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
  const Ip4 server_id_ = *parse_ip4("198.18.1.1");
};

TEST_F(StoreFaultTest, DiskFullWithholdsAcksThenRecoversWithoutRestart) {
  TestClient early(transport_, *server_, 1);
  const Ip4 held = early.dora();
  ASSERT_FALSE(held.is_zero());
  EXPECT_FALSE(server_->store_health().failing());

  store_.set_failing(true, store::StoreFault::DiskFull);
  TestClient pc(transport_, *server_, 2);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto offer = pc.discover();
    ASSERT_TRUE(offer) << "OFFERs promise nothing and still go out";
    EXPECT_FALSE(pc.request_selecting(offer->packet.yiaddr, server_id_));
    clock_.advance_s(2);
  }
  EXPECT_TRUE(server_->store_health().failing());
  EXPECT_EQ(server_->store_health().fault(), store::StoreFault::DiskFull);
  EXPECT_EQ(server_->store_health().failures_in_outage(), 3u);
  EXPECT_EQ(server_->counters().commit_failures, 3u);
  EXPECT_EQ(server_->counters().dropped(server::DropReason::CommitFailed), 3u);
  EXPECT_EQ(store_.rows().size(), 1u);
  // The earlier lease is untouched in memory.
  EXPECT_EQ(server_->engine().find_by_address(held)->state, LeaseState::Assigned);

  store_.set_failing(false);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  auto ack = pc.request_selecting(offer->packet.yiaddr, server_id_);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_FALSE(server_->store_health().failing());
  EXPECT_EQ(server_->store_health().outages(), 1u);
  EXPECT_EQ(store_.rows().size(), 2u);
}

}  // namespace
}  // namespace bs::testing
