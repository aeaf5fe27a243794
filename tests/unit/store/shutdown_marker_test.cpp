// The clean-shutdown marker tells a crash from a clean stop.
#include "store/shutdown_marker.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace bs::store {
namespace {

class ShutdownMarkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/bs-marker-XXXXXX";
    directory_ = mkdtemp(pattern);
    database_ = directory_ + "/leases.sqlite3";
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  void create_database() { std::ofstream(database_) << "x"; }

  std::string directory_, database_;
};

TEST_F(ShutdownMarkerTest, NoDatabaseIsAFirstStart) {
  EXPECT_EQ(previous_shutdown(database_), PreviousShutdown::FirstStart);
}

TEST_F(ShutdownMarkerTest, RunningWithoutCleanStopIsUnclean) {
  create_database();
  ASSERT_TRUE(mark_running(database_));
  EXPECT_EQ(previous_shutdown(database_), PreviousShutdown::Unclean);
}

TEST_F(ShutdownMarkerTest, CleanStopIsSeenThenClearedByTheNextRun) {
  create_database();
  ASSERT_TRUE(mark_clean_shutdown(database_));
  EXPECT_EQ(previous_shutdown(database_), PreviousShutdown::Clean);
  ASSERT_TRUE(mark_running(database_));
  EXPECT_EQ(previous_shutdown(database_), PreviousShutdown::Unclean);
}

TEST_F(ShutdownMarkerTest, ADatabaseRestoredFromABackupIsNoticed) {
  create_database();
  const std::string backup = directory_ + "/backup.sqlite3";
  std::filesystem::copy_file(database_, backup);
  ASSERT_TRUE(mark_clean_shutdown(database_));
  std::filesystem::remove(database_);
  std::filesystem::copy_file(backup, database_);  // same bytes, another file
  EXPECT_EQ(previous_shutdown(database_), PreviousShutdown::Changed);
}

TEST_F(ShutdownMarkerTest, ADatabaseWrittenInPlaceWhileStoppedIsNoticed) {
  create_database();
  ASSERT_TRUE(mark_clean_shutdown(database_));
  std::ofstream(database_, std::ios::trunc) << "y";  // same inode, same size
  EXPECT_EQ(previous_shutdown(database_), PreviousShutdown::Changed);
}

TEST_F(ShutdownMarkerTest, AnEmptyMarkerFromAnOlderVersionMeansClean) {
  create_database();
  std::ofstream(shutdown_marker_path(database_)).flush();
  EXPECT_EQ(previous_shutdown(database_), PreviousShutdown::Clean);
}

TEST_F(ShutdownMarkerTest, UnwritableDirectoryIsAnError) {
  create_database();
  EXPECT_FALSE(mark_clean_shutdown(directory_ + "/missing/leases.sqlite3"));
}

}  // namespace
}  // namespace bs::store
