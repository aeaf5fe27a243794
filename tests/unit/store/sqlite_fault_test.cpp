// The SQLite store on a failing disk, through the fault-injecting VFS: a
// full disk or an fsync EIO fails the batch (and says why), the store stays
// usable and resumes by itself once the disk behaves, and what was
// committed before is never lost. Also the first start: a new database
// appears complete or not at all.
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "fault_vfs.h"
#include "store/db_file.h"
#include "store/shutdown_marker.h"
#include "store/sqlite_store.h"
#include "store_fixture.h"

namespace bs::store::test {
namespace {

using SqliteFaultTest = TempDir;

std::unique_ptr<SqliteLeaseStore> open_faulty(const std::string& path) {
  auto store = SqliteLeaseStore::open(path, {.vfs = FaultVfs::name()});
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

std::vector<LeaseChange> upserts(uint32_t first, uint32_t last) {
  std::vector<LeaseChange> changes;
  for (uint32_t n = first; n <= last; ++n) changes.push_back(upsert(full_lease(n)));
  return changes;
}

// What a fresh process would load, through the ordinary VFS.
std::vector<uint32_t> stored_numbers(const std::string& path) {
  auto store = SqliteLeaseStore::open(path);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return {};
  auto leases = (*store)->load_all();
  EXPECT_TRUE(leases) << leases.error().message;
  std::vector<uint32_t> numbers;
  for (const Lease& lease : *leases) {
    EXPECT_EQ(lease, full_lease(lease.address.value - 0xC6120000u));
    numbers.push_back(lease.address.value - 0xC6120000u);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

std::vector<uint32_t> range(uint32_t first, uint32_t last) {
  std::vector<uint32_t> numbers;
  for (uint32_t n = first; n <= last; ++n) numbers.push_back(n);
  return numbers;
}

TEST(FaultOfTest, ClassifiesByCodeAndErrno) {
  EXPECT_EQ(fault_of(SQLITE_FULL, 0), StoreFault::DiskFull);
  EXPECT_EQ(fault_of(SQLITE_IOERR_SHMSIZE, ENOSPC), StoreFault::DiskFull);
  EXPECT_EQ(fault_of(SQLITE_IOERR_FSYNC, EIO), StoreFault::IoError);
  EXPECT_EQ(fault_of(SQLITE_IOERR_WRITE, EROFS), StoreFault::ReadOnly);
  EXPECT_EQ(fault_of(SQLITE_READONLY_DBMOVED, 0), StoreFault::ReadOnly);
  EXPECT_EQ(fault_of(SQLITE_CANTOPEN, EIO), StoreFault::IoError);
  EXPECT_EQ(fault_of(SQLITE_CORRUPT, 0), StoreFault::Corrupt);
  EXPECT_EQ(fault_of(SQLITE_BUSY, 0), StoreFault::Busy);
  EXPECT_EQ(fault_of(SQLITE_CONSTRAINT_TRIGGER, 0), StoreFault::Other);
  EXPECT_STREQ(to_string(StoreFault::DiskFull), "disk full");
}

TEST_F(SqliteFaultTest, DiskFullFailsTheBatchThenTheStoreRecovers) {
  auto store = open_faulty(path());
  ASSERT_TRUE(store->commit(upserts(1, 10)));
  {
    ArmedFaults full({.write_error = SQLITE_FULL, .write_errno = ENOSPC});
    auto failed = store->commit(upserts(11, 20));
    ASSERT_FALSE(failed);
    EXPECT_GT(FaultVfs::injected(), 0u);
    EXPECT_EQ(failed.error().fault, StoreFault::DiskFull) << failed.error().message;
    EXPECT_NE(failed.error().message.find(path()), std::string::npos) << failed.error().message;
    EXPECT_FALSE(store->connected());
    // Still full: reading needs no space, so the lease table is intact and
    // the failed batch is not in it; writing keeps failing, cleanly.
    auto loaded = store->load_all();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->size(), 10u);
    auto again = store->commit(upserts(11, 20));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().fault, StoreFault::DiskFull) << again.error().message;
  }
  // Space is back: the same store commits again, on a fresh connection.
  ASSERT_TRUE(store->commit(upserts(11, 20)));
  EXPECT_GE(store->reconnect_count(), 1u);
  EXPECT_EQ(*store->pragma("synchronous"), "2");  // FULL again after reconnecting
  EXPECT_EQ(store->load_all()->size(), 20u);
  store.reset();
  EXPECT_EQ(stored_numbers(path()), range(1, 20));
}

TEST_F(SqliteFaultTest, FsyncEioFailsTheBatchThenTheStoreRecovers) {
  auto store = open_faulty(path());
  ASSERT_TRUE(store->commit(upserts(1, 10)));
  {
    ArmedFaults eio({.sync_error = SQLITE_IOERR_FSYNC, .sync_errno = EIO});
    auto failed = store->commit(upserts(11, 20));
    ASSERT_FALSE(failed);
    EXPECT_GT(FaultVfs::injected(), 0u);
    EXPECT_EQ(failed.error().fault, StoreFault::IoError) << failed.error().message;
    EXPECT_FALSE(store->connected());
  }
  ASSERT_TRUE(store->commit(upserts(21, 30)));
  EXPECT_GE(store->reconnect_count(), 1u);
  store.reset();
  // Everything committed is there. The batch whose fsync failed may be
  // there too: its bytes were written, only their durability was in doubt.
  // It was never ACKed, so at worst its addresses stay held for one lease
  // time; it is not asserted either way.
  const std::vector<uint32_t> numbers = stored_numbers(path());
  for (uint32_t n : range(1, 10))
    EXPECT_TRUE(std::binary_search(numbers.begin(), numbers.end(), n));
  for (uint32_t n : range(21, 30)) {
    EXPECT_TRUE(std::binary_search(numbers.begin(), numbers.end(), n));
  }
  EXPECT_TRUE(numbers.size() == 20u || numbers.size() == 30u) << numbers.size();
}

TEST_F(SqliteFaultTest, WriteEioFailsTheBatchThenTheStoreRecovers) {
  auto store = open_faulty(path());
  ASSERT_TRUE(store->commit(upserts(1, 5)));
  {
    ArmedFaults eio({.write_error = SQLITE_IOERR_WRITE, .write_errno = EIO});
    auto failed = store->commit(upserts(6, 9));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().fault, StoreFault::IoError) << failed.error().message;
  }
  ASSERT_TRUE(store->commit(upserts(6, 9)));
  store.reset();
  EXPECT_EQ(stored_numbers(path()), range(1, 9));
}

TEST_F(SqliteFaultTest, ReadOnlyFileSystemFailsCommitsUntilWritableAgain) {
  auto store = open_faulty(path());
  ASSERT_TRUE(store->commit(upserts(1, 2)));
  {
    // As in the integration test: a disk-full failure closes the files,
    // then the file system comes back read-only.
    ArmedFaults full({.write_error = SQLITE_FULL, .write_errno = ENOSPC});
    ASSERT_FALSE(store->commit(upserts(3, 3)));
  }
  {
    ArmedFaults read_only({.open_read_only = true});
    auto failed = store->commit(upserts(3, 3));
    ASSERT_FALSE(failed);
    EXPECT_GT(FaultVfs::injected(), 0u);
    EXPECT_EQ(failed.error().fault, StoreFault::ReadOnly) << failed.error().message;
    EXPECT_FALSE(store->connected());
  }
  ASSERT_TRUE(store->commit(upserts(3, 3)));
  store.reset();
  EXPECT_EQ(stored_numbers(path()), range(1, 3));
}

TEST_F(SqliteFaultTest, AReadOnlyDatabaseIsRefusedAtStart) {
  { ASSERT_TRUE(open_faulty(path())); }
  ArmedFaults read_only({.open_read_only = true});
  auto store = SqliteLeaseStore::open(path(), {.vfs = FaultVfs::name()});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().fault, StoreFault::ReadOnly) << store.error().message;
  EXPECT_NE(store.error().message.find("read-only"), std::string::npos);
}

TEST_F(SqliteFaultTest, ARefusedBatchKeepsTheConnection) {
  auto store = open_faulty(path());
  Lease offer = full_lease(2);
  offer.state = LeaseState::Offered;
  ASSERT_FALSE(store->commit(std::vector{upsert(offer)}));
  EXPECT_TRUE(store->connected());
  EXPECT_EQ(store->reconnect_count(), 0u);
}

TEST_F(SqliteFaultTest, DatabaseRemovedWhileFailingIsNotRecreated) {
  auto store = open_faulty(path());
  ASSERT_TRUE(store->commit(upserts(1, 3)));
  {
    ArmedFaults full({.write_error = SQLITE_FULL, .write_errno = ENOSPC});
    ASSERT_FALSE(store->commit(upserts(4, 4)));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path() + suffix);
  auto failed = store->commit(upserts(4, 4));
  ASSERT_FALSE(failed);
  EXPECT_FALSE(std::filesystem::exists(path())) << "an empty database replaced the lost one";
}

// --- first start ------------------------------------------------------------

TEST_F(SqliteFaultTest, FirstStartLeavesOnlyTheDatabase) {
  auto store = open_faulty(path());
  EXPECT_EQ(*store->pragma("user_version"), "1");
  EXPECT_EQ(*store->pragma("journal_mode"), "wal");
  EXPECT_FALSE(std::filesystem::exists(creating_path(path())));
  EXPECT_FALSE(std::filesystem::exists(creating_path(path()) + "-journal"));
}

TEST_F(SqliteFaultTest, CutDuringFirstStartLeavesNoDatabase) {
  // The schema's fsync fails (EIO) as a cut at that moment would lose it.
  {
    ArmedFaults eio(
        {.sync_error = SQLITE_IOERR_FSYNC, .sync_errno = EIO, .only_suffix = ".creating"});
    auto store = SqliteLeaseStore::open(path(), {.vfs = FaultVfs::name()});
    ASSERT_FALSE(store);
    EXPECT_GT(FaultVfs::injected(), 0u);
    EXPECT_NE(store.error().message.find(path()), std::string::npos) << store.error().message;
  }
  EXPECT_FALSE(std::filesystem::exists(path())) << "a database without its schema was left";
  // The next start simply creates it.
  auto store = open_faulty(path());
  ASSERT_TRUE(store->commit(upserts(1, 1)));
}

TEST_F(SqliteFaultTest, DebrisOfAnInterruptedFirstStartIsRebuilt) {
  // What a cut after SQLite created the side file, but before its schema
  // was complete, leaves behind: an empty file and a hot journal.
  { std::ofstream out(creating_path(path())); }
  {
    std::ofstream out(creating_path(path()) + "-journal", std::ios::binary);
    out << "half a journal";
  }
  auto store = open_faulty(path());
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->load_all()->empty());
  EXPECT_FALSE(std::filesystem::exists(creating_path(path())));
  EXPECT_FALSE(std::filesystem::exists(creating_path(path()) + "-journal"));
}

