// Two blackstart servers on one real PostgreSQL (unit/store/pg_server.h):
// an address another writer took is never given twice. A REQUEST whose
// change the database refuses is answered NAK while the rest of its batch
// commits and is ACKed, and the client then gets the next free address; an
// address the other server took is not offered at all once it announced it.
#include <gtest/gtest.h>

#include <memory>

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

  void start(Member& member) {
    auto opened = store::PgLeaseStore::open(options());
    ASSERT_TRUE(opened) << opened.error().message;
    member.store = std::move(*opened);
    auto created = server::Server::create(config_, *member.store, *member.transport, member.clock);
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

}  // namespace
}  // namespace bs::testing
