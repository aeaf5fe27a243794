// libdhcp_ha's parameters as Kea 2.2 writes them, read into ha::HaConfig:
// Kea's keys with Kea's defaults and ranges, the pair rules, the refusals
// (TLS, backups, passive-backup, updates off), the warnings for what has no
// effect here, blackstart's own keys, and Kea's shipped HA templates.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::parse_ok;

std::string ha_file(const std::string& entry_extra, const std::string& peers = "",
                    const std::string& mode = "hot-standby") {
  const std::string peer_list =
      peers.empty() ? R"([{"name": "server1", "url": "http://198.18.0.1:8000/", "role": "primary"},
                        {"name": "server2", "url": "http://198.18.0.2:8000/", "role": "standby"}])"
                    : peers;
  return R"({"Dhcp4": {"hooks-libraries": [
      {"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so",
       "parameters": {"high-availability": [{
         "this-server-name": "server1", "mode": ")" +
         mode + R"(", )" + entry_extra + R"("peers": )" + peer_list + "}]}}]}}";
}

std::string refusal(const std::string& text) {
  auto config = parse_config(text, "x.json");
  EXPECT_FALSE(config.has_value()) << text;
  return config ? std::string() : config.error().to_string();
}

bool has_warning(const Config& config, const std::string& text) {
  for (const ConfigError& warning : config.warnings) {
    if (warning.message.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(HaConfig, HotStandbyWithKeaDefaults) {
  const Config config = parse_ok(ha_file(""));
  ASSERT_TRUE(config.ha.has_value());
  const ha::HaConfig& ha = *config.ha;
  EXPECT_EQ(ha.mode, ha::Mode::HotStandby);
  EXPECT_EQ(ha.heartbeat_delay_ms, 10000u);
  EXPECT_EQ(ha.max_response_delay_ms, 60000u);
  EXPECT_EQ(ha.max_ack_delay_ms, 10000u);
  EXPECT_EQ(ha.max_unacked_clients, 10u);
  EXPECT_EQ(ha.sync_page_limit, 10000u);
  EXPECT_TRUE(ha.sync_leases);
  EXPECT_EQ(ha.mclt_s, 1800u);
  EXPECT_EQ(ha.self().name, "server1");
  EXPECT_EQ(ha.self().role, ha::Role::Primary);
  EXPECT_EQ(ha.partner().name, "server2");
  EXPECT_EQ(ha.partner().role, ha::Role::Standby);
  EXPECT_EQ(ha.partner().address, testing::ip("198.18.0.2"));
  EXPECT_EQ(ha.partner().port, 8000);
  EXPECT_TRUE(ha.partner().auto_failover);
  EXPECT_TRUE(config.warnings.empty());
}

TEST(HaConfig, EveryKeaKeyIsReadWithItsValue) {
  const Config config = parse_ok(ha_file(
      R"("heartbeat-delay": 2000, "max-response-delay": 6000, "max-ack-delay": 1500,
         "max-unacked-clients": 0, "sync-leases": false, "sync-timeout": 30000,
         "sync-page-limit": 500, "delayed-updates-limit": 0, "send-lease-updates": true,
         "wait-backup-ack": false, "require-client-certs": false, "restrict-commands": true,)",
      R"([{"name": "a", "url": "http://198.18.0.1:8001", "role": "secondary",
           "auto-failover": false},
          {"name": "server1", "url": "http://198.18.0.2/", "role": "primary"}])",
      "load-balancing"));
  const ha::HaConfig& ha = *config.ha;
  EXPECT_EQ(ha.mode, ha::Mode::LoadBalancing);
  EXPECT_EQ(ha.heartbeat_delay_ms, 2000u);
  EXPECT_EQ(ha.max_response_delay_ms, 6000u);
  EXPECT_EQ(ha.max_ack_delay_ms, 1500u);
  EXPECT_EQ(ha.max_unacked_clients, 0u);
  EXPECT_FALSE(ha.sync_leases);
  EXPECT_EQ(ha.sync_timeout_ms, 30000u);
  EXPECT_EQ(ha.sync_page_limit, 500u);
  EXPECT_EQ(ha.self().port, 80);  // no port in the URL: Kea's 80
  EXPECT_EQ(ha.partner().port, 8001);
  EXPECT_FALSE(ha.partner().auto_failover);
  EXPECT_EQ(ha.partner().role, ha::Role::Secondary);
}

