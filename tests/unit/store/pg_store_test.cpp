// The PostgreSQL lease store against a real PostgreSQL 15 (pg_server.h):
// Kea's schema as kea-admin makes it, the round trip, the two ways a second
// server is kept from taking an address (unique insert, conditional
// update), the durability refusal, schema versions, and a killed backend.
#include "store/pg_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "pg_server.h"
#include "store/pg_conn.h"
#include "store/pg_schema.h"
#include "store_fixture.h"

namespace bs::store {
namespace {

using test::upsert;

// full_lease() with the Ethernet hardware type: Kea's lease4 has no column
// for the type, so every row loads as Ethernet (htype 1), as Kea reads it.
Lease full_lease(uint32_t n) {
  Lease lease = test::full_lease(n);
  lease.hw_address.htype = 1;
  return lease;
}

class PgStoreTest : public test::PgSuite {
 protected:
  PgOptions options() const {
    PgOptions options;
    options.host = server().dir();
    options.port = test::PgServer::kPort;
    options.name = database_name();
    options.user = test::PgServer::kSuperuser;
    return options;
  }

  void init_schema() {
    auto conn = pg_connect(options());
    ASSERT_TRUE(conn) << conn.error().message;
    auto made = pg_db_init(conn->get(), "test");
    ASSERT_TRUE(made) << made.error().message;
  }

  std::unique_ptr<PgLeaseStore> open_store() {
    auto store = PgLeaseStore::open(options());
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }

  std::string count(const std::string& where = "true") {
    return server()
        .query("SELECT count(*) FROM lease4 WHERE " + where, database_name())
        .value_or("?");
  }

  static std::vector<Lease> sorted(std::vector<Lease> leases) {
    std::sort(leases.begin(), leases.end(),
              [](const Lease& a, const Lease& b) { return a.address < b.address; });
    return leases;
  }
};

// Kea-admin's schema (Kea 2.2, schema 13.0) is what the store runs on.
TEST_F(PgStoreTest, RunsOnTheSchemaKeaAdminCreates) {
  const std::string command = "kea-admin db-init pgsql -h " + server().dir() + " -u " +
                              test::PgServer::kSuperuser + " -n " + database_name() +
                              " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto conn = pg_connect(options());
  ASSERT_TRUE(conn);
  auto kea = read_kea_schema_version(conn->get());
  ASSERT_TRUE(kea);
  EXPECT_EQ(kea->value_or(""), "13.0");
  // Before blackstart-admin db-init: refused, saying what to run.
  auto refused = PgLeaseStore::open(options());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("blackstart-admin db-init"), std::string::npos);
  init_schema();
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1))}));
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ(leases->front(), full_lease(1));
  // Kea's own statistics triggers saw the insert.
  EXPECT_EQ(server().query("SELECT sum(leases) FROM lease4_stat", database_name()), "1");
}

// blackstart-admin's own lease4 has the columns, types, nullability and
// defaults of kea-admin's, so the store behaves the same on either.
TEST_F(PgStoreTest, OwnLease4MatchesKeaAdminsColumns) {
  const std::string columns =
      "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || "
      "coalesce(column_default, '-') || ' ' || coalesce(character_maximum_length::text, '-'), "
      "', ' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'lease4'";
  ASSERT_EQ(server().exec("CREATE DATABASE kea_made"), "");
  const std::string command = "kea-admin db-init pgsql -h " + server().dir() + " -u " +
                              test::PgServer::kSuperuser + " -n kea_made >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  init_schema();
  const auto ours = server().query(columns, database_name());
  const auto keas = server().query(columns, "kea_made");
  ASSERT_TRUE(ours && keas);
  EXPECT_EQ(*ours, *keas);
  const std::string primary_key =
      "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'lease4'::regclass "
      "AND contype = 'p'";
  EXPECT_EQ(server().query(primary_key, database_name()), server().query(primary_key, "kea_made"));
}

