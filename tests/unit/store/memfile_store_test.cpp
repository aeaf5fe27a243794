// The memfile store: loading files Kea and crashes leave behind (Kea's
// load order, torn and garbage rows, max-row-errors), and appending (one
// write and one sync per batch, mode 0640, a torn tail stepped over).
#include "store/memfile_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include "store/shutdown_marker.h"
#include "store_fixture.h"

namespace bs::store {
namespace {

using test::full_lease;
using test::upsert;

constexpr const char* kHeader =
    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
    "user_context\n";

std::string row(int n, const char* hostname = "", uint32_t valid = 3600) {
  return "198.18.0." + std::to_string(n) + ",02:00:00:00:00:" + (n < 16 ? "0" : "") +
         fmt::format("{:x}", n) + ",," + std::to_string(valid) + "," +
         std::to_string(1'700'000'000 + valid) + ",1,0,0," + hostname + ",0,\n";
}

class MemfileStoreTest : public test::TempDir {
 protected:
  std::string file() const { return path("kea-leases4.csv"); }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name.c_str()), std::ios::binary) << text;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name.c_str()), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::unique_ptr<MemfileLeaseStore> open(MemfileOptions options = {.lfc_interval_s = 0}) {
    auto store = MemfileLeaseStore::open(file(), options);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }

  // Hostname by address, for compact comparisons.
  static std::map<std::string, std::string> hosts(const std::vector<Lease>& leases) {
    std::map<std::string, std::string> out;
    for (const Lease& lease : leases) out[to_string(lease.address)] = lease.hostname;
    return out;
  }
};

TEST_F(MemfileStoreTest, KeasLoadOrderLastRowWinsAndZeroLifetimeDeletes) {
  write("kea-leases4.csv.2", kHeader + row(1, "old") + row(2, "two") + row(3, "three"));
  write("kea-leases4.csv.1", kHeader + row(1, "newer") + row(3, "", 0));
  write("kea-leases4.csv", kHeader + row(4, "four") + row(1, "newest"));
  auto store = open();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(hosts(*leases),
            (std::map<std::string, std::string>{
                {"198.18.0.1", "newest"}, {"198.18.0.2", "two"}, {"198.18.0.4", "four"}}));
}

TEST_F(MemfileStoreTest, AFinishedCleanupResultReplacesTheFilesItMerged) {
  // Kea's rule: .completed holds .2 and .1 merged, so they are not read.
  write("kea-leases4.csv.2", kHeader + row(1, "stale"));
  write("kea-leases4.csv.1", kHeader + row(2, "stale"));
  write("kea-leases4.csv.completed", kHeader + row(3, "merged"));
  write("kea-leases4.csv", kHeader);
  auto store = open();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(hosts(*leases), (std::map<std::string, std::string>{{"198.18.0.3", "merged"}}));
}

TEST_F(MemfileStoreTest, ATornTailIsSkippedThenCutOffBeforeTheNextBatch) {
  const std::string torn = row(2, "cut");
  write("kea-leases4.csv", kHeader + row(1, "whole") + torn.substr(0, torn.size() / 2));
  auto store = open();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(leases->size(), 1u);
  EXPECT_EQ(store->last_load().torn_rows(), 1u);
  EXPECT_EQ(store->last_load().bad_rows(), 0u);
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(7))}));
  store.reset();
  // The torn row was cut off, so it does not come back as a bad row that
  // max-row-errors would count after every power cut.
  auto reopened = open({.lfc_interval_s = 0, .max_row_errors = 1});
  ASSERT_TRUE(reopened);
  leases = reopened->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(leases->size(), 2u);
  EXPECT_EQ(reopened->last_load().torn_rows() + reopened->last_load().bad_rows(), 0u);
  EXPECT_EQ(read("kea-leases4.csv").find("198.18.0.2,"), std::string::npos);
}

TEST_F(MemfileStoreTest, ZerosFromUnwrittenPagesAreTornNotBad) {
  // A cut can leave a file longer than what reached the disk: zeros, then
  // perhaps a later page that did.
  std::string middle(300, '\0');
  middle += "0.0.7,02:00:00:00:00:07,,3600,1700003600,1,0,0,,0,\n";
  write("kea-leases4.csv", kHeader + row(1) + middle + row(3) + std::string(100, '\0'));
  auto store = open({.lfc_interval_s = 0, .max_row_errors = 1});
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases) << leases.error().message;
  EXPECT_EQ(hosts(*leases).size(), 2u);
  EXPECT_EQ(store->last_load().torn_rows(), 2u);
  EXPECT_EQ(store->last_load().bad_rows(), 0u);
}

