// Two blackstart servers on one real PostgreSQL (unit/store/pg_server.h):
// an address another writer took is never given twice. A REQUEST whose
// change the database refuses is answered NAK while the rest of its batch
// commits and is ACKed, and the client then gets the next free address; an
// address the other server took is not offered at all once it announced it.
// Those tests fix the order of addresses (lowest free first, no spread); the
// last one shows that the spread search (Engine::set_search_spread) makes
// two servers' concurrent new leases collide rarely instead of always.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "store/pg_conn.h"
#include "store/pg_schema.h"
#include "store/pg_store.h"
#include "test_client.h"
#include "unit/store/pg_server.h"

namespace bs::testing {
namespace {

using wire::MessageType;

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}]}})";

Ip4 ip(const char* text) { return *parse_ip4(text); }

// One blackstart server: its own store connection, link and clock.
struct Member {
  explicit Member(const char* link_address) {
    io::InterfaceInfo link = office_link();
    link.address = ip(link_address);
    transport = std::make_unique<io::FakeTransport>(std::vector{link});
  }
  std::unique_ptr<store::PgLeaseStore> store;
  std::unique_ptr<io::FakeTransport> transport;
  FakeClock clock;
  std::unique_ptr<server::Server> server;
  Ip4 id() const { return transport->interfaces().front().address; }
};