TEST_F(PgStoreTest, TheHardwareTypeIsNotKeptAsKeasTableHasNoColumnForIt) {
  init_schema();
  auto store = open_store();
  ASSERT_TRUE(store);
  Lease token_ring = full_lease(1);
  token_ring.hw_address.htype = 6;
  ASSERT_TRUE(store->commit(std::vector{upsert(token_ring)}));
  auto leases = store->load_all();
  ASSERT_TRUE(leases && leases->size() == 1);
  EXPECT_EQ(leases->front().hw_address.htype, 1);
  EXPECT_EQ(leases->front().hw_address.view().size(), 6u);
}

TEST_F(PgStoreTest, CommittedLeasesLoadBackExactly) {
  init_schema();
  std::vector<Lease> expected;
  std::vector<LeaseChange> changes;
  for (uint32_t n = 1; n <= 40; ++n) {
    expected.push_back(full_lease(n));
    changes.push_back(upsert(expected.back()));
  }
  expected[3].client_id.clear();
  expected[4].hostname.clear();
  expected[5].hw_address = HwAddr{};
  changes[3] = upsert(expected[3]);
  changes[4] = upsert(expected[4]);
  changes[5] = upsert(expected[5]);
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    auto committed = store->commit(changes);
    ASSERT_TRUE(committed) << committed.error().message;
  }
  auto store = open_store();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases) << leases.error().message;
  EXPECT_EQ(sorted(*leases), expected);
  // Times are stored as instants: expire is cltt + valid_lifetime.
  EXPECT_EQ(
      server().query("SELECT extract(epoch FROM expire)::bigint FROM lease4 WHERE address = " +
                         std::to_string(expected[0].address.value),
                     database_name()),
      std::to_string(expected[0].expires_at_s()));
}

// A second server inserting an address the first already holds fails on
// lease4's primary key, says which address, and leaves nothing of its batch.
TEST_F(PgStoreTest, ASecondInsertOfAnAddressIsAConflict) {
  init_schema();
  auto first = open_store();
  auto second = open_store();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->commit(std::vector{upsert(full_lease(1))}));
  Lease theirs = full_lease(1);
  theirs.hostname = "second-server";
  const std::vector<LeaseChange> batch{upsert(full_lease(2)), upsert(theirs)};
  auto refused = second->commit(batch);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().fault, StoreFault::Conflict);
  EXPECT_EQ(refused.error().address, full_lease(1).address);
  EXPECT_NE(refused.error().message.find("198.18.0.1"), std::string::npos);
  EXPECT_EQ(count(), "1") << "the conflicting batch's other lease was kept";
  EXPECT_EQ(count("hostname = 'host-1'"), "1");
  // The connection is still good for the next batch.
  auto next = second->commit(std::vector{upsert(full_lease(2))});
  EXPECT_TRUE(next) << next.error().message;
  EXPECT_EQ(second->reconnect_count(), 0u);
}

// Reusing an expired lease is an UPDATE on (address, expire): of two servers
// that both saw the old row, only the first gets it.
TEST_F(PgStoreTest, ReuseOfAnExpiredLeaseIsConditionalOnItsExpiry) {
  init_schema();
  auto first = open_store();
  auto second = open_store();
  ASSERT_TRUE(first && second);
  const Lease old = full_lease(1);
  ASSERT_TRUE(first->commit(std::vector{upsert(old)}));
  Lease mine = full_lease(7);
  mine.address = old.address;
  mine.cltt_s = old.cltt_s + 100'000;
  Lease theirs = full_lease(8);
  theirs.address = old.address;
  theirs.cltt_s = old.cltt_s + 100'001;
  auto reused = first->commit(std::vector{LeaseChange{old.address, old, mine}});
  ASSERT_TRUE(reused) << reused.error().message;
  auto refused = second->commit(std::vector{LeaseChange{old.address, old, theirs}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().fault, StoreFault::Conflict);
  EXPECT_EQ(refused.error().address, old.address);
  // A conditional delete of the stale row is refused the same way.
  auto deleted = second->commit(std::vector{LeaseChange{old.address, old, std::nullopt}});
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().fault, StoreFault::Conflict);
  auto leases = second->load_all();
  ASSERT_TRUE(leases);
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ(leases->front(), mine);
  // The owner's own renewal and release, against what it last wrote, work.
  Lease renewed = mine;
  renewed.cltt_s += 60;
  ASSERT_TRUE(first->commit(std::vector{LeaseChange{old.address, mine, renewed}}));
  ASSERT_TRUE(first->commit(std::vector{LeaseChange{old.address, renewed, std::nullopt}}));
  EXPECT_EQ(count(), "0");
}

