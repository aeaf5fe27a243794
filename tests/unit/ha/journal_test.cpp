// The resync journal and the conflict rule: entries survive a reopen (the
// survivor's restart) including deletes and state changes; a torn tail is
// cut off; past its capacity the journal forgets the oldest and says it
// no longer reaches back; the conflict rule uses no clock reading and
// gives both servers the same answer.
#include "ha/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ha/resync_rule.h"

namespace bs::ha {
namespace {

Lease lease_for(uint32_t address, uint8_t client, LeaseState state = LeaseState::Assigned) {
  Lease lease;
  lease.address = Ip4{address};
  const uint8_t mac[6] = {2, 0, 0, 0, 0, client};
  lease.hw_address = make_hwaddr(mac);
  lease.client_id = {1, client};
  lease.hostname = "host";
  lease.subnet_id = 7;
  lease.valid_lifetime_s = 3600;
  lease.cltt_s = 1'700'000'000;
  lease.state = state;
  return lease;
}

class JournalFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-journal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ha.journal").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(JournalFile, GrantsReleasesDeclinesAndDeletesSurviveAReopen) {
  {
    auto journal = Journal::open(path_, 100, 0);
    ASSERT_TRUE(journal) << journal.error();
    journal->append(1, Ip4{10}, lease_for(10, 1));
    journal->append(2, Ip4{11}, lease_for(11, 2, LeaseState::Declined));
    journal->append(3, Ip4{10}, lease_for(10, 1, LeaseState::Reclaimed));  // released
    journal->append(4, Ip4{12}, std::nullopt);                             // deleted
    ASSERT_TRUE(journal->sync());
  }
  auto reopened = Journal::open(path_, 100, 999);
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_EQ(reopened->base(), 0u) << "the file's base, not the new-file history start";
  EXPECT_TRUE(reopened->covers(0));
  const auto entries = reopened->entries_after(1, 10);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0], (JournalEntry{2, Ip4{11}, lease_for(11, 2, LeaseState::Declined)}));
  EXPECT_EQ(entries[1], (JournalEntry{3, Ip4{10}, lease_for(10, 1, LeaseState::Reclaimed)}));
  EXPECT_EQ(entries[2], (JournalEntry{4, Ip4{12}, std::nullopt}));
  EXPECT_EQ(reopened->last_change_of(Ip4{10}), 3u);
  EXPECT_EQ(reopened->last_change_of(Ip4{99}), 0u);
  // Appends continue after the reopen.
  reopened->append(5, Ip4{13}, lease_for(13, 3));
  EXPECT_TRUE(reopened->sync());
  EXPECT_EQ(reopened->last_sequence(), 5u);
}

TEST_F(JournalFile, ANewFileReachesBackOnlyToItsHistoryStart) {
  auto journal = Journal::open(path_, 100, 40);
  ASSERT_TRUE(journal);
  EXPECT_FALSE(journal->covers(39));
  EXPECT_TRUE(journal->covers(40));
}

TEST_F(JournalFile, ATornTailIsCutOffAndTheRestKept) {
  {
    auto journal = Journal::open(path_, 100, 0);
    ASSERT_TRUE(journal);
    journal->append(1, Ip4{10}, lease_for(10, 1));
    journal->append(2, Ip4{11}, lease_for(11, 2));
    ASSERT_TRUE(journal->sync());
  }
  const auto size = std::filesystem::file_size(path_);
  std::filesystem::resize_file(path_, size - 3);
  {
    std::ofstream more(path_, std::ios::app | std::ios::binary);
    more << "junk";
  }
  auto reopened = Journal::open(path_, 100, 0);
  ASSERT_TRUE(reopened) << reopened.error();
  ASSERT_EQ(reopened->size(), 1u);
  EXPECT_EQ(reopened->last_sequence(), 1u);
  reopened->append(2, Ip4{11}, lease_for(11, 2));
  ASSERT_TRUE(reopened->sync());
  auto again = Journal::open(path_, 100, 0);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), 2u);
}

