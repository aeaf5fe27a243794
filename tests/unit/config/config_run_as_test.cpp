// "run-as" (blackstart's user switch) and the loggers' output_options,
// which the daemon module turns into the process's identity and log sinks.
#include <gtest/gtest.h>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::parse_ok;

std::string with_dhcp4(const std::string& members) {
  return R"({"Dhcp4": {"interfaces-config": {"interfaces": ["eth0"]}, )" + members + "}}";
}

TEST(ConfigRunAs, AbsentMeansNoSwitch) {
  const Config config = parse_ok(with_dhcp4(R"("valid-lifetime": 600)"));
  EXPECT_TRUE(config.run_as.user.empty());
  EXPECT_TRUE(config.run_as.group.empty());
}

TEST(ConfigRunAs, UserAndGroup) {
  const Config config =
      parse_ok(with_dhcp4(R"("run-as": {"user": "_blackstart", "group": "nogroup"})"));
  EXPECT_EQ(config.run_as.user, "_blackstart");
  EXPECT_EQ(config.run_as.group, "nogroup");
}

TEST(ConfigRunAs, GroupIsOptional) {
  const Config config = parse_ok(with_dhcp4(R"("run-as": {"user": "nobody"})"));
  EXPECT_EQ(config.run_as.user, "nobody");
  EXPECT_TRUE(config.run_as.group.empty());
}

TEST(ConfigRunAs, Refusals) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("run-as": {"group": "nogroup"})", "Dhcp4.run-as needs a \"user\""},
      {R"("run-as": {"user": "bad name"})", "Dhcp4.run-as.user must be a user or group name"},
      {R"("run-as": {"user": "-x"})", "must be a user or group name"},
      {R"("run-as": {"user": "nobody", "uid": 1})", "unknown key \"uid\" in Dhcp4.run-as"},
      {R"("run-as": "nobody")", "Dhcp4.run-as"},
  };
  for (const auto& [members, message] : cases) {
    auto config = parse_config(with_dhcp4(members), "inline.json");
    ASSERT_FALSE(config.has_value()) << members;
    EXPECT_NE(config.error().message.find(message), std::string::npos)
        << members << ": " << config.error().message;
  }
}

TEST(ConfigLogOutputs, NoLoggersMeansTheDefault) {
  EXPECT_TRUE(parse_ok(with_dhcp4(R"("valid-lifetime": 600)")).log_outputs.empty());
}

TEST(ConfigLogOutputs, LoggerWithoutOutputsIsKeasStdout) {
  const Config config = parse_ok(with_dhcp4(R"("loggers": [{"name": "kea-dhcp4"}])"));
  ASSERT_EQ(config.log_outputs.size(), 1u);
  EXPECT_EQ(config.log_outputs[0].output, "stdout");
}

TEST(ConfigLogOutputs, FirstLoggersOutputsWithKeasDefaults) {
  const Config config = parse_ok(with_dhcp4(R"("loggers": [
      {"name": "kea-dhcp4", "severity": "WARN", "output_options": [
         {"output": "/var/log/blackstart.log", "maxsize": 204800, "maxver": 4, "flush": false},
         {"output": "syslog:local3"}]},
      {"name": "kea-dhcp4.leases", "output_options": [{"output": "stderr"}]}])"));
  EXPECT_EQ(config.log_severity, "WARN");
  ASSERT_EQ(config.log_outputs.size(), 2u);
  EXPECT_EQ(config.log_outputs[0].output, "/var/log/blackstart.log");
  EXPECT_EQ(config.log_outputs[0].maxsize_bytes, 204800u);
  EXPECT_EQ(config.log_outputs[0].maxver, 4u);
  EXPECT_FALSE(config.log_outputs[0].flush);
  EXPECT_EQ(config.log_outputs[1].output, "syslog:local3");
  EXPECT_EQ(config.log_outputs[1].maxsize_bytes, 10'240'000u);  // Kea's default
  EXPECT_EQ(config.log_outputs[1].maxver, 1u);
  EXPECT_TRUE(config.log_outputs[1].flush);
}

TEST(ConfigLogOutputs, PatternIsAcceptedWithAWarning) {
  const Config config = parse_ok(with_dhcp4(
      R"("loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "stderr", "pattern": "%m\n"}]}])"));
  ASSERT_EQ(config.warnings.size(), 1u);
  EXPECT_NE(config.warnings[0].message.find("log4cplus"), std::string::npos);
}

}  // namespace
}  // namespace bs::config