TEST_F(PgStoreTest, SynchronousCommitOffIsRefusedWithTheReason) {
  init_schema();
  ASSERT_EQ(server().exec("ALTER DATABASE " + database_name() + " SET synchronous_commit = off"),
            "");
  auto refused = PgLeaseStore::open(options());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("synchronous_commit is off"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("lose ACKed leases"), std::string::npos);
  PgOptions accepting = options();
  accepting.fsync = false;
  EXPECT_TRUE(PgLeaseStore::open(accepting));
}

// With a synchronous standby configured, only the levels that wait for the
// standby's flush are accepted. Its own server: the setting is server-wide.
TEST_F(PgStoreTest, WithASynchronousStandbyLocalAndRemoteWriteAreRefused) {
  std::string error;
  auto own = test::PgServer::start(error);
  ASSERT_TRUE(own) << error;
  ASSERT_EQ(own->exec("CREATE DATABASE leases"), "");
  PgOptions options = this->options();
  options.host = own->dir();
  options.name = "leases";
  {
    auto conn = pg_connect(options);
    ASSERT_TRUE(conn);
    ASSERT_TRUE(pg_db_init(conn->get(), "test"));
  }
  // There is no standby: the test's own writes must not wait for one.
  constexpr const char* kNoWait = "SET synchronous_commit = local; ";
  ASSERT_EQ(own->exec("ALTER SYSTEM SET synchronous_standby_names = 'bs_standby'"), "");
  ASSERT_EQ(own->exec("SELECT pg_reload_conf()"), "");
  for (const char* level : {"local", "remote_write"}) {
    ASSERT_EQ(
        own->exec(std::string(kNoWait) + "ALTER DATABASE leases SET synchronous_commit = " + level),
        "");
    std::optional<std::string> refusal;
    for (int tries = 0; tries < 50 && !refusal; ++tries) {
      auto store = PgLeaseStore::open(options);
      if (!store) refusal = store.error().message;
      if (!refusal) usleep(100'000);  // the reload reaches new sessions soon
    }
    ASSERT_TRUE(refusal) << level << " was accepted";
    EXPECT_NE(refusal->find(std::string("synchronous_commit is ") + level), std::string::npos)
        << *refusal;
    EXPECT_NE(refusal->find("on or remote_apply"), std::string::npos) << *refusal;
  }
  ASSERT_EQ(own->exec(std::string(kNoWait) + "ALTER DATABASE leases SET synchronous_commit = "
                                             "remote_apply"),
            "");
  EXPECT_TRUE(PgLeaseStore::open(options));
  ASSERT_EQ(own->exec(std::string(kNoWait) + "ALTER DATABASE leases SET synchronous_commit = on"),
            "");
  EXPECT_TRUE(PgLeaseStore::open(options));
}

TEST_F(PgStoreTest, ASchemaVersionItDoesNotKnowIsRefusedWithTheNumbers) {
  init_schema();
  ASSERT_EQ(
      server().exec("UPDATE blackstart_schema_version SET version = 2, minor = 3", database_name()),
      "");
  auto refused = PgLeaseStore::open(options());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("2.3 is newer than this blackstart's 1.0"),
            std::string::npos)
      << refused.error().message;
  auto conn = pg_connect(options());
  ASSERT_TRUE(conn);
  auto upgrade = pg_db_upgrade(conn->get(), "test");
  ASSERT_FALSE(upgrade);
  EXPECT_NE(upgrade.error().message.find("2.3"), std::string::npos);
}

