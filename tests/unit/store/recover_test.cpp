// The recovery command's engine: every valid row is carried over, every
// invalid one is dropped and counted by reason, a damaged page costs its own
// rows only, the old file (and its WAL) is kept under the .corrupt- name,
// the result loads through the ordinary start-up path, and a file that is
// in use or unreadable is left untouched.
#include "store/recover.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "store/sqlite_store.h"
#include "store_fixture.h"

namespace bs::store::test {
namespace {

using RecoverTest = TempDir;

constexpr int64_t kNow_s = 1'800'000'000;  // 2027-01-15T08:00:00Z
constexpr const char* kKeptSuffix = ".corrupt-20270115T080000Z";

void write_leases(const std::string& path, uint32_t count) {
  auto store = SqliteLeaseStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  std::vector<LeaseChange> batch;
  for (uint32_t n = 1; n <= count; ++n) batch.push_back(upsert(full_lease(n)));
  ASSERT_TRUE((*store)->commit(batch));
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// The start-up path: open (with quick_check) and load.
std::vector<Lease> load(const std::string& path) {
  auto store = SqliteLeaseStore::open(path);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return {};
  auto leases = (*store)->load_all();
  EXPECT_TRUE(leases) << leases.error().message;
  return leases ? *leases : std::vector<Lease>{};
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(RecoverTest, AHealthyDatabaseIsCopiedWhole) {
  write_leases(path(), 100);
  auto report = recover_database(path(), kNow_s);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->rows_kept, 100u);
  EXPECT_EQ(report->rows_dropped, 0u);
  EXPECT_TRUE(report->unreadable.empty());
  EXPECT_EQ(report->kept_as, path() + kKeptSuffix);
  EXPECT_EQ(load(path()).size(), 100u);
  EXPECT_EQ(load(report->kept_as).size(), 100u);
  EXPECT_NE(format_report(*report).find("kept 100 rows, dropped 0 rows"), std::string::npos);
}

TEST_F(RecoverTest, TwoRecoveriesInOneSecondKeepBothFiles) {
  write_leases(path(), 4);
  auto first = recover_database(path(), kNow_s);
  ASSERT_TRUE(first) << first.error().message;
  auto second = recover_database(path(), kNow_s);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->kept_as, path() + kKeptSuffix + "-2");
  EXPECT_EQ(load(first->kept_as).size(), 4u);
  EXPECT_EQ(load(second->kept_as).size(), 4u);
  EXPECT_FALSE(std::filesystem::exists(path() + ".creating"));
}

TEST_F(RecoverTest, InvalidRowsAreDroppedAndCountedByReason) {
  write_leases(path(), 10);
  const auto address = [](uint32_t n) { return std::to_string(full_lease(n).address.value); };
  exec_sql(path(), "UPDATE leases SET state = 7 WHERE address IN (" + address(2) + ", " +
                       address(3) +
                       ");"
                       "UPDATE leases SET hw_address = zeroblob(17) WHERE address = " +
                       address(5) + ";");
  ASSERT_FALSE(SqliteLeaseStore::open(path()).value()->load_all()) << "start-up must refuse it";
  auto report = recover_database(path(), kNow_s);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->rows_kept, 7u);
  EXPECT_EQ(report->rows_dropped, 3u);
  ASSERT_EQ(report->dropped.count("state N is out of range"), 1u);
  EXPECT_EQ(report->dropped.at("state N is out of range").rows, 2u);
  EXPECT_NE(report->dropped.at("state N is out of range").example.find("198.18.0.2"),
            std::string::npos);
  EXPECT_EQ(report->dropped.at("hw_address is N bytes, at most N allowed").rows, 1u);
  std::vector<Lease> loaded = load(path());
  ASSERT_EQ(loaded.size(), 7u);
  for (const Lease& lease : loaded) EXPECT_EQ(lease, full_lease(lease.address.value - 0xC6120000u));
  const std::string text = format_report(*report);
  EXPECT_NE(text.find("dropped 2: state N is out of range"), std::string::npos) << text;
}

TEST_F(RecoverTest, ADamagedPageCostsOnlyItsRows) {
  write_leases(path(), 3000);
  const auto size = std::filesystem::file_size(path());
  {
    std::fstream file(path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2));
    for (int i = 0; i < 2000; ++i) file.put(static_cast<char>(0xA5));
  }
  auto report = recover_database(path(), kNow_s);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->rows_kept < 3000u || !report->unreadable.empty() || report->rows_dropped > 0u)
      << "the damage went unnoticed";
  for (const UnreadableRange& range : report->unreadable) {
    EXPECT_LE(range.first_address, range.last_address) << "an empty range reported as lost";
  }
  // 2000 bytes span at most two 4 KiB pages of ~60 rows each.
  EXPECT_GE(report->rows_kept, 2800u) << format_report(*report);
  std::vector<Lease> loaded = load(path());
  EXPECT_EQ(loaded.size(), report->rows_kept);
  size_t intact = 0;
  for (const Lease& lease : loaded) {
    intact += lease == full_lease(lease.address.value - 0xC6120000u) ? 1 : 0;
  }
  EXPECT_GE(intact, 2800u);
}