TEST_F(SqliteFaultTest, FirstStartNeverReplacesAnExistingFile) {
  auto built = build_empty_database(path(), nullptr);
  ASSERT_TRUE(built) << built.error().message;
  {
    std::ofstream out(path());
    out << "someone else's file";
  }
  auto published = publish_database(*built, path(), false);
  ASSERT_FALSE(published);
  std::ifstream in(path());
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "someone else's file");
}

TEST_F(SqliteFaultTest, MissingDatabaseWithItsLeftoversIsRefused) {
  {
    auto store = open_faulty(path());
    ASSERT_TRUE(store->commit(upserts(1, 3)));
  }
  ASSERT_TRUE(mark_clean_shutdown(path()));
  std::filesystem::remove(path());
  auto refused = SqliteLeaseStore::open(path());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("refusing to start with an empty lease table"),
            std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(std::filesystem::exists(path()));
  {
    std::ofstream wal(path() + "-wal");
    wal << "frames";
  }
  std::filesystem::remove(shutdown_marker_path(path()));
  auto refused_wal = SqliteLeaseStore::open(path());
  ASSERT_FALSE(refused_wal);
  EXPECT_NE(refused_wal.error().message.find(path() + "-wal"), std::string::npos);
}

}  // namespace
}  // namespace bs::store::test
