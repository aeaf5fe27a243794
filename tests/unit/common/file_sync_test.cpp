// Directory fsync and errno wording: the durable-name helper every store,
// the HA files and the shutdown marker share.
#include "common/file_sync.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

namespace bs {
namespace {

TEST(FileSync, SyncsTheDirectoryHoldingAFile) {
  char pattern[] = "/tmp/bs-file-sync.XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  std::ofstream(dir + "/leases.csv") << "x\n";
  EXPECT_TRUE(fsync_directory_of(dir + "/leases.csv").has_value());
  EXPECT_TRUE(fsync_directory_of(dir + "/not-yet-there").has_value())
      << "the directory is what is synced, not the file";
  ::unlink((dir + "/leases.csv").c_str());
  ::rmdir(dir.c_str());
}

TEST(FileSync, NamesTheStepTheDirectoryAndTheErrorWhenItFails) {
  auto failed = fsync_directory_of("/nonexistent-bs-dir/leases.csv");
  ASSERT_FALSE(failed.has_value());
  EXPECT_STREQ(failed.error().step, "open directory");
  EXPECT_EQ(failed.error().directory, "/nonexistent-bs-dir/");
  EXPECT_EQ(failed.error().error_number, ENOENT);
  EXPECT_EQ(failed.error().message(),
            "open directory /nonexistent-bs-dir/: No such file or directory");
}

TEST(FileSync, ErrnoMessageReadsErrnoAtTheCall) {
  errno = EIO;
  EXPECT_EQ(errno_message("fsync", "/var/lib/x"), "fsync /var/lib/x: Input/output error");
}

}  // namespace
}  // namespace bs
