// The SQLite lease store: round trips, durability settings, one transaction
// per batch, all-or-nothing commits, and refusing files it cannot trust.
#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <fstream>

#include "store_fixture.h"

namespace bs::store::test {
namespace {

using SqliteStoreTest = TempDir;

std::unique_ptr<SqliteLeaseStore> open_ok(const std::string& path, SqliteOptions options = {}) {
  auto store = SqliteLeaseStore::open(path, options);
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

std::vector<Lease> sorted(std::vector<Lease> leases) {
  std::sort(leases.begin(), leases.end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return leases;
}

// Runs SQL on a second connection, as an operator's sqlite3 shell would.
void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, NewDatabaseIsEmptyAndDescribesItself) {
  auto store = open_ok(path());
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_TRUE(leases->empty());
  EXPECT_EQ(store->describe(), "sqlite:" + path());
  EXPECT_EQ(*store->pragma("user_version"), "1");
}

TEST_F(SqliteStoreTest, EveryFieldRoundTrips) {
  std::vector<LeaseChange> changes;
  std::vector<Lease> written;
  for (uint32_t n = 1; n <= 6; ++n) {
    written.push_back(full_lease(n));
    changes.push_back(upsert(written.back()));
  }
  // Edge values: empty ids and hostname, 16-byte chaddr, extreme numbers.
  Lease edge;
  edge.address = Ip4{0xFFFFFFFFu};
  edge.hw_address.htype = 32;
  edge.hw_address.length = 16;
  edge.hw_address.bytes.fill(0xee);
  edge.subnet_id = UINT32_MAX;
  edge.valid_lifetime_s = UINT32_MAX;
  edge.cltt_s = 0;
  edge.state = LeaseState::Declined;
  written.push_back(edge);
  changes.push_back(upsert(edge));
  auto store = open_ok(path());
  ASSERT_TRUE(store->commit(changes));
  auto loaded = store->load_all();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(sorted(*loaded), sorted(written));
}

// Client strings are stored as bytes: not UTF-8, escapes and NUL included.
TEST_F(SqliteStoreTest, HostnameBytesRoundTripExactly) {
  Lease lease = full_lease(1);
  lease.hostname = std::string("\xff\xfe\x1b]0;pwn\x07") + '\0' + "tail";
  auto store = open_ok(path());
  ASSERT_TRUE(store->commit(std::vector{upsert(lease)}));
  auto loaded = store->load_all();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].hostname, lease.hostname);
}

// A name longer than any client can now leave behind (issue 9e) is cut to
// 255 bytes on load rather than kept or refused.
TEST_F(SqliteStoreTest, OverlongHostnameIsCappedOnLoad) {
  Lease lease = full_lease(1);
  lease.hostname = std::string(1000, 'h');
  auto store = open_ok(path());
  ASSERT_TRUE(store->commit(std::vector{upsert(lease)}));
  auto loaded = store->load_all();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].hostname, std::string(255, 'h'));
}

TEST_F(SqliteStoreTest, UpsertOverwritesAndEmptyAfterDeletes) {
  auto store = open_ok(path());
  Lease lease = full_lease(1);
  ASSERT_TRUE(store->commit(std::vector{upsert(lease)}));
  const Lease before = lease;
  lease.state = LeaseState::Reclaimed;
  lease.hostname = "renamed";
  lease.cltt_s += 100;
  ASSERT_TRUE(store->commit(std::vector{LeaseChange{lease.address, before, lease}}));
  auto loaded = store->load_all();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0], lease);
  ASSERT_TRUE(store->commit(std::vector{LeaseChange{lease.address, lease, std::nullopt}}));
  EXPECT_TRUE(store->load_all()->empty());
  // Deleting what is not there is not an error.
  EXPECT_TRUE(store->commit(std::vector{LeaseChange{lease.address, std::nullopt, std::nullopt}}));
}

TEST_F(SqliteStoreTest, ReopenSeesCommittedLeases) {
  {
    auto store = open_ok(path());
    ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1)), upsert(full_lease(2))}));
  }
  auto store = open_ok(path());
  auto loaded = store->load_all();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(sorted(*loaded), (std::vector{full_lease(1), full_lease(2)}));
}