TEST_F(PgStoreTest, AdminInitIsOneTimeAndUpgradeKeepsTheCurrentVersion) {
  init_schema();
  auto conn = pg_connect(options());
  ASSERT_TRUE(conn);
  auto again = pg_db_init(conn->get(), "test");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already initialised"), std::string::npos);
  auto upgraded = pg_db_upgrade(conn->get(), "test");
  ASSERT_TRUE(upgraded) << upgraded.error().message;
  EXPECT_EQ(*upgraded, kPgSchemaVersion);
  auto version = read_pg_schema_version(conn->get());
  ASSERT_TRUE(version && *version);
  EXPECT_EQ(**version, kPgSchemaVersion);
}

// A lost connection fails the batch in progress (no ACK), and the next
// commit connects afresh and succeeds.
TEST_F(PgStoreTest, AKilledBackendFailsOneBatchThenTheStoreReconnects) {
  init_schema();
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1))}));
  const int pid = store->backend_pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(server().exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")"), "");
  auto failed = store->commit(std::vector{upsert(full_lease(2))});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().fault, StoreFault::Unreachable) << failed.error().message;
  EXPECT_FALSE(store->connected());
  auto resumed = store->commit(std::vector{upsert(full_lease(3))});
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(store->reconnect_count(), 1u);
  EXPECT_NE(store->backend_pid(), pid);
  EXPECT_EQ(count(), "2");
  EXPECT_EQ(count("hostname = 'host-2'"), "0");
}

// The database's disk fills: lease4 lives in a tablespace on a 256 KiB
// tmpfs. The batch that does not fit fails as DiskFull and leaves nothing;
// once there is room again (the tmpfs grown) the next batch commits on the
// same store, no restart. Needs root for the mount.
TEST_F(PgStoreTest, ADiskFullBatchFailsWholeAndTheNextOneCommitsOnceThereIsRoom) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  init_schema();
  char dir_template[] = "/tmp/bs-pg-full.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  ASSERT_EQ(std::system(("mount -t tmpfs -o size=256k,mode=700 bs-pg-full " + dir).c_str()), 0);
  struct Unmount {
    std::string dir;
    ~Unmount() {
      (void)std::system(("umount -l " + dir).c_str());
      rmdir(dir.c_str());
    }
  } unmount{dir};
  ASSERT_EQ(std::system(("chown postgres " + dir).c_str()), 0);
  ASSERT_EQ(server().exec("CREATE TABLESPACE small LOCATION '" + dir + "'"), "");
  ASSERT_EQ(server().exec("ALTER TABLE lease4 SET TABLESPACE small", database_name()), "");
  auto store = open_store();
  ASSERT_TRUE(store);
  std::optional<StoreError> full;
  uint32_t next = 1;
  std::string stored = "0";
  for (int batch = 0; batch < 200 && !full; ++batch) {
    std::vector<LeaseChange> changes;
    for (int i = 0; i < 100; ++i) changes.push_back(upsert(full_lease(next++)));
    stored = count();
    auto committed = store->commit(changes);
    if (!committed) full = committed.error();
  }
  ASSERT_TRUE(full) << "256 KiB never filled";
  EXPECT_EQ(full->fault, StoreFault::DiskFull) << full->message;
  EXPECT_EQ(count(), stored) << "part of the failed batch stayed";
  ASSERT_EQ(std::system(("mount -o remount,size=4m " + dir).c_str()), 0);
  auto resumed = store->commit(std::vector{upsert(full_lease(next))});
  EXPECT_TRUE(resumed) << resumed.error().message;
  store.reset();
  (void)server().exec("DROP DATABASE " + database_name() + " WITH (FORCE)");
  (void)server().exec("DROP TABLESPACE small");
}

