// Kea's lease file cleanup (LFC) as the memfile store runs it: a full run
// leaves the current file and .2 with the same leases; a run stopped before
// any of its steps (as a crash there would) leaves files that load to the
// same leases, and the next run finishes the job; commits go on while the
// merge runs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "store/lease_file.h"
#include "store/memfile_store.h"
#include "store_fixture.h"

namespace bs::store {
namespace {

using test::full_lease;
using test::upsert;

constexpr CleanupStep kEverySteps[] = {
    CleanupStep::LinkInput,   CleanupStep::UnlinkCurrent,  CleanupStep::CreateCurrent,
    CleanupStep::WriteOutput, CleanupStep::RenameToFinish, CleanupStep::RemovePrevious,
    CleanupStep::RemoveInput, CleanupStep::LinkPrevious,   CleanupStep::RemoveFinish,
};

class CleanupTest : public test::TempDir {
 protected:
  std::string file() const { return path("kea-leases4.csv"); }

  std::unique_ptr<MemfileLeaseStore> open() {
    auto store = MemfileLeaseStore::open(file(), {.lfc_interval_s = 0});
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }

  // Commits a batch and mirrors it in `expected_`.
  void commit(MemfileLeaseStore& store, uint32_t first, uint32_t count, const char* tag) {
    std::vector<LeaseChange> batch;
    for (uint32_t n = first; n < first + count; ++n) {
      Lease lease = full_lease(n);
      lease.hostname = std::string(tag) + "-" + std::to_string(n);
      batch.push_back(upsert(lease));
      expected_[lease.address.value] = lease;
    }
    ASSERT_TRUE(store.commit(batch));
  }

  void erase(MemfileLeaseStore& store, uint32_t n) {
    const Lease& gone = expected_.at(full_lease(n).address.value);
    ASSERT_TRUE(store.commit(std::vector{LeaseChange{gone.address, gone, std::nullopt}}));
    expected_.erase(gone.address.value);
  }

  // What a fresh start on the directory loads, compared with `expected_`.
  void expect_loads_everything(const std::string& when) {
    auto store = open();
    ASSERT_TRUE(store) << when;
    auto leases = store->load_all();
    ASSERT_TRUE(leases) << when << ": " << leases.error().message;
    std::map<uint32_t, Lease> loaded;
    for (const Lease& lease : *leases) loaded[lease.address.value] = lease;
    EXPECT_EQ(loaded, expected_) << when;
    EXPECT_EQ(store->last_load().bad_rows() + store->last_load().torn_rows(), 0u) << when;
  }

  // Three generations: .2 from a finished cleanup, then more rows and an
  // erase in the current file.
  void build_history(MemfileLeaseStore& store) {
    commit(store, 1, 40, "first");
    erase(store, 5);
    ASSERT_TRUE(store.start_cleanup());
    auto report = store.wait_for_cleanup();
    ASSERT_TRUE(report && *report) << (report && !*report ? report->error().message : "");
    commit(store, 30, 20, "second");
    erase(store, 7);
  }