TEST_F(SqliteStoreTest, WalModeAndFullSyncByDefault) {
  auto store = open_ok(path());
  EXPECT_EQ(*store->pragma("journal_mode"), "wal");
  EXPECT_EQ(*store->pragma("synchronous"), "2");  // FULL
}

TEST_F(SqliteStoreTest, FsyncOffMeansSynchronousOff) {
  auto store = open_ok(path(), SqliteOptions{.fsync = false});
  EXPECT_EQ(*store->pragma("journal_mode"), "wal");
  EXPECT_EQ(*store->pragma("synchronous"), "0");  // OFF
}

TEST_F(SqliteStoreTest, ABatchOfAThousandIsOneTransaction) {
  auto store = open_ok(path());
  std::vector<LeaseChange> batch;
  for (uint32_t n = 1; n <= 1000; ++n) batch.push_back(upsert(full_lease(n)));
  const uint64_t transactions_before = store->transaction_count();
  ASSERT_TRUE(store->commit(batch));
  EXPECT_EQ(store->transaction_count(), transactions_before + 1);
  EXPECT_EQ(store->load_all()->size(), 1000u);
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1))}));
  EXPECT_EQ(store->transaction_count(), transactions_before + 2);
  // An empty batch touches nothing.
  ASSERT_TRUE(store->commit({}));
  EXPECT_EQ(store->transaction_count(), transactions_before + 2);
}

TEST_F(SqliteStoreTest, FailureMidBatchLeavesNothing) {
  auto store = open_ok(path());
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1))}));
  // A trigger makes the 500th write of the batch fail inside the transaction.
  const Lease poison = full_lease(500);
  exec_sql(path(), "CREATE TRIGGER poison BEFORE INSERT ON leases WHEN NEW.address = " +
                       std::to_string(poison.address.value) +
                       " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  std::vector<LeaseChange> batch;
  for (uint32_t n = 2; n <= 1000; ++n) batch.push_back(upsert(full_lease(n)));
  Lease changed = full_lease(1);
  changed.hostname = "changed";
  batch.push_back(LeaseChange{changed.address, full_lease(1), changed});
  auto failed = store->commit(batch);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("injected failure"), std::string::npos);
  EXPECT_NE(failed.error().message.find(path()), std::string::npos);
  auto loaded = store->load_all();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, std::vector{full_lease(1)});
  // The store is usable afterwards.
  exec_sql(path(), "DROP TRIGGER poison;");
  ASSERT_TRUE(store->commit(batch));
  EXPECT_EQ(store->load_all()->size(), 1000u);
}

TEST_F(SqliteStoreTest, OffersAreRefusedAndNothingIsWritten) {
  auto store = open_ok(path());
  Lease offer = full_lease(2);
  offer.state = LeaseState::Offered;
  auto refused = store->commit(std::vector{upsert(full_lease(1)), upsert(offer)});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("offer"), std::string::npos);
  EXPECT_TRUE(store->load_all()->empty());
  LeaseChange mismatched = upsert(full_lease(3));
  mismatched.address = full_lease(4).address;
  EXPECT_FALSE(store->commit(std::vector{mismatched}));
}

TEST_F(SqliteStoreTest, GarbageFileIsAnErrorNamingIt) {
  {
    std::ofstream out(path(), std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(i * 37));
  }
  auto store = SqliteLeaseStore::open(path());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(path()), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, EmptyExistingFileIsRefused) {
  { std::ofstream out(path()); }
  auto store = SqliteLeaseStore::open(path());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(path()), std::string::npos);
}

TEST_F(SqliteStoreTest, ForeignSqliteDatabaseIsRefused) {
  exec_sql(path(), "CREATE TABLE music (title TEXT);");
  auto store = SqliteLeaseStore::open(path());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("not a lease database"), std::string::npos);
  exec_sql(path(), "PRAGMA user_version = 9;");
  auto newer = SqliteLeaseStore::open(path());
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("newer"), std::string::npos);
}

TEST_F(SqliteStoreTest, MissingDirectoryIsAnError) {
  auto store = SqliteLeaseStore::open((dir_ / "no" / "such" / "dir.sqlite3").string());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("no/such"), std::string::npos);
}

