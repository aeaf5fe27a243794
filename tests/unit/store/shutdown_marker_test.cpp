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

TEST_F(ShutdownMarkerTest, UnwritableDirectoryIsAnError) {
  create_database();
  EXPECT_FALSE(mark_clean_shutdown(directory_ + "/missing/leases.sqlite3"));
}

}  // namespace
}  // namespace bs::store