  std::map<uint32_t, Lease> expected_;
};

TEST_F(CleanupTest, AFullRunLeavesTheCurrentFileAndTwo) {
  auto store = open();
  ASSERT_TRUE(store);
  build_history(*store);
  ASSERT_TRUE(store->start_cleanup());
  auto report = store->wait_for_cleanup();
  ASSERT_TRUE(report && *report);
  EXPECT_TRUE((*report)->rows_read > 0);
  EXPECT_EQ((*report)->leases_written, expected_.size());
  commit(*store, 60, 3, "third");
  store.reset();
  for (const char* gone : {".1", ".completed", ".output", ".creating"}) {
    EXPECT_FALSE(std::filesystem::exists(file() + gone)) << gone;
  }
  EXPECT_TRUE(std::filesystem::exists(file() + ".2"));
  // The merged file holds each lease once, in address order, no erase rows.
  std::ifstream merged(file() + ".2");
  std::string line;
  size_t rows = 0;
  std::getline(merged, line);
  uint32_t last_address = 0;
  while (std::getline(merged, line)) {
    ++rows;
    const auto decoded = decode_row(line, CsvLayout{});
    ASSERT_TRUE(decoded) << line;
    EXPECT_FALSE(decoded->erase) << line;
    EXPECT_GT(decoded->lease.address.value, last_address) << line;
    last_address = decoded->lease.address.value;
  }
  EXPECT_EQ(rows, (*report)->leases_written);
  expect_loads_everything("after a full cleanup");
}

TEST_F(CleanupTest, ACrashBeforeAnyStepLosesNothingAndTheNextRunFinishes) {
  for (const CleanupStep stop_at : kEverySteps) {
    SCOPED_TRACE(to_string(stop_at));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    expected_.clear();
    {
      auto store = open();
      ASSERT_TRUE(store);
      build_history(*store);
      store->set_step_gate([stop_at](CleanupStep step) { return step != stop_at; });
      if (store->start_cleanup()) (void)store->wait_for_cleanup();
      // The crash: the store goes away mid-cleanup.
    }
    expect_loads_everything(std::string("after a crash before ") + to_string(stop_at));
    {
      // The restarted server appends, then finishes the cleanup.
      auto store = open();
      ASSERT_TRUE(store);
      ASSERT_TRUE(store->load_all());
      commit(*store, 70, 5, "after");
      ASSERT_TRUE(store->start_cleanup());
      auto report = store->wait_for_cleanup();
      ASSERT_TRUE(report && *report) << (report && !*report ? report->error().message : "");
      commit(*store, 80, 5, "later");
    }
    expect_loads_everything(std::string("after finishing a cleanup stopped before ") +
                            to_string(stop_at));
    for (const char* gone : {".completed", ".output", ".creating"}) {
      EXPECT_FALSE(std::filesystem::exists(file() + gone)) << gone;
    }
  }
}

TEST_F(CleanupTest, CommitsGoOnWhileTheMergeRuns) {
  auto store = open();
  ASSERT_TRUE(store);
  commit(*store, 1, 2000, "bulk");
  ASSERT_TRUE(store->start_cleanup());
  for (uint32_t n = 0; n < 50; ++n) commit(*store, 3000 + n * 4, 4, "during");
  auto report = store->wait_for_cleanup();
  ASSERT_TRUE(report && *report);
  store.reset();
  expect_loads_everything("after commits during a cleanup");
}

TEST_F(CleanupTest, TheIntervalStartsACleanupAtACommit) {
  auto store = MemfileLeaseStore::open(file(), {.lfc_interval_s = 1});
  ASSERT_TRUE(store);
  commit(**store, 1, 10, "a");
  EXPECT_FALSE(std::filesystem::exists(file() + ".2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  commit(**store, 20, 10, "b");  // due: rotates, then merges in the background
  (void)(*store)->wait_for_cleanup();
  EXPECT_TRUE(std::filesystem::exists(file() + ".2"));
  store->reset();
  expect_loads_everything("after an interval cleanup");
}

TEST_F(CleanupTest, AKeaCleanupLeftUnfinishedIsFinished) {
  // Kea's kea-lfc died after writing .completed: the store loads it (not
  // .2 and .1) and the first cleanup only finishes the rotation.
  const std::string header =
      "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
      "user_context\n";
  const std::string row = "198.18.0.1,02:00:00:00:00:01,,3600,1700003600,1,0,0,done,0,\n";
  std::ofstream(file() + ".completed") << header << row;
  std::ofstream(file() + ".2") << header;
  std::ofstream(file() + ".1") << header;
  auto store = open();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  ASSERT_EQ(leases->size(), 1u);
  ASSERT_TRUE(store->start_cleanup());
  auto report = store->wait_for_cleanup();
  ASSERT_TRUE(report && *report);
  EXPECT_EQ((*report)->rows_read, 0u);  // nothing merged again
  EXPECT_FALSE(std::filesystem::exists(file() + ".completed"));
  EXPECT_FALSE(std::filesystem::exists(file() + ".1"));
  expected_[(*leases)[0].address.value] = (*leases)[0];
  store.reset();
  expect_loads_everything("after finishing Kea's cleanup");
}

}  // namespace
}  // namespace bs::store

namespace bs::store {
namespace {

// Going back to Kea: Debian's Kea runs as _kea and owns /var/lib/kea. Every
// file blackstart (root) creates there, the new current file and the
// cleanup's .2 included, takes the directory's owner, or Kea could not
// open it.
TEST_F(CleanupTest, NewFilesTakeTheDirectorysOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give files away";
  constexpr uid_t kOwner = 65534;  // nobody, standing in for _kea
  constexpr gid_t kGroup = 65534;
  ASSERT_EQ(::chown(dir_.c_str(), kOwner, kGroup), 0);
  auto store = open();
  ASSERT_TRUE(store);
  build_history(*store);
  ASSERT_TRUE(store->start_cleanup());
  auto report = store->wait_for_cleanup();
  ASSERT_TRUE(report && *report);
  store.reset();
  for (const std::string& name : {file(), file() + ".2"}) {
    struct stat info {};
    ASSERT_EQ(::stat(name.c_str(), &info), 0) << name;
    EXPECT_EQ(info.st_uid, kOwner) << name;
    EXPECT_EQ(info.st_gid, kGroup) << name;
  }
}

}  // namespace
}  // namespace bs::store