TEST_F(SqliteStoreTest, MalformedRowsAreErrorsNamingFileAndRow) {
  const struct {
    const char* set;
    const char* expect;
  } cases[] = {
      {"state = 7", "state 7"},
      {"state = 3", "state 3"},
      {"hw_address = zeroblob(17)", "hw_address"},
      {"hw_address = 5", "hw_address is not a blob"},
      {"client_id = 'text'", "client_id"},
      {"hostname = x'00'", "hostname"},
      {"subnet_id = -1", "subnet_id"},
      {"valid_lifetime = 4294967296", "valid_lifetime"},
      {"cltt = 'soon'", "cltt"},
      {"hw_type = 256", "hw_type"},
  };
  for (const auto& c : cases) {
    const std::string file =
        path((std::string("bad-") + std::to_string(&c - cases) + ".sqlite3").c_str());
    {
      auto store = open_ok(file);
      ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1)), upsert(full_lease(2))}));
    }
    exec_sql(file, std::string("UPDATE leases SET ") + c.set +
                       " WHERE address = " + std::to_string(full_lease(2).address.value) + ";");
    auto store = open_ok(file);
    auto loaded = store->load_all();
    ASSERT_FALSE(loaded) << c.set;
    const std::string& message = loaded.error().message;
    EXPECT_NE(message.find(file), std::string::npos) << message;
    EXPECT_NE(message.find("row 2 (address 198.18.0.2)"), std::string::npos) << message;
    EXPECT_NE(message.find(c.expect), std::string::npos) << message;
  }
}

TEST_F(SqliteStoreTest, TruncatedDatabaseFailsCleanlyOrLoads) {
  // Build a multi-page database, checkpointed into the main file.
  {
    auto store = open_ok(path());
    std::vector<LeaseChange> batch;
    for (uint32_t n = 1; n <= 3000; ++n) batch.push_back(upsert(full_lease(n)));
    ASSERT_TRUE(store->commit(batch));
  }
  ASSERT_FALSE(std::filesystem::exists(path() + "-wal"));
  const auto full_size = std::filesystem::file_size(path());
  ASSERT_GT(full_size, 8192u);
  const std::string copy = path("copy.sqlite3");
  for (uintmax_t size :
       {full_size / 2, full_size / 3, uintmax_t{4096}, uintmax_t{100}, uintmax_t{1}}) {
    std::filesystem::copy_file(path(), copy, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(copy, size);
    auto store = SqliteLeaseStore::open(copy);
    if (!store) {
      EXPECT_NE(store.error().message.find(copy), std::string::npos) << store.error().message;
      continue;
    }
    auto loaded = (*store)->load_all();
    if (loaded) {
      EXPECT_EQ(loaded->size(), 3000u) << "truncated to " << size << " yet loaded partially";
    } else {
      EXPECT_NE(loaded.error().message.find(copy), std::string::npos) << loaded.error().message;
    }
  }
}

TEST_F(SqliteStoreTest, CorruptPagesAreDetectedAtOpen) {
  {
    auto store = open_ok(path());
    std::vector<LeaseChange> batch;
    for (uint32_t n = 1; n <= 3000; ++n) batch.push_back(upsert(full_lease(n)));
    ASSERT_TRUE(store->commit(batch));
  }
  const auto size = std::filesystem::file_size(path());
  {
    std::fstream file(path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2));
    for (int i = 0; i < 2000; ++i) file.put(static_cast<char>(0xA5));
  }
  auto store = SqliteLeaseStore::open(path());
  if (store) {
    auto loaded = (*store)->load_all();
    ASSERT_FALSE(loaded) << "corruption went unnoticed";
    EXPECT_NE(loaded.error().message.find(path()), std::string::npos);
  } else {
    EXPECT_NE(store.error().message.find(path()), std::string::npos) << store.error().message;
  }
}

TEST_F(SqliteStoreTest, OpenSqliteStoreReturnsTheInterface) {
  auto store = open_sqlite_store(path());
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->commit(std::vector{upsert(full_lease(9))}));
  EXPECT_EQ((*store)->load_all()->size(), 1u);
}

}  // namespace
}  // namespace bs::store::test
