// WAL checkpoints off the packet path: the SQLite store's commits ask the
// checkpointer thread for them and fold in only the last few pages
// themselves, the WAL stays bounded, nothing committed is lost, and a WAL
// the thread cannot fold in makes commits checkpoint it whole past the
// inline limit.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "store/sqlite_store.h"
#include "store_fixture.h"

namespace bs::store::test {
namespace {

using WalCheckpointTest = TempDir;

constexpr uint32_t kCheckpointPages = 8;
constexpr uint32_t kLeases = 300;

SqliteOptions small_wal(uint32_t inline_pages) {
  SqliteOptions options;
  options.checkpoint_pages = kCheckpointPages;
  options.finish_checkpoint_pages = 4;
  options.inline_checkpoint_pages = inline_pages;
  return options;
}

std::unique_ptr<SqliteLeaseStore> open_ok(const std::string& path, SqliteOptions options) {
  auto store = SqliteLeaseStore::open(path, options);
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

uintmax_t wal_bytes(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path + "-wal", ec);
  return ec ? 0 : size;
}

// Polls (bounded) until the thread has run more than `seen` checkpoints.
bool wait_for_checkpoint_after(const SqliteLeaseStore& store, uint64_t seen) {
  for (int i = 0; i < 400; ++i) {
    if (store.background_checkpoints() > seen) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST_F(WalCheckpointTest, CommitsLeaveCheckpointsToTheThreadAndTheWalStaysSmall) {
  auto store = open_ok(path(), small_wal(1'000'000));
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->pragma("wal_autocheckpoint"), "0");  // none inside COMMIT
  uint64_t seen = 0;
  uint32_t commits_since = 0;
  for (uint32_t n = 1; n <= kLeases; ++n) {
    const LeaseChange change = upsert(full_lease(n));
    ASSERT_TRUE(store->commit({&change, 1}));
    if (store->background_checkpoints() > seen) {
      seen = store->background_checkpoints();
      commits_since = 0;
    } else if (++commits_since >= 32) {
      // 32 commits write ~100 pages, so one of them woke the thread;
      // waiting for it keeps the WAL's largest extent predictable.
      ASSERT_TRUE(wait_for_checkpoint_after(*store, seen)) << "no checkpoint by lease " << n;
      seen = store->background_checkpoints();
      commits_since = 0;
    }
  }
  EXPECT_EQ(store->inline_checkpoints(), 0u);
  EXPECT_GT(store->background_checkpoints(), 10u);
  // Commits kept arriving during the thread's checkpoints, so only a
  // commit's own fold-in of the last pages lets the WAL rewind.
  EXPECT_GT(store->finishing_checkpoints(), 0u);
  // 300 one-lease transactions write ~3 pages each: ~3.6 MiB of WAL
  // without checkpoints. With them it is rewound after every few dozen.
  EXPECT_LT(wal_bytes(path()), 256u * 4096u);
  store.reset();
  auto reopened = open_ok(path(), small_wal(1'000'000));
  ASSERT_TRUE(reopened);
  auto leases = reopened->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(leases->size(), kLeases);
}

// A reader that holds its snapshot keeps every frame after it in the WAL:
// no checkpoint can fold them in, so the WAL grows, and past the inline
// limit each commit checkpoints itself (as SQLite's autocheckpoint would),
// so the WAL is folded in as soon as the reader lets go.
TEST_F(WalCheckpointTest, AWalTheThreadCannotFoldInIsCheckpointedByTheCommitsPastTheLimit) {
  constexpr uint32_t kInlinePages = 64;
  auto store = open_ok(path(), small_wal(kInlinePages));
  ASSERT_TRUE(store);
  const LeaseChange first = upsert(full_lease(1));
  ASSERT_TRUE(store->commit({&first, 1}));
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM leases;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (uint32_t n = 2; n <= 200; ++n) {
    const LeaseChange change = upsert(full_lease(n));
    ASSERT_TRUE(store->commit({&change, 1}));
  }
  EXPECT_GT(store->inline_checkpoints(), 0u);
  const uintmax_t pinned = wal_bytes(path());
  EXPECT_GT(pinned, kInlinePages * 4096u);
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  // The WAL is still past the limit: this commit checkpoints it, and with
  // the reader gone the checkpoint folds in every frame ...
  const uint64_t inline_before = store->inline_checkpoints();
  const LeaseChange last = upsert(full_lease(201));
  ASSERT_TRUE(store->commit({&last, 1}));
  EXPECT_EQ(store->inline_checkpoints(), inline_before + 1);
  // ... so the next commit rewinds the WAL and stays far below it.
  const LeaseChange again = upsert(full_lease(202));
  ASSERT_TRUE(store->commit({&again, 1}));
  EXPECT_EQ(store->inline_checkpoints(), inline_before + 1);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(leases->size(), 202u);
}

TEST_F(WalCheckpointTest, WithoutTheThreadTheCommitCheckpointsAtTheThreshold) {
  SqliteOptions options = small_wal(1'000'000);
  options.checkpoint_thread = false;
  auto store = open_ok(path(), options);
  ASSERT_TRUE(store);
  for (uint32_t n = 1; n <= kLeases; ++n) {
    const LeaseChange change = upsert(full_lease(n));
    ASSERT_TRUE(store->commit({&change, 1}));
  }
  EXPECT_EQ(store->background_checkpoints(), 0u);
  EXPECT_EQ(*store->pragma("wal_autocheckpoint"), "1000");
}

}  // namespace
}  // namespace bs::store::test
