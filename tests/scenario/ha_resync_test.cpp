// The HA resync after a return, with two in-process servers on the fake
// partner link (fake_partner_link.h): what the survivor did while its
// partner was away (grants, renewals, releases, declines, expiries) reaches
// the partner when it comes back, also when the survivor restarted in
// between (its journal read back from disk) and when the journal no longer
// reaches back far enough (a full dump); ten minutes of clock skew change
// no lease end; two servers that both changed one address while
// partitioned end holding the same single client for it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "fake_partner_link.h"
#include "ha/state_file.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

std::string resync_config(const std::string& self, const std::string& mode) {
  const std::string other_role = mode == "hot-standby" ? "standby" : "secondary";
  return R"({"Dhcp4": {
    "interfaces-config": {"interfaces": ["office0"]},
    "valid-lifetime": 3600,
    "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                 "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}]}],
    "hooks-libraries": [{"library": "libdhcp_ha.so", "parameters": {"high-availability": [{
      "this-server-name": ")" +
         self + R"(", "mode": ")" + mode + R"(",
      "heartbeat-delay": 1000, "max-ack-delay": 500, "max-response-delay": 4000,
      "max-unacked-clients": 0, "blackstart-mclt": 600, "sync-page-limit": 3,
      "peers": [{"name": "one", "url": "http://198.18.0.1:8647/", "role": "primary"},
                {"name": "two", "url": "http://198.18.0.2:8647/", "role": ")" +
         other_role + R"("}]}]}}]}})";
}

struct Member {
  config::Config config;
  store::MemoryLeaseStore store;
  io::FakeTransport transport{{office_link()}};
  FakeClock clock;
  std::unique_ptr<server::Server> server;
  std::string journal_path;
};

class HaResyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-ha-resync-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    for (Member& m : members_) m.server.reset();
    std::filesystem::remove_all(dir_);
  }

  void start(const std::string& mode, int64_t skew_s = 0) {
    members_[1].clock.advance_s(skew_s);
    for (int side = 0; side < 2; ++side) {
      Member& m = members_[side];
      auto parsed = config::parse_config(resync_config(side == 0 ? "one" : "two", mode), "ha.json");
      ASSERT_TRUE(parsed) << parsed.error().to_string();
      m.config = *parsed;
      m.journal_path = (dir_ / ("journal-" + std::to_string(side))).string();
      boot(side, {});
    }
    settle();
    ASSERT_TRUE(ha::is_normal(state(0)) && ha::is_normal(state(1)));
  }

  // (Re)creates side `side`'s server on its store, HA state and journal
  // file, as the daemon does at a start.
  void boot(int side, const ha::StateFile& saved) {
    Member& m = members_[side];
    m.server.reset();
    auto created = server::Server::create(m.config, m.store, m.transport, m.clock);
    ASSERT_TRUE(created) << created.error();
    m.server = std::move(*created);
    m.server->attach_partner(wire_.end(m.clock, side), *m.config.ha,
                             ha::restore_after_start(saved));
    auto journal =
        ha::Journal::open(m.journal_path, ha::kJournalEntries, saved.persisted.own_sequence);
    ASSERT_TRUE(journal) << journal.error();
    m.server->partner()->set_journal(std::move(*journal));
    server::Server* raw = m.server.get();
    wire_.pump[side] = [raw] { raw->partner()->poll(0); };
  }

  // A restart (or a power cut: what the state file and the journal hold).
  void restart(int side) {
    const ha::Persisted persisted = members_[side].server->partner()->pair().persisted();
    boot(side, ha::StateFile{persisted, persisted.own_sequence + ha::kSequenceBlock});
  }

  void cut() {
    wire_.cut = true;
    for (auto& inbox : wire_.inbox) inbox.clear();
  }

  // Side `side` goes dark; the other notices and serves alone.
  void kill(int side) {
    cut();
    wire_.pump[side] = nullptr;
    members_[side].server.reset();
    Member& other = members_[1 - side];
    other.clock.advance_ms(5000);
    other.server->partner()->poll(0);
    ASSERT_EQ(state(1 - side), ha::State::PartnerUnreachable);
  }

  void settle(int rounds = 40) {
    for (int round = 0; round < rounds; ++round) {
      for (Member& m : members_) {
        if (!m.server) continue;
        m.clock.advance_ms(300);
        m.server->partner()->poll(0);
      }
      if (ha::is_normal(state(0)) && ha::is_normal(state(1))) return;
    }
  }

  ha::State state(int side) { return members_[side].server->partner()->pair().state(); }
  const server::ReplicationCounters& counters(int side) {
    return members_[side].server->partner()->counters();
  }

  // Both stores hold the same rows: same client, same state, and the same
  // end read on each server's own clock (within a second). `dumped`: the
  // rows crossed by full dump, which sends the engine's row where the
  // journal no longer has the stored one, and the engine keeps a lease's
  // uncapped time (the MCLT cap is applied to the stored copy only): the
  // partner may then hold it longer, never shorter.
  void expect_same_leases(bool dumped = false) {
    std::map<uint32_t, Lease> rows[2];
    for (int side = 0; side < 2; ++side) {
      for (const Lease& lease : members_[side].store.rows())
        rows[side][lease.address.value] = lease;
    }
    EXPECT_EQ(rows[0].size(), rows[1].size());
    for (const auto& [address, mine] : rows[0]) {
      const auto it = rows[1].find(address);
      ASSERT_NE(it, rows[1].end()) << to_string(Ip4{address}) << " missing on the partner";
      const Lease& theirs = it->second;
      EXPECT_EQ(mine.hw_address, theirs.hw_address) << to_string(Ip4{address});
      EXPECT_EQ(mine.client_id, theirs.client_id) << to_string(Ip4{address});
      const int64_t left_0 = mine.expires_at_s() - members_[0].clock.now_s();
      const int64_t left_1 = theirs.expires_at_s() - members_[1].clock.now_s();
      // A lease past its end protects nobody on either side, whether a
      // server has swept it to reclaimed yet or not (the returning one
      // sweeps what it receives already expired; these tests only poll
      // the survivor's link, so it never sweeps).
      const bool ended_0 = !mine.bound_at(members_[0].clock.now_s());
      const bool ended_1 = !theirs.bound_at(members_[1].clock.now_s());
      EXPECT_EQ(ended_0, ended_1) << to_string(Ip4{address});
      if (ended_0 && ended_1) continue;
      EXPECT_EQ(mine.state, theirs.state) << to_string(Ip4{address});
      if (dumped) {
        EXPECT_GE(left_1, left_0 - 1) << to_string(Ip4{address});
      } else {
        EXPECT_LE(std::abs(left_0 - left_1), 1) << to_string(Ip4{address});
      }
    }
  }

  // What the survivor does alone: grants, a renewal, a release, a decline,
  // and time passing past some leases' ends.
  void serve_alone(int side) {
    server::Server& server = *members_[side].server;
    io::FakeTransport& transport = members_[side].transport;
    Ip4 bound[6];
    for (uint8_t i = 0; i < 6; ++i) {
      TestClient client(transport, server, static_cast<uint8_t>(10 + i));
      bound[i] = client.dora();
      ASSERT_FALSE(bound[i].is_zero()) << int{i};
    }
    members_[side].clock.advance_s(100);
    TestClient renewing(transport, server, 11);
    auto renewed = renewing.request_renew(bound[1]);
    ASSERT_TRUE(renewed && renewed->packet.message_type() == MessageType::Ack);
    TestClient releasing(transport, server, 12);
    releasing.release(bound[2], office_link().address);
    TestClient declining(transport, server, 13);
    declining.decline(bound[3], office_link().address);
    // Past the first leases' MCLT-capped ends: they expire; a later one
    // takes one of them over.
    members_[side].clock.advance_s(700);
    TestClient late(transport, server, 30);
    ASSERT_FALSE(late.dora().is_zero());
  }

  std::filesystem::path dir_;
  FakePartnerWire wire_;
  Member members_[2];
};

TEST_F(HaResyncTest, AReturningPartnerGetsWhatTheSurvivorDidAlone) {
  start("hot-standby");
  const ha::Persisted standby = members_[1].server->partner()->pair().persisted();
  kill(1);
  serve_alone(0);
  wire_.cut = false;
  boot(1, ha::StateFile{standby, standby.own_sequence + ha::kSequenceBlock});
  settle();
  EXPECT_EQ(state(0), ha::State::HotStandby);
  EXPECT_EQ(state(1), ha::State::HotStandby);
  EXPECT_EQ(counters(0).sync_full_dumps_sent, 0u);
  EXPECT_GT(counters(1).sync_pages_applied, 1u);  // paged: 3 changes a page
  expect_same_leases();
}

TEST_F(HaResyncTest, TenMinutesOfClockSkewChangeNoLeaseEndAfterAResync) {
  start("hot-standby", 600);
  const ha::Persisted standby = members_[1].server->partner()->pair().persisted();
  kill(1);
  serve_alone(0);
  wire_.cut = false;
  members_[1].clock.advance_s(1200);  // the standby was away, and its clock runs ahead
  boot(1, ha::StateFile{standby, standby.own_sequence + ha::kSequenceBlock});
  settle();
  EXPECT_TRUE(ha::is_normal(state(1)));
  expect_same_leases();
}

