// The disk reserve on a real file system (store/disk_reserve.h): allocated
// with its blocks, kept when present, released durably and reported in
// bytes, refused when the disk lacks twice its room. The full-disk path
// itself (a tmpfs filled to the last byte) runs in
// tests/integration/test_disk_fault.sh.
#include "store/disk_reserve.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store_fixture.h"

namespace bs::store::test {
namespace {

using DiskReserveTest = TempDir;

constexpr uint64_t kReserve = uint64_t{1} << 20;

uint64_t allocated_bytes(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return static_cast<uint64_t>(info.st_blocks) * 512;
}

TEST_F(DiskReserveTest, IsAllocatedWithItsBlocksThenHeld) {
  const std::string database = path();
  auto first = keep_disk_reserve(database, kReserve);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(*first, ReserveState::Created);
  EXPECT_EQ(disk_reserve_path(database), database + ".reserve");
  EXPECT_GE(allocated_bytes(disk_reserve_path(database)), kReserve) << "blocks, not a hole";
  auto second = keep_disk_reserve(database, kReserve);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(*second, ReserveState::Held);
}

TEST_F(DiskReserveTest, ReleaseRemovesItAndSaysHowMuchRoomItFreed) {
  const std::string database = path();
  ASSERT_TRUE(keep_disk_reserve(database, kReserve));
  auto released = release_disk_reserve(database);
  ASSERT_TRUE(released) << released.error();
  EXPECT_GE(*released, kReserve);
  EXPECT_FALSE(std::filesystem::exists(disk_reserve_path(database)));
  auto again = release_disk_reserve(database);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(*again, 0u) << "nothing left to free";
}

TEST_F(DiskReserveTest, AShortFileIsReplacedByAWholeOne) {
  const std::string database = path();
  std::ofstream(disk_reserve_path(database)) << "short";
  auto kept = keep_disk_reserve(database, kReserve);
  ASSERT_TRUE(kept) << kept.error();
  EXPECT_EQ(*kept, ReserveState::Created);
  EXPECT_GE(allocated_bytes(disk_reserve_path(database)), kReserve);
}

TEST_F(DiskReserveTest, ADiskWithoutTwiceItsRoomGetsNone) {
  const std::string database = path();
  constexpr uint64_t kMoreThanAnyDisk = uint64_t{1} << 60;
  auto kept = keep_disk_reserve(database, kMoreThanAnyDisk);
  ASSERT_TRUE(kept) << kept.error();
  EXPECT_EQ(*kept, ReserveState::NoRoom);
  EXPECT_FALSE(std::filesystem::exists(disk_reserve_path(database)));
  EXPECT_FALSE(std::filesystem::exists(disk_reserve_path(database) + ".tmp"));
}

TEST_F(DiskReserveTest, ReleaseAlsoRemovesAnInterruptedAllocation) {
  const std::string database = path();
  std::ofstream(disk_reserve_path(database) + ".tmp") << "cut mid-way";
  auto released = release_disk_reserve(database);
  ASSERT_TRUE(released) << released.error();
  EXPECT_FALSE(std::filesystem::exists(disk_reserve_path(database) + ".tmp"));
}

}  // namespace
}  // namespace bs::store::test
