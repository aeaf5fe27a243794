// Kea severity names to spdlog levels, one mapping for start-up, log
// outputs and reload.
#include "control/log_severity.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace bs::control {
namespace {

TEST(LogSeverity, KeaNamesMapToLevels) {
  EXPECT_EQ(level_for_severity("DEBUG"), spdlog::level::debug);
  EXPECT_EQ(level_for_severity("INFO"), spdlog::level::info);
  EXPECT_EQ(level_for_severity("WARN"), spdlog::level::warn);
  EXPECT_EQ(level_for_severity("ERROR"), spdlog::level::err);
  EXPECT_EQ(level_for_severity("FATAL"), spdlog::level::critical);
}

TEST(LogSeverity, UnknownNameIsInfo) {
  EXPECT_EQ(level_for_severity("LOUD"), spdlog::level::info);
  EXPECT_EQ(level_for_severity(""), spdlog::level::info);
}

TEST(LogSeverity, ApplySetsTheDefaultLoggersLevel) {
  const spdlog::level::level_enum before = spdlog::get_level();
  apply_log_severity("ERROR");
  EXPECT_EQ(spdlog::get_level(), spdlog::level::err);
  apply_log_severity("DEBUG");
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  spdlog::set_level(before);
}

}  // namespace
}  // namespace bs::control