TEST_F(MemfileStoreTest, MaxRowErrorsLimitsGarbageRowsAsInKea) {
  write("kea-leases4.csv", kHeader + row(1) + "garbage\n" + row(2) + "198.18.0.9,zz,,1,2,3\n");
  auto tolerant = open();
  ASSERT_TRUE(tolerant);
  auto leases = tolerant->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(leases->size(), 2u);
  EXPECT_EQ(tolerant->last_load().bad_rows(), 2u);
  tolerant.reset();
  auto strict = open({.lfc_interval_s = 0, .max_row_errors = 1});
  ASSERT_TRUE(strict);
  auto refused = strict->load_all();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("max-row-errors"), std::string::npos);
  EXPECT_NE(refused.error().message.find(file()), std::string::npos);
}

TEST_F(MemfileStoreTest, AFileThatIsNotKeasIsRefusedNamingIt) {
  write("kea-leases4.csv", "SQLite format 3\nwhatever\n");
  auto store = MemfileLeaseStore::open(file());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(file()), std::string::npos);
  EXPECT_NE(store.error().message.find("not a Kea DHCPv4 lease file"), std::string::npos);
}

TEST_F(MemfileStoreTest, AnEmptyFileGetsAHeaderAsInKea) {
  write("kea-leases4.csv", "");
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1))}));
  EXPECT_TRUE(read("kea-leases4.csv").starts_with(kHeader));
}

TEST_F(MemfileStoreTest, ANewFileIsKea22sLayoutWithMode0640) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(read("kea-leases4.csv"), kHeader);
  struct stat info {};
  ASSERT_EQ(::stat(file().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  EXPECT_FALSE(std::filesystem::exists(path("kea-leases4.csv.creating")));
}

TEST_F(MemfileStoreTest, AFileOfTheCurrentKeaKeepsItsTwelveColumns) {
  const std::string header = std::string(kHeader, std::strlen(kHeader) - 1) + ",pool_id\n";
  write("kea-leases4.csv", header + "198.18.0.1,02:00:00:00:00:01,,3600,1700003600,1,0,0,,0,,3\n");
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->load_all());
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(2))}));
  const std::string text = read("kea-leases4.csv");
  const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  EXPECT_EQ(std::count(last.begin(), last.end(), ','), 11) << last;
}

TEST_F(MemfileStoreTest, ABatchIsOneWriteAndOneSync) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<LeaseChange> batch;
  for (uint32_t n = 1; n <= 1000; ++n) batch.push_back(upsert(full_lease(n)));
  ASSERT_TRUE(store->commit(batch));
  EXPECT_EQ(store->write_count(), 1u);
  EXPECT_EQ(store->sync_count(), 1u);
  auto unsynced = open({.fsync = false, .lfc_interval_s = 0});
  ASSERT_TRUE(unsynced->commit(batch));
  EXPECT_EQ(unsynced->sync_count(), 0u);
}

TEST_F(MemfileStoreTest, AFailedBatchIsCutOffAndTheStoreCarriesOn) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(1))}));
  const auto size_before = std::filesystem::file_size(file());
  // A file size limit makes the write stop part-way (EFBIG), like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit limit = old_limit;
  limit.rlim_cur = size_before + 200;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  std::vector<LeaseChange> big;
  for (uint32_t n = 100; n < 200; ++n) big.push_back(upsert(full_lease(n)));
  const auto failed = store->commit(big);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ASSERT_FALSE(failed);
  EXPECT_EQ(std::filesystem::file_size(file()), size_before);  // nothing of it stays
  ASSERT_TRUE(store->commit(std::vector{upsert(full_lease(2))}));
  store.reset();
  auto reopened = open();
  auto leases = reopened->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(leases->size(), 2u);
  EXPECT_EQ(reopened->last_load().bad_rows() + reopened->last_load().torn_rows(), 0u);
}

TEST_F(MemfileStoreTest, AMissingFileWithItsMarkerIsRefused) {
  { auto store = open(); }
  ASSERT_TRUE(mark_clean_shutdown(file()));
  std::filesystem::remove(file());
  auto store = MemfileLeaseStore::open(file());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("clean-shutdown"), std::string::npos);
}

TEST_F(MemfileStoreTest, AMissingFileWithCleanupFilesIsACutMidRotation) {
  write("kea-leases4.csv.1", kHeader + row(1, "kept"));
  EXPECT_EQ(previous_shutdown(file()), PreviousShutdown::Unclean);
  auto store = open();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(hosts(*leases), (std::map<std::string, std::string>{{"198.18.0.1", "kept"}}));
}

TEST_F(MemfileStoreTest, ARunningKeaLfcIsWaitedFor) {
  write("kea-leases4.csv", kHeader);
  write("kea-leases4.csv.pid", std::to_string(::getpid()) + "\n");
  auto store = MemfileLeaseStore::open(file());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("kea-lfc"), std::string::npos);
  write("kea-leases4.csv.pid", "999999999\n");  // a dead process's pid file
  EXPECT_TRUE(MemfileLeaseStore::open(file()));
}

}  // namespace
}  // namespace bs::store
