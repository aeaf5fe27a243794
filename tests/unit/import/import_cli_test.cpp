// `blackstart import` end to end, in a temporary directory: the leases land
// in the config's memfile, the store is left marked as cleanly closed (so
// the next start does not enter recovery mode), a database a server may be
// running on is refused without --force, and exit statuses.
#include "import/import_cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/lease_store.h"
#include "store/shutdown_marker.h"

namespace bs::import {
namespace {

class ImportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-import-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    write("kea.json", R"({"Dhcp4": {"lease-database": {"type": "memfile", "name": ")" + csv() +
                          R"(", "lfc-interval": 0},
        "subnet4": [{"id": 3, "subnet": "198.18.0.0/24"}]}})");
    write("dhcpd.leases",
          "lease 198.18.0.10 {\n  starts 4 2026/12/03 16:00:00;\n  ends 4 2026/12/03 18:00:00;\n"
          "  binding state active;\n  hardware ethernet 02:00:00:00:00:0a;\n}\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::string csv() const { return path("leases.csv"); }
  void write(const char* name, const std::string& text) const { std::ofstream(path(name)) << text; }
  static int run(std::vector<std::string> args) {
    args.insert(args.begin(), "import");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    return run_import_cli(static_cast<int>(argv.size()), argv.data());
  }
  std::vector<std::string> import_args() const {
    return {"--config", path("kea.json"), "--now", "1796316000", path("dhcpd.leases")};
  }
  size_t leases_in_store() const {
    auto store = store::open_memfile_store(csv(), {.lfc_interval_s = 0});
    EXPECT_TRUE(store.has_value());
    auto rows = (*store)->load_all();
    return rows ? rows->size() : 0;
  }

  std::filesystem::path dir_;
};

TEST_F(ImportCliTest, WritesTheLeasesAndLeavesTheStoreMarkedClean) {
  EXPECT_EQ(run(import_args()), 0);
  EXPECT_EQ(store::previous_shutdown(csv()), store::PreviousShutdown::Clean);
  EXPECT_EQ(leases_in_store(), 1u);
}

TEST_F(ImportCliTest, DryRunWritesNothing) {
  auto args = import_args();
  args.insert(args.begin(), "--dry-run");
  EXPECT_EQ(run(args), 0);
  EXPECT_FALSE(std::filesystem::exists(csv()));
}

TEST_F(ImportCliTest, ADatabaseWithoutItsMarkerIsRefusedUnlessForced) {
  ASSERT_EQ(run(import_args()), 0);
  ASSERT_TRUE(store::mark_running(csv()).has_value());  // as a running server leaves it
  EXPECT_EQ(run(import_args()), 1);
  auto forced = import_args();
  forced.insert(forced.begin(), "--force");
  EXPECT_EQ(run(forced), 0);
  EXPECT_EQ(store::previous_shutdown(csv()), store::PreviousShutdown::Unclean);  // not hidden
}

TEST_F(ImportCliTest, ErrorsInTheFileExitOneButGoodBlocksAreImported) {
  write("dhcpd.leases",
        "lease 198.18.0.10 { ends never; binding state active; uid \"\\400\"; }\n"
        "lease 198.18.0.11 { ends never; binding state active; uid 1:2:3; }\n");
  EXPECT_EQ(run(import_args()), 1);
  EXPECT_EQ(leases_in_store(), 1u);
}

TEST_F(ImportCliTest, UsageErrors) {
  EXPECT_EQ(run({}), 2);
  EXPECT_EQ(run({"--dhcpd-conf", path("dhcpd.conf"), path("dhcpd.leases")}), 2);
  EXPECT_EQ(run({"--no-such-flag"}), 2);
  EXPECT_EQ(run({"--dhcpd-conf", path("missing.conf")}), 1);
  EXPECT_EQ(run({path("missing.leases")}), 1);
}

TEST_F(ImportCliTest, TranslationExitsZeroForAValidResult) {
  write("dhcpd.conf", "subnet 198.18.0.0 netmask 255.255.255.0 { range 198.18.0.5; }\n");
  EXPECT_EQ(run({"--dhcpd-conf", path("dhcpd.conf")}), 0);
}

}  // namespace
}  // namespace bs::import