TEST(HaConfig, BlackstartKeysHaveThePrefix) {
  const Config config = parse_ok(ha_file(
      R"("blackstart-mclt": 600, "blackstart-standby-share-percent": 25,
         "blackstart-state-file": "/var/lib/blackstart/ha.state",)"));
  EXPECT_EQ(config.ha->mclt_s, 600u);
  EXPECT_EQ(config.ha->standby_share_percent, 25u);
  EXPECT_EQ(config.ha->state_file, "/var/lib/blackstart/ha.state");
  EXPECT_NE(refusal(ha_file(R"("blackstart-mclt": 0,)")).find("blackstart-mclt"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file(R"("blackstart-state-file": "ha.state",)")).find("absolute"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file(R"("mclt": 60,)")).find("is not a parameter of libdhcp_ha"),
            std::string::npos);
}

TEST(HaConfig, KeaRangesHold) {
  // Kea 2.2 keeps the delays in 16 bits.
  EXPECT_NE(refusal(ha_file(R"("heartbeat-delay": 70000,)")).find("heartbeat-delay"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file(R"("max-ack-delay": "5",)")).find("max-ack-delay"), std::string::npos);
}

TEST(HaConfig, PairRulesAreKeas) {
  EXPECT_NE(refusal(ha_file("", R"([{"name": "server1", "url": "http://198.18.0.1/",
                                    "role": "primary"},
                                   {"name": "server2", "url": "http://198.18.0.2/",
                                    "role": "secondary"}])"))
                .find("hot-standby pairs a primary with a standby"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file("",
                            R"([{"name": "server1", "url": "http://198.18.0.1/", "role": "primary"},
                                {"name": "server2", "url": "http://198.18.0.2/", "role": "standby"}])",
                            "load-balancing"))
                .find("load-balancing pairs a primary with a secondary"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file("", R"([{"name": "server2", "url": "http://198.18.0.1/",
                                    "role": "primary"},
                                   {"name": "server3", "url": "http://198.18.0.2/",
                                    "role": "standby"}])"))
                .find("no peer is named 'server1'"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file("", R"([{"name": "server1", "url": "http://198.18.0.1/",
                                    "role": "primary"},
                                   {"name": "server1", "url": "http://198.18.0.2/",
                                    "role": "standby"}])"))
                .find("given twice"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file("", R"([{"name": "server1", "url": "http://198.18.0.1/",
                                    "role": "primary"},
                                   {"name": "server2", "url": "http://198.18.0.2/",
                                    "role": "standby"},
                                   {"name": "server3", "url": "http://198.18.0.3/",
                                    "role": "backup"}])"))
                .find("backup servers are not supported"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file("", "", "passive-backup")).find("passive-backup is not supported"),
            std::string::npos);
}

TEST(HaConfig, UrlsNeedAnIpv4HostAndHttp) {
  EXPECT_NE(refusal(ha_file("", R"([{"name": "server1", "url": "http://dhcp1.example/",
                                    "role": "primary"},
                                   {"name": "server2", "url": "http://198.18.0.2/",
                                    "role": "standby"}])"))
                .find("by IPv4 address"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file("", R"([{"name": "server1", "url": "https://198.18.0.1/",
                                    "role": "primary"},
                                   {"name": "server2", "url": "http://198.18.0.2/",
                                    "role": "standby"}])"))
                .find("https is not supported"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file("", R"([{"name": "server1", "url": "http://198.18.0.1:99999/",
                                    "role": "primary"},
                                   {"name": "server2", "url": "http://198.18.0.2/",
                                    "role": "standby"}])"))
                .find("no valid port"),
            std::string::npos);
}

TEST(HaConfig, RefusesWhatWouldWeakenThePair) {
  EXPECT_NE(refusal(ha_file(R"("send-lease-updates": false,)")).find("both servers have it"),
            std::string::npos);
  EXPECT_NE(refusal(ha_file(R"("trust-anchor": "/etc/ca.pem",)")).find("TLS"), std::string::npos);
  const std::string two = R"({"Dhcp4": {"hooks-libraries": [
      {"library": "libdhcp_ha.so", "parameters": {"high-availability": [{}, {}]}}]}})";
  EXPECT_NE(refusal(two).find("exactly one entry"), std::string::npos);
  EXPECT_NE(refusal(R"({"Dhcp4": {"hooks-libraries": [{"library": "libdhcp_ha.so"}]}})")
                .find("needs \"high-availability\""),
            std::string::npos);
}

TEST(HaConfig, WarnsForWhatHasNoEffectHere) {
  const Config config = parse_ok(ha_file(
      R"("multi-threading": {"enable-multi-threading": true, "http-dedicated-listener": true,
                             "http-listener-threads": 4, "http-client-threads": 4},
         "state-machine": {"states": []}, "delayed-updates-limit": 100,)",
      R"([{"name": "server1", "url": "http://198.18.0.1:8000/", "role": "primary",
           "basic-auth-user": "kea", "basic-auth-password": "secret"},
          {"name": "server2", "url": "http://198.18.0.2:8000/", "role": "standby"}])"));
  EXPECT_TRUE(has_warning(config, "multi-threading has no effect"));
  EXPECT_TRUE(has_warning(config, "never pauses"));
  EXPECT_TRUE(has_warning(config, "never delays a lease update"));
  EXPECT_TRUE(has_warning(config, "basic-auth-user is not used"));
}

// Kea's own hot-standby templates (Debian's kea-doc), unchanged: server1
// is the primary, server2 the standby, with the file's timers.
TEST(HaConfig, KeasHotStandbyTemplatesLoadUnchanged) {
  const std::string dir = "/usr/share/doc/kea/examples/template-power-user-home/";
  if (!std::filesystem::exists(dir + "kea-dhcp4-1.conf")) GTEST_SKIP() << "kea-doc not installed";
  for (const char* file : {"kea-dhcp4-1.conf", "kea-dhcp4-2.conf"}) {
    auto config = load_config_file(dir + file);
    ASSERT_TRUE(config.has_value()) << config.error().to_string();
    ASSERT_TRUE(config->ha.has_value()) << file;
    EXPECT_EQ(config->ha->mode, ha::Mode::HotStandby);
    EXPECT_EQ(config->ha->max_ack_delay_ms, 5000u);
    EXPECT_EQ(config->ha->max_unacked_clients, 5u);
  }
}

}  // namespace
}  // namespace bs::config