// Whatever a client calls itself, the batch it is in commits.
TEST_F(PgStoreTest, HostnamesTheColumnCannotHoldAreMadeToFit) {
  EXPECT_EQ(pg_hostname("printer"), "printer");
  EXPECT_EQ(pg_hostname(std::string("a\xff"
                                    "b",
                                    3)),
            "a\\xffb");
  EXPECT_EQ(pg_hostname(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(pg_hostname(std::string(300, 'x')).size(), 255u);
  std::string accented;
  for (int i = 0; i < 300; ++i) accented += "\xc3\xa9";  // é, 2 bytes
  EXPECT_EQ(pg_hostname(accented), accented.substr(0, 510));
  init_schema();
  auto store = open_store();
  ASSERT_TRUE(store);
  Lease odd = full_lease(1);
  odd.hostname = std::string("\xff\xfe\0", 3) + std::string(400, 'y');
  auto committed = store->commit(std::vector{upsert(odd), upsert(full_lease(2))});
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(count(), "2");
}

// Rows Kea writes may carry NULLs where blackstart writes empty values; a
// row without an expiry cannot be a lease and stops the load, naming it.
TEST_F(PgStoreTest, KeaStyleNullsLoadAndARowWithoutExpiryIsRefused) {
  init_schema();
  ASSERT_EQ(server().exec("INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, "
                          "subnet_id, hostname, state) VALUES (3323068421, NULL, NULL, 3600, "
                          "to_timestamp(1800003600), 1, NULL, NULL)",
                          database_name()),
            "");
  auto store = open_store();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases) << leases.error().message;
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ(leases->front().cltt_s, 1'800'000'000);
  EXPECT_TRUE(leases->front().client_id.empty());
  EXPECT_EQ(leases->front().state, LeaseState::Assigned);
  ASSERT_EQ(server().exec("UPDATE lease4 SET expire = NULL", database_name()), "");
  auto refused = store->load_all();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().fault, StoreFault::Corrupt);
  EXPECT_NE(refused.error().message.find("expire is NULL"), std::string::npos);
}

class PgSharedStoreTest : public PgStoreTest {};

// The packet path's commit: a conflicted change is left out and reported
// with the row the database holds, and the rest of the batch commits.
TEST_F(PgSharedStoreTest, CommitEachCommitsTheRestAndReportsTheDatabasesRow) {
  init_schema();
  auto first = open_store();
  auto second = open_store();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->commit(std::vector{upsert(full_lease(1))}));
  Lease theirs = full_lease(1);
  theirs.hostname = "second-server";
  const std::vector<LeaseChange> batch{upsert(full_lease(3)), upsert(theirs),
                                       upsert(full_lease(2))};
  std::vector<CommitConflict> conflicts;
  auto committed = second->commit_each(batch, conflicts);
  ASSERT_TRUE(committed) << committed.error().message;
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].index, 1u);
  ASSERT_TRUE(conflicts[0].current);
  EXPECT_EQ(*conflicts[0].current, full_lease(1));
  EXPECT_EQ(count(), "3");
  EXPECT_EQ(count("hostname = 'second-server'"), "0");
}

// A conditional update that finds the row changed is a conflict with the
// new row; a later change of the same address in the batch (built on the
// refused one) is conflicted too, and one of a deleted row reports none.
TEST_F(PgSharedStoreTest, ConditionalChangesConflictWithTheRowAsItIsNow) {
  init_schema();
  auto first = open_store();
  auto second = open_store();
  ASSERT_TRUE(first && second);
  const Lease old = full_lease(1);
  const Lease gone = full_lease(2);
  ASSERT_TRUE(first->commit(std::vector{upsert(old), upsert(gone)}));
  Lease mine = full_lease(7);
  mine.address = old.address;
  mine.cltt_s = old.cltt_s + 100'000;
  ASSERT_TRUE(first->commit(std::vector{LeaseChange{old.address, old, mine},
                                        LeaseChange{gone.address, gone, std::nullopt}}));
  Lease theirs = full_lease(8);
  theirs.address = old.address;
  theirs.cltt_s = old.cltt_s + 100'001;
  Lease theirs_renewed = theirs;
  theirs_renewed.cltt_s += 60;
  Lease reused = gone;
  reused.cltt_s += 5;
  const std::vector<LeaseChange> batch{LeaseChange{old.address, old, theirs}, upsert(full_lease(3)),
                                       LeaseChange{old.address, theirs, theirs_renewed},
                                       LeaseChange{gone.address, gone, reused}};
  std::vector<CommitConflict> conflicts;
  ASSERT_TRUE(second->commit_each(batch, conflicts));
  ASSERT_EQ(conflicts.size(), 3u);
  EXPECT_EQ(conflicts[0].index, 0u);
  EXPECT_EQ(conflicts[1].index, 2u);
  EXPECT_EQ(conflicts[2].index, 3u);
  ASSERT_TRUE(conflicts[0].current && conflicts[1].current);
  EXPECT_EQ(*conflicts[0].current, mine);
  EXPECT_EQ(*conflicts[1].current, mine);
  EXPECT_FALSE(conflicts[2].current);
  EXPECT_EQ(count(), "2");
}

