// hooks-libraries mapped to built-in features: libdhcp_ping_check's
// parameters onto conflict probing (with a warning for each that has no
// equivalent), libdhcp_run_script's onto the script runner, and the
// refusal of every other library.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::parse_ok;

std::string hooks(const std::string& entries, const std::string& extra = "") {
  return R"({"Dhcp4": {)" + extra + R"("hooks-libraries": [)" + entries + "]}}";
}

bool has_warning(const Config& config, const std::string& text, int line = 0) {
  for (const ConfigError& warning : config.warnings) {
    if (warning.message.find(text) == std::string::npos) continue;
    if (line == 0 || warning.line == line) return true;
  }
  return false;
}

std::string refusal(const std::string& text) {
  auto config = parse_config(text, "x.json");
  EXPECT_FALSE(config.has_value()) << text;
  return config ? std::string() : config.error().to_string();
}

TEST(ConfigHooks, PingCheckWithKeaDefaultsProbesEveryOfferFor100ms) {
  const Config config = parse_ok(
      hooks(R"({"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ping_check.so"})"));
  EXPECT_EQ(config.probing.mode, ProbeMode::Always);
  EXPECT_EQ(config.probing.timeout_ms, 100u);
  EXPECT_TRUE(config.warnings.empty());
}

TEST(ConfigHooks, PingCheckParametersMapOrWarnWithTheirLine) {
  const Config config = parse_ok(R"({"Dhcp4": {"hooks-libraries": [
      {"library": "libdhcp_ping_check.so",
       "parameters": {
         "enable-ping-check": true,
         "min-ping-requests": 3,
         "reply-timeout": 250,
         "ping-cltt-secs": 60,
         "ping-channel-threads": 2}}]}})");
  EXPECT_EQ(config.probing.mode, ProbeMode::Always);
  EXPECT_EQ(config.probing.timeout_ms, 250u);
  EXPECT_TRUE(has_warning(config, "min-ping-requests: blackstart sends one probe", 5));
  EXPECT_TRUE(has_warning(config, "ping-cltt-secs has no equivalent", 7));
  EXPECT_TRUE(has_warning(config, "ping-channel-threads has no equivalent", 8));
  EXPECT_EQ(config.warnings.size(), 3u);
  EXPECT_EQ(config.warnings[0].file, "inline.json");
}

TEST(ConfigHooks, PingCheckDisabledKeepsBlackstartsDefaultAndSaysHowToTurnItOff) {
  const Config config = parse_ok(
      hooks(R"({"library": "libdhcp_ping_check.so", "parameters": {"enable-ping-check": false}})"));
  EXPECT_EQ(config.probing.mode, ProbeMode::Uncertain);
  EXPECT_TRUE(has_warning(config, "\"mode\": \"off\""));
}

TEST(ConfigHooks, ConflictProbingTakesPrecedenceOverPingCheck) {
  const Config config =
      parse_ok(hooks(R"({"library": "libdhcp_ping_check.so", "parameters": {"reply-timeout": 50}})",
                     R"("conflict-probing": {"mode": "uncertain", "timeout-ms": 400}, )"));
  EXPECT_EQ(config.probing.mode, ProbeMode::Uncertain);
  EXPECT_EQ(config.probing.timeout_ms, 400u);
  EXPECT_TRUE(has_warning(config, "\"conflict-probing\" is also given"));
  // What conflict-probing leaves unset still comes from the hook.
  const Config partial =
      parse_ok(hooks(R"({"library": "libdhcp_ping_check.so", "parameters": {"reply-timeout": 50}})",
                     R"("conflict-probing": {"max-pending": 10}, )"));
  EXPECT_EQ(partial.probing.mode, ProbeMode::Always);
  EXPECT_EQ(partial.probing.timeout_ms, 50u);
}

TEST(ConfigHooks, PingCheckRefusesBadParameters) {
  EXPECT_NE(refusal(hooks(R"({"library": "libdhcp_ping_check.so",
                               "parameters": {"reply-timeout": 5000}})"))
                .find("reply-timeout must be between 1 and 2000"),
            std::string::npos);
  EXPECT_NE(refusal(hooks(R"({"library": "libdhcp_ping_check.so",
                               "parameters": {"ping-count": 2}})"))
                .find("ping-count is not a parameter of libdhcp_ping_check"),
            std::string::npos);
}

TEST(ConfigHooks, RunScriptTakesItsScript) {
  const Config config = parse_ok(hooks(
      R"({"library": "libdhcp_run_script.so", "parameters": {"name": "/etc/kea/on-lease.sh", "sync": false}})"));
  EXPECT_EQ(config.run_script.path, "/etc/kea/on-lease.sh");
  EXPECT_TRUE(parse_ok(R"({"Dhcp4": {}})").run_script.path.empty());
}

TEST(ConfigHooks, RunScriptRefusalsSayWhy) {
  EXPECT_NE(refusal(hooks(R"({"library": "libdhcp_run_script.so",
                               "parameters": {"name": "/x.sh", "sync": true}})"))
                .find("blackstart never waits for a script before answering a client"),
            std::string::npos);
  EXPECT_NE(refusal(hooks(R"({"library": "libdhcp_run_script.so", "parameters": {}})"))
                .find("needs \"name\""),
            std::string::npos);
  EXPECT_NE(
      refusal(hooks(R"({"library": "libdhcp_run_script.so", "parameters": {"name": "x.sh"}})"))
          .find("must be an absolute path"),
      std::string::npos);
  EXPECT_NE(refusal(hooks(R"({"library": "libdhcp_run_script.so",
                               "parameters": {"name": "/x.sh"}},
                              {"library": "libdhcp_run_script.so",
                               "parameters": {"name": "/y.sh"}})"))
                .find("loaded twice"),
            std::string::npos);
}

TEST(ConfigHooks, OtherLibrariesAreRefusedByNameWithWhatTheyWouldNeed) {
  const std::string message = refusal(hooks(R"({"library": "/opt/hooks/libdhcp_legal_log.so"})"));
  EXPECT_NE(message.find(
                "x.json:1: Dhcp4.hooks-libraries[0].library \"/opt/hooks/libdhcp_legal_log.so\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("hook library libdhcp_legal_log is not supported (the forensic log"),
            std::string::npos);
  EXPECT_NE(message.find("libdhcp_run_script and libdhcp_ha are built in"), std::string::npos);
  EXPECT_NE(refusal(hooks(R"({"library": "libmy_own.so"})"))
                .find("libmy_own is not supported (blackstart loads no hook libraries"),
            std::string::npos);
}

}  // namespace
}  // namespace bs::config