TEST_F(RecoverTest, TheWalIsReadAndMovedAlongWithTheOldFile) {
  write_leases(path(), 5);
  // Rows that exist only in the WAL, left behind as a crash would leave it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  int keep_wal = 1;
  ASSERT_EQ(sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &keep_wal), SQLITE_OK);
  ASSERT_EQ(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr), SQLITE_OK);
  const Lease sixth = full_lease(6);
  ASSERT_EQ(sqlite3_exec(db,
                         ("INSERT INTO leases SELECT " + std::to_string(sixth.address.value) +
                          ", hw_type, hw_address, client_id, hostname, subnet_id, "
                          "valid_lifetime, cltt, state FROM leases WHERE address = " +
                          std::to_string(full_lease(5).address.value))
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ASSERT_GT(std::filesystem::file_size(path() + "-wal"), 0u);
  auto report = recover_database(path(), kNow_s);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->rows_kept, 6u);
  EXPECT_FALSE(std::filesystem::exists(path() + "-wal")) << "a stale WAL beside the new file";
  EXPECT_TRUE(std::filesystem::exists(report->kept_as + "-wal"));
  EXPECT_EQ(load(path()).size(), 6u);
}

TEST_F(RecoverTest, AFileThatIsNoDatabaseIsLeftAlone) {
  {
    std::ofstream out(path(), std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(i * 37));
  }
  const std::string before = contents(path());
  auto report = recover_database(path(), kNow_s);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find(path()), std::string::npos) << report.error().message;
  EXPECT_EQ(contents(path()), before);
  EXPECT_FALSE(std::filesystem::exists(path() + kKeptSuffix));
}

TEST_F(RecoverTest, AMissingFileIsAnError) {
  auto report = recover_database(path(), kNow_s);
  ASSERT_FALSE(report);
  EXPECT_FALSE(std::filesystem::exists(path()));
}

TEST_F(RecoverTest, ADatabaseInUseIsRefused) {
  write_leases(path(), 3);
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A server holding the database open.
    auto store = SqliteLeaseStore::open(path());
    const char byte = store ? 'y' : 'n';
    (void)!write(ready[1], &byte, 1);
    char ignored = 0;
    (void)!read(release[0], &ignored, 1);
    _exit(0);
  }
  char opened = 0;
  ASSERT_EQ(read(ready[0], &opened, 1), 1);
  ASSERT_EQ(opened, 'y');
  auto report = recover_database(path(), kNow_s);
  const char go = 'x';
  EXPECT_EQ(write(release[1], &go, 1), 1);
  int status = 0;
  waitpid(child, &status, 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) close(fd);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("in use by process " + std::to_string(child)),
            std::string::npos)
      << report.error().message;
  EXPECT_FALSE(std::filesystem::exists(path() + kKeptSuffix));
}

}  // namespace
}  // namespace bs::store::test