// What one server commits the others hear of (NOTIFY in its transaction)
// and reread; a server does not hear its own commits, and a reconnection
// is reported once as lost track.
TEST_F(PgSharedStoreTest, OtherServersCommitsAreAnnouncedAndReread) {
  init_schema();
  auto first = open_store();
  auto second = open_store();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->commit(std::vector{upsert(full_lease(1)), upsert(full_lease(2))}));
  ASSERT_TRUE(
      first->commit(std::vector{LeaseChange{full_lease(2).address, full_lease(2), std::nullopt}}));
  // Delivery is asynchronous (a moment after the sender's COMMIT): what
  // the polls of up to two seconds heard, latest row per address.
  const auto hear = [](PgLeaseStore& store, size_t want) {
    std::map<uint32_t, std::optional<Lease>> heard;
    for (int tries = 0; tries < 40; ++tries) {
      auto polled = store.poll_changes();
      EXPECT_TRUE(polled);
      if (!polled) break;
      EXPECT_FALSE(polled->lost_track);
      for (const RowUpdate& row : polled->rows) heard[row.address.value] = row.current;
      if (heard.size() >= want && want > 0) break;
      usleep(50'000);
    }
    return heard;
  };
  // Two commits, two announcements, address 2 in both: the first poll
  // that has both addresses may come before the second announcement, so
  // everything is drained (two quiet seconds) before the latest rows count.
  auto heard = hear(*second, 2);
  for (const auto& [address, row] : hear(*second, 0)) heard[address] = row;
  ASSERT_EQ(heard.size(), 2u);
  ASSERT_TRUE(heard[full_lease(1).address.value]);
  EXPECT_EQ(*heard[full_lease(1).address.value], full_lease(1));
  EXPECT_FALSE(heard[full_lease(2).address.value]);
  // One commit is heard once, and not by the server that made it.
  ASSERT_TRUE(first->commit(std::vector{upsert(full_lease(3))}));
  EXPECT_EQ(hear(*second, 1).size(), 1u);
  EXPECT_TRUE(hear(*first, 0).empty()) << "a server heard its own commits";
  EXPECT_TRUE(hear(*second, 0).empty()) << "an announcement was heard twice";
  // A rolled-back batch (all-or-nothing commit with a conflict) announces
  // nothing.
  EXPECT_FALSE(first->commit(std::vector{upsert(full_lease(5)), upsert(full_lease(1))}));
  EXPECT_TRUE(hear(*second, 0).empty()) << "a rolled-back batch was announced";
  ASSERT_EQ(
      server().exec("SELECT pg_terminate_backend(" + std::to_string(second->backend_pid()) + ")"),
      "");
  EXPECT_FALSE(second->commit(std::vector{upsert(full_lease(6))}));
  ASSERT_TRUE(second->commit(std::vector{upsert(full_lease(6))}));
  auto lost = second->poll_changes();
  ASSERT_TRUE(lost);
  EXPECT_TRUE(lost->lost_track);
  auto after = second->poll_changes();
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->lost_track);
}

}  // namespace
}  // namespace bs::store
