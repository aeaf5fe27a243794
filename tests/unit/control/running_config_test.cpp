// Which config changes a reload can apply and which need a restart: every
// lease-database setting is read once, when the store opens, and the
// run-as user and log outputs are set once, at start.
#include "control/running_config.h"

#include <gtest/gtest.h>

namespace bs::control {
namespace {

config::Config memfile_config(uint32_t lfc_interval_s, uint32_t max_row_errors) {
  config::Config config;
  config.lease_database.type = "memfile";
  config.lease_database.name = "/var/lib/kea/kea-leases4.csv";
  config.lease_database.lfc_interval_s = lfc_interval_s;
  config.lease_database.max_row_errors = max_row_errors;
  return config;
}

TEST(RestartOnlyChange, SameLeaseDatabaseIsReloadable) {
  EXPECT_FALSE(restart_only_change(memfile_config(3600, 0), memfile_config(3600, 0)));
}

TEST(RestartOnlyChange, MemfileCleanupIntervalNeedsARestart) {
  const auto change = restart_only_change(memfile_config(3600, 0), memfile_config(60, 0));
  ASSERT_TRUE(change);
  EXPECT_EQ(*change, "\"lease-database\" changed");
}

TEST(RestartOnlyChange, MemfileRowErrorLimitNeedsARestart) {
  EXPECT_TRUE(restart_only_change(memfile_config(3600, 0), memfile_config(3600, 5)));
}

// The switch to the run-as user happens once; there is no way back to root.
TEST(RestartOnlyChange, RunAsNeedsARestart) {
  config::Config next = memfile_config(3600, 0);
  next.run_as.user = "_blackstart";
  const auto change = restart_only_change(memfile_config(3600, 0), next);
  ASSERT_TRUE(change);
  EXPECT_EQ(*change, "\"run-as\" changed");
}

// Log files are opened once, as the run-as user; the severity may change.
TEST(RestartOnlyChange, LogOutputsNeedARestartSeverityDoesNot) {
  config::Config next = memfile_config(3600, 0);
  next.log_severity = "DEBUG";
  EXPECT_FALSE(restart_only_change(memfile_config(3600, 0), next));
  next.log_outputs.push_back(config::LogOutput{"/var/log/blackstart.log"});
  EXPECT_TRUE(restart_only_change(memfile_config(3600, 0), next));
}

}  // namespace
}  // namespace bs::control