TEST_F(HaResyncTest, TheSurvivorRestartedInBetweenSendsFromItsJournalOnDisk) {
  start("hot-standby");
  const ha::Persisted standby = members_[1].server->partner()->pair().persisted();
  kill(1);
  serve_alone(0);
  restart(0);  // the survivor loses everything it kept in memory
  wire_.cut = false;
  boot(1, ha::StateFile{standby, standby.own_sequence + ha::kSequenceBlock});
  settle();
  EXPECT_TRUE(ha::is_normal(state(0)));
  EXPECT_TRUE(ha::is_normal(state(1)));
  EXPECT_EQ(counters(0).sync_full_dumps_sent, 0u) << "the journal came back from disk";
  expect_same_leases();
}

TEST_F(HaResyncTest, AGapBeyondTheJournalIsBridgedByAFullDump) {
  start("hot-standby");
  const ha::Persisted standby = members_[1].server->partner()->pair().persisted();
  kill(1);
  // A journal of two entries: the survivor's changes overflow it.
  members_[0].server->partner()->set_journal(
      ha::Journal(2, members_[0].server->partner()->pair().own_sequence()));
  serve_alone(0);
  wire_.cut = false;
  boot(1, ha::StateFile{standby, standby.own_sequence + ha::kSequenceBlock});
  settle();
  EXPECT_TRUE(ha::is_normal(state(1)));
  EXPECT_EQ(counters(0).sync_full_dumps_sent, 1u);
  expect_same_leases(true);
}

TEST_F(HaResyncTest, TheSurvivorKeepsServingWhileThePartnerCatchesUp) {
  start("hot-standby");
  const ha::Persisted standby = members_[1].server->partner()->pair().persisted();
  kill(1);
  serve_alone(0);
  wire_.cut = false;
  boot(1, ha::StateFile{standby, standby.own_sequence + ha::kSequenceBlock});
  // First contact: both syncing; the survivor still answers.
  for (int round = 0; round < 2 && state(0) != ha::State::Syncing; ++round) {
    for (Member& m : members_) m.server->partner()->poll(0);
  }
  ASSERT_EQ(state(0), ha::State::Syncing);
  EXPECT_FALSE(members_[1].server->partner()->pair().serves(ha::ClientKey{{}, {}}))
      << "the returning server serves nobody until it has the survivor's changes";
  TestClient client(members_[0].transport, *members_[0].server, 50);
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.message_type(), MessageType::Offer);
  settle();
  EXPECT_TRUE(ha::is_normal(state(0)));
  expect_same_leases();
}

// A cut link and both servers in partner-down past MCLT: each may use any
// free address, and both hand out the same one to different clients.
TEST_F(HaResyncTest, BothChangedOneAddressWhilePartitionedAndOneClientKeepsIt) {
  start("load-balancing");
  cut();
  wire_.pump[0] = wire_.pump[1] = nullptr;
  for (Member& m : members_) {
    m.clock.advance_ms(5000);
    m.server->partner()->poll(0);
    ASSERT_TRUE(m.server->partner()->command_partner_down());
    m.clock.advance_s(601);
    m.server->partner()->poll(0);
  }
  const Ip4 contested = *parse_ip4("198.18.1.101");  // the secondary's share
  Ip4 granted[2];
  for (int side = 0; side < 2; ++side) {
    TestClient client(members_[side].transport, *members_[side].server,
                      static_cast<uint8_t>(60 + side));
    auto offer = client.discover(contested);
    ASSERT_TRUE(offer);
    auto ack = client.request_selecting(offer->packet.yiaddr, office_link().address);
    ASSERT_TRUE(ack && ack->packet.message_type() == MessageType::Ack);
    granted[side] = ack->packet.yiaddr;
  }
  ASSERT_EQ(granted[0], contested);
  ASSERT_EQ(granted[1], contested);
  wire_.cut = false;
  for (int side = 0; side < 2; ++side) {
    server::Server* raw = members_[side].server.get();
    wire_.pump[side] = [raw] { raw->partner()->poll(0); };
  }
  settle();
  EXPECT_TRUE(ha::is_normal(state(0)));
  EXPECT_TRUE(ha::is_normal(state(1)));
  expect_same_leases();
  // The owner's (the secondary's) client keeps it on both.
  for (const Member& m : members_) {
    for (const Lease& lease : m.store.rows()) {
      if (lease.address != contested) continue;
      EXPECT_EQ(lease.hw_address.bytes[5], 61);
    }
  }
  EXPECT_EQ(counters(0).sync_conflicts_taken + counters(1).sync_conflicts_taken, 1u);
  EXPECT_EQ(counters(0).sync_conflicts_kept + counters(1).sync_conflicts_kept, 1u);
}

}  // namespace
}  // namespace bs::testing
