// Files the lease store creates hold MAC addresses and hostnames: each must
// be 0640 or tighter whatever the umask (the database, the -wal and -shm
// SQLite derives from it, the clean-shutdown marker, a recovered database
// and the .corrupt- copy). And a database path that is a symbolic link to
// nothing is reported as such, not as a failed rename.
#include <fmt/format.h>
#include <sys/stat.h>

#include "store/db_file.h"
#include "store/recover.h"
#include "store/shutdown_marker.h"
#include "store/sqlite_store.h"
#include "store_fixture.h"

namespace bs::store::test {
namespace {

// The permission bits of `path`, or -1 if it does not exist.
int mode_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return -1;
  return static_cast<int>(info.st_mode & 07777);
}

// Grants nothing beyond rw-r----- (no group write, nothing for others).
::testing::AssertionResult at_most_0640(const std::string& path) {
  const int mode = mode_of(path);
  if (mode < 0) return ::testing::AssertionFailure() << path << " does not exist";
  if ((mode & ~0640) != 0) {
    return ::testing::AssertionFailure() << path << " has mode " << fmt::format("{:#o}", mode);
  }
  return ::testing::AssertionSuccess();
}

class FileModesTest : public TempDir {
 protected:
  // The test runner's umask is usually 022, which lets 0644 through; set it
  // so the test means the same everywhere.
  void SetUp() override {
    TempDir::SetUp();
    saved_umask_ = ::umask(022);
  }
  void TearDown() override {
    ::umask(saved_umask_);
    TempDir::TearDown();
  }
  mode_t saved_umask_ = 0;
};

TEST_F(FileModesTest, DatabaseWalShmAndMarkerAreNotWorldReadable) {
  {
    auto store = SqliteLeaseStore::open(path());
    ASSERT_TRUE(store) << store.error().message;
    const LeaseChange change = upsert(full_lease(1));
    ASSERT_TRUE((*store)->commit({&change, 1}));
    EXPECT_TRUE(at_most_0640(path()));
    EXPECT_TRUE(at_most_0640(path() + "-wal"));
    EXPECT_TRUE(at_most_0640(path() + "-shm"));
  }
  ASSERT_TRUE(mark_clean_shutdown(path()));
  EXPECT_TRUE(at_most_0640(shutdown_marker_path(path())));
}

TEST_F(FileModesTest, RecoveredDatabaseAndTheKeptCopyAreNotWorldReadable) {
  {
    auto store = SqliteLeaseStore::open(path());
    ASSERT_TRUE(store) << store.error().message;
    const LeaseChange change = upsert(full_lease(1));
    ASSERT_TRUE((*store)->commit({&change, 1}));
  }
  // A database made before the store set modes.
  ASSERT_EQ(::chmod(path().c_str(), 0644), 0);
  auto report = recover_database(path(), 1'800'000'000);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(at_most_0640(path()));
  EXPECT_TRUE(at_most_0640(report->kept_as));
}

TEST_F(FileModesTest, ADanglingSymlinkIsReportedAsOne) {
  const std::string nowhere = (dir_ / "unmounted" / "leases.sqlite3").string();
  std::filesystem::create_symlink(nowhere, path());
  auto store = SqliteLeaseStore::open(path());
  ASSERT_FALSE(store);
  const std::string& message = store.error().message;
  EXPECT_NE(message.find("is a symbolic link to " + nowhere + ", which does not exist"),
            std::string::npos)
      << message;
  EXPECT_TRUE(std::filesystem::is_symlink(path()));  // left as it was
  EXPECT_FALSE(std::filesystem::exists(creating_path(path())));
}

}  // namespace
}  // namespace bs::store::test
