// Kea's ha-sync on a blackstart pair: the server fetches its partner's
// leases (a full dump) and answers once they are committed here; a wrong
// server name, an unreachable partner and bad arguments are refused.
#include <gtest/gtest.h>

#include "control_fixture.h"
#include "scenario/fake_partner_link.h"

namespace bs::control::test {
namespace {

ha::HaConfig pair_config(const std::string& self) {
  ha::HaConfig config;
  config.this_server_name = self;
  config.mode = ha::Mode::HotStandby;
  config.heartbeat_delay_ms = 1000;
  config.max_ack_delay_ms = 500;
  config.sync_page_limit = 2;
  config.peers = {ha::Peer{"one", "", Ip4{1}, 1, ha::Role::Primary},
                  ha::Peer{"two", "", Ip4{2}, 1, ha::Role::Standby}};
  return config;
}

Lease partner_lease(uint8_t last) {
  Lease lease;
  lease.address = Ip4{ip("198.18.1.100").value + last};
  const uint8_t mac[6] = {2, 0xdd, 0, 0, 0, last};
  lease.hw_address = make_hwaddr(mac);
  lease.subnet_id = 1;
  lease.valid_lifetime_s = 3600;
  lease.cltt_s = 1'000;
  return lease;
}

class HaSyncTest : public ControlTest {
 protected:
  void SetUp() override {
    ControlTest::SetUp();
    // The partner: its own server, holding leases this one never heard of.
    std::vector<LeaseChange> rows;
    for (uint8_t last = 1; last <= 5; ++last) {
      rows.push_back(LeaseChange{partner_lease(last).address, std::nullopt, partner_lease(last)});
    }
    ASSERT_TRUE(partner_store_.commit(rows));
    auto parsed = config::parse_config(office_config("/unused.sqlite3"), "two.json");
    ASSERT_TRUE(parsed);
    partner_config_ = *parsed;
    auto created =
        server::Server::create(partner_config_, partner_store_, partner_transport_, partner_clock_);
    ASSERT_TRUE(created) << created.error();
    partner_ = std::move(*created);
    server_->attach_partner(wire_.end(clock_, 0), pair_config("one"));
    partner_->attach_partner(wire_.end(partner_clock_, 1), pair_config("two"));
    server::Server* raw = partner_.get();
    wire_.pump[1] = [raw] { raw->partner()->poll(0); };
    server::Server* self = server_.get();
    wire_.pump[0] = [self] { self->partner()->poll(0); };
    for (int round = 0; round < 20; ++round) {
      clock_.advance_ms(300);
      server_->partner()->poll(0);
      partner_clock_.advance_ms(300);
      partner_->partner()->poll(0);
    }
    ASSERT_TRUE(ha::is_normal(server_->partner()->pair().state()));
  }
  void TearDown() override {
    partner_.reset();
    ControlTest::TearDown();
  }

  size_t partner_rows_here() {
    size_t count = 0;
    for (const Lease& row : store_.rows()) count += row.hw_address.bytes[1] == 0xdd ? 1 : 0;
    return count;
  }

  testing::FakePartnerWire wire_;
  store::MemoryLeaseStore partner_store_;
  io::FakeTransport partner_transport_{{testing::office_link()}};
  FakeClock partner_clock_;
  config::Config partner_config_;
  std::unique_ptr<server::Server> partner_;
};

TEST_F(HaSyncTest, FetchesEveryLeaseOfThePartner) {
  ASSERT_EQ(partner_rows_here(), 0u);
  const uint64_t pages_before = server_->partner()->counters().sync_pages_applied;
  const Json answer = run("ha-sync", Json{{"server-name", "two"}, {"max-period", 5}});
  EXPECT_EQ(answer["result"], 0) << answer.dump();
  EXPECT_EQ(partner_rows_here(), 5u);
  // 5 rows at 2 a page, then the journal's (empty) tail.
  EXPECT_EQ(server_->partner()->counters().sync_pages_applied - pages_before, 4u);
  // Kea's form without arguments works too, and is idempotent.
  EXPECT_EQ(run("ha-sync")["result"], 0);
  EXPECT_EQ(partner_rows_here(), 5u);
}

TEST_F(HaSyncTest, RefusesAnotherServerNameBadArgumentsAndASilentPartner) {
  EXPECT_EQ(run("ha-sync", Json{{"server-name", "three"}})["result"], 1);
  EXPECT_EQ(run("ha-sync", Json{{"max-period", 0}})["result"], 1);
  EXPECT_EQ(run("ha-sync", Json{{"max-period", "soon"}})["result"], 1);
  EXPECT_EQ(run("ha-sync", Json{{"origin", 1}})["result"], 1);
  wire_.cut = true;
  wire_.pump[1] = nullptr;
  clock_.advance_ms(5000);
  const Json answer = run("ha-sync", Json{{"server-name", "two"}});
  EXPECT_EQ(answer["result"], 1);
  EXPECT_NE(answer["text"].get<std::string>().find("not reachable"), std::string::npos);
  EXPECT_EQ(partner_rows_here(), 0u);
}

}  // namespace
}  // namespace bs::control::test