class PgSharedTest : public store::test::PgSuite {
 protected:
  void SetUp() override {
    PgSuite::SetUp();
    auto parsed = config::parse_config(kConfig, "scenario.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    auto conn = store::pg_connect(options());
    ASSERT_TRUE(conn) << conn.error().message;
    ASSERT_TRUE(store::pg_db_init(conn->get(), "test"));
    start(a_);
    start(b_);
  }

  store::PgOptions options() const {
    store::PgOptions options;
    options.host = server().dir();
    options.port = store::test::PgServer::kPort;
    options.name = database_name();
    options.user = store::test::PgServer::kSuperuser;
    return options;
  }

  void start(Member& member, bool spread = false) {
    member.server.reset();
    auto opened = store::PgLeaseStore::open(options());
    ASSERT_TRUE(opened) << opened.error().message;
    member.store = std::move(*opened);
    server::ServerOptions server_options;
    server_options.spread_when_shared = spread;
    auto created = server::Server::create(config_, *member.store, *member.transport, member.clock,
                                          server_options);
    ASSERT_TRUE(created) << created.error();
    member.server = std::move(*created);
  }

  // A lease written by a writer that announces nothing (as Kea, or a
  // server whose notification has not arrived yet).
  void insert_silently(const char* address, const char* hwaddr_hex) {
    const std::string sql =
        "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, "
        "subnet_id, state) VALUES (" +
        std::to_string(ip(address).value) + ", '\\x" + hwaddr_hex + "', 3600, to_timestamp(" +
        std::to_string(a_.clock.now_s() + 3600) + "), 1, 0)";
    ASSERT_EQ(server().exec(sql, database_name()), "");
  }

  std::string holder(const char* address) {
    return server()
        .query("SELECT encode(hwaddr, 'hex') FROM lease4 WHERE address = " +
                   std::to_string(ip(address).value),
               database_name())
        .value_or("none");
  }

  // Runs empty rounds (each polls the store) until `member` has learnt
  // `rows` rows, or two seconds pass.
  static void wait_until_learnt(Member& member, uint64_t rows) {
    for (int tries = 0; tries < 40 && member.server->counters().rows_learnt < rows; ++tries) {
      usleep(50'000);
      member.server->run_once();
    }
  }

  config::Config config_;
  Member a_{"198.18.1.1"};
  Member b_{"198.18.1.2"};
};

// Both servers offered .100; the other writer's row is in the table first.
// B's REQUEST conflicts: NAK (not silence, not an ACK), B learns the row,
// and the client's next DISCOVER is offered .101, which it then gets.
TEST_F(PgSharedTest, ARequestThatConflictsIsNakedAndTheClientGetsTheNextAddress) {
  TestClient client(*b_.transport, *b_.server, 2);
  auto offer = client.discover();
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->packet.yiaddr, ip("198.18.1.100"));
  insert_silently("198.18.1.100", "02cc00000001");
  auto answer = client.request_selecting(ip("198.18.1.100"), b_.id());
  ASSERT_TRUE(answer) << "no answer: the conflict failed the batch";
  EXPECT_EQ(answer->packet.message_type(), MessageType::Nak);
  EXPECT_EQ(holder("198.18.1.100"), "02cc00000001");
  EXPECT_EQ(b_.server->counters().store_conflicts, 1u);
  EXPECT_EQ(client.dora(), ip("198.18.1.101"));
  EXPECT_EQ(holder("198.18.1.101"), "02cc00000002");
  b_.server->admin_engine().check_invariants();
}

// One batch of two REQUESTs, one of them conflicting: the other commits
// and is ACKed in the same batch.
TEST_F(PgSharedTest, TheRestOfAConflictedBatchCommitsAndIsAcked) {
  TestClient loser(*b_.transport, *b_.server, 2);
  TestClient winner(*b_.transport, *b_.server, 3);
  winner.xid = 0x2000;
  ASSERT_EQ(loser.discover()->packet.yiaddr, ip("198.18.1.100"));
  ASSERT_EQ(winner.discover()->packet.yiaddr, ip("198.18.1.101"));
  insert_silently("198.18.1.100", "02cc00000001");
  for (TestClient* client : {&loser, &winner}) {
    wire::Packet request = client->query(MessageType::Request);
    request.set_ip(wire::opt::kRequestedAddress,
                   client == &loser ? ip("198.18.1.100") : ip("198.18.1.101"));
    request.set_ip(wire::opt::kServerId, b_.id());
    io::RxPacket rx;
    rx.payload = wire::encode(request, 1472);
    rx.ifindex = 2;
    b_.transport->inject(std::move(rx));
  }
  b_.server->run_once();
  size_t acks = 0;
  size_t naks = 0;
  for (const io::TxPacket& sent : b_.transport->take_sent()) {
    auto reply = wire::decode(sent.payload);
    ASSERT_TRUE(reply);
    if (reply->message_type() == MessageType::Ack) {
      ++acks;
      EXPECT_EQ(reply->yiaddr, ip("198.18.1.101"));
      EXPECT_EQ(reply->xid, winner.xid);
    }
    if (reply->message_type() == MessageType::Nak) {
      ++naks;
      EXPECT_EQ(reply->xid, loser.xid);
    }
  }
  EXPECT_EQ(acks, 1u);
  EXPECT_EQ(naks, 1u);
  EXPECT_EQ(holder("198.18.1.101"), "02cc00000003");
  EXPECT_EQ(holder("198.18.1.100"), "02cc00000001");
}

// A takes .100 and announces it; B, polling between batches, never offers
// it: its first offer is .101, with no conflict needed.
TEST_F(PgSharedTest, AnAddressAnotherServerTookIsNeverOffered) {
  TestClient on_a(*a_.transport, *a_.server, 1);
  TestClient on_b(*b_.transport, *b_.server, 2);
  ASSERT_EQ(on_a.dora(), ip("198.18.1.100"));
  // The announcement reaches B's connection shortly after A's COMMIT.
  wait_until_learnt(b_, 1);
  for (int round = 0; round < 3; ++round) {
    auto offer = on_b.discover();
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.101"));
  }
  EXPECT_EQ(on_b.dora(), ip("198.18.1.101"));
  EXPECT_EQ(b_.server->counters().store_conflicts, 0u);
  EXPECT_GE(b_.server->counters().rows_learnt, 1u);
  // A releases .100: B learns that too, and offers .100 again to a new
  // client (lowest free address).
  on_a.release(ip("198.18.1.100"), a_.id());
  wait_until_learnt(b_, 2);
  TestClient third(*b_.transport, *b_.server, 3);
  auto offer = third.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.100"));
}

// Rounds in which both servers offer new addresses before either commits
// (as when their clients arrive at the same moment), then A's clients and
// then B's REQUEST; returns how many of B's clients were NAKed because A
// took their address first. Both servers learn each round's rows before
// the next.
size_t naks_in_concurrent_rounds(Member& a, Member& b, size_t rounds, uint8_t per_round) {
  size_t naks = 0;
  uint64_t acked_on_a = 0;
  uint64_t acked_on_b = 0;
  uint16_t next_client = 1;
  for (size_t round = 0; round < rounds; ++round) {
    std::vector<std::pair<TestClient, Ip4>> on_a;
    std::vector<std::pair<TestClient, Ip4>> on_b;
    for (uint8_t i = 0; i < per_round; ++i) {
      for (auto* side : {&on_a, &on_b}) {
        Member& member = side == &on_a ? a : b;
        TestClient client(*member.transport, *member.server, 0);
        client.hw_ = {0x02,
                      0xdd,
                      0,
                      0,
                      static_cast<uint8_t>(next_client >> 8),
                      static_cast<uint8_t>(next_client)};
        client.xid = next_client++;
        auto offer = client.discover();
        EXPECT_TRUE(offer && offer->packet.message_type() == MessageType::Offer);
        side->emplace_back(client, offer ? offer->packet.yiaddr : Ip4{});
      }
    }
    for (auto* side : {&on_a, &on_b}) {
      Member& member = side == &on_a ? a : b;
      for (auto& [client, offered] : *side) {
        auto answer = client.request_selecting(offered, member.id());
        EXPECT_TRUE(answer);
        if (!answer) continue;
        if (answer->packet.message_type() == MessageType::Nak) ++naks;
        if (answer->packet.message_type() == MessageType::Ack) {
          ++(side == &on_a ? acked_on_a : acked_on_b);
        }
      }
    }
    // The announcements of this round's commits reach the other server.
    for (int tries = 0; tries < 40 && (a.server->counters().rows_learnt < acked_on_b ||
                                       b.server->counters().rows_learnt < acked_on_a);
         ++tries) {
      usleep(50'000);
      a.server->run_once();
      b.server->run_once();
    }
  }
  return naks;
}

// 10 rounds of 5 new clients per server on a 3000-address pool. Lowest
// free first: B's five offers are A's five addresses every round, 50 NAKs.
// Spread: the two servers' searches start at different places, so a NAK
// needs two starts in the same run of used addresses in one round.
TEST_F(PgSharedTest, SpreadSearchesMakeConcurrentServersCollideRarely) {
  constexpr const char* kWide = R"({"Dhcp4": {
    "interfaces-config": {"interfaces": ["office0"]},
    "lease-database": {"type": "sqlite", "name": "/unused"},
    "valid-lifetime": 3600,
    "subnet4": [{"id": 1, "subnet": "198.18.0.0/20",
                 "pools": [{"pool": "198.18.4.1 - 198.18.15.254"}]}]}})";
  auto parsed = config::parse_config(kWide, "scenario.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  config_ = *parsed;
  start(a_, false);
  start(b_, false);
  const size_t naks_lowest_first = naks_in_concurrent_rounds(a_, b_, 10, 5);
  ASSERT_EQ(server().exec("DELETE FROM lease4", database_name()), "");
  start(a_, true);
  start(b_, true);
  const size_t naks_spread = naks_in_concurrent_rounds(a_, b_, 10, 5);
  std::printf("concurrent new leases, 50 per server: B's NAKs lowest-first %zu, spread %zu\n",
              naks_lowest_first, naks_spread);
  EXPECT_EQ(naks_lowest_first, 50u);
  EXPECT_LE(naks_spread, 2u);
  EXPECT_EQ(server().query("SELECT count(*) FROM lease4", database_name()).value_or(""),
            std::to_string(100 - naks_spread));
  a_.server->admin_engine().check_invariants();
  b_.server->admin_engine().check_invariants();
}

}  // namespace
}  // namespace bs::testing