TEST_F(JournalFile, PastItsCapacityTheJournalForgetsTheOldestAndSaysSo) {
  auto journal = Journal::open(path_, 4, 0);
  ASSERT_TRUE(journal);
  for (uint64_t sequence = 1; sequence <= 20; ++sequence) {
    journal->append(sequence, Ip4{static_cast<uint32_t>(100 + sequence)}, std::nullopt);
    ASSERT_TRUE(journal->sync());
  }
  EXPECT_EQ(journal->size(), 4u);
  EXPECT_EQ(journal->base(), 16u);
  EXPECT_FALSE(journal->covers(15));
  EXPECT_TRUE(journal->covers(16));
  EXPECT_EQ(journal->last_change_of(Ip4{101}), 0u);
  // The rewritten file says the same after a reopen.
  auto reopened = Journal::open(path_, 4, 0);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->base(), 16u);
  EXPECT_EQ(reopened->size(), 4u);
  EXPECT_LT(std::filesystem::file_size(path_), 4096u);
}

TEST(ResyncRule, TheSameClientKeepsTheLeaseWithMoreTimeLeftOnBothSides) {
  Lease short_one = lease_for(10, 1);
  Lease long_one = lease_for(10, 1);
  long_one.valid_lifetime_s = 7200;
  const int64_t now_s = short_one.cltt_s + 10;
  // Each side asks with itself as "mine"; both keep the long one.
  EXPECT_EQ(resolve_conflict(short_one, long_one, true, now_s), Keep::Theirs);
  EXPECT_EQ(resolve_conflict(long_one, short_one, false, now_s), Keep::Mine);
  // A released copy against a bound one: the bound one, wherever it is.
  Lease released = lease_for(10, 1, LeaseState::Reclaimed);
  EXPECT_EQ(resolve_conflict(released, short_one, true, now_s), Keep::Theirs);
  EXPECT_EQ(resolve_conflict(short_one, released, false, now_s), Keep::Mine);
}

TEST(ResyncRule, TwoClientsOnOneAddressGoToTheAddressOwnersVersion) {
  const Lease a = lease_for(10, 1);
  Lease b = lease_for(10, 2);
  b.valid_lifetime_s = 99999;  // more time left changes nothing between clients
  const int64_t now_s = a.cltt_s + 10;
  // The owner keeps its own; the other side takes the owner's.
  EXPECT_EQ(resolve_conflict(a, b, true, now_s), Keep::Mine);
  EXPECT_EQ(resolve_conflict(b, a, false, now_s), Keep::Theirs);
  EXPECT_EQ(resolve_conflict(std::nullopt, a, false, now_s), Keep::Theirs);
  EXPECT_EQ(resolve_conflict(a, std::nullopt, true, now_s), Keep::Mine);
}

// After partner-down plus MCLT a survivor may grant an address of the
// other's share; the owner still has an old client's expired row there.
// Keeping the owner's row would let the owner hand out an address in use.
TEST(ResyncRule, ABoundLeaseBeatsTheOwnersExpiredRowOfAnotherClient) {
  Lease expired = lease_for(10, 1);
  const Lease bound = lease_for(10, 2);
  const int64_t now_s = bound.cltt_s + 10;
  expired.cltt_s = now_s - 2 * int64_t{expired.valid_lifetime_s};
  EXPECT_EQ(resolve_conflict(expired, bound, true, now_s), Keep::Theirs);
  EXPECT_EQ(resolve_conflict(bound, expired, false, now_s), Keep::Mine);
  EXPECT_EQ(resolve_conflict(std::nullopt, bound, true, now_s), Keep::Theirs);
  // Neither bound: the owner's version, as before.
  EXPECT_EQ(resolve_conflict(expired, std::nullopt, true, now_s), Keep::Mine);
}

}  // namespace
}  // namespace bs::ha
