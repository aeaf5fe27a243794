// Kea's tuning settings (config_kea_tuning.cpp): accepted with Kea's types
// and values, warned about where blackstart behaves differently, refused
// where blackstart cannot do what they ask (DNS updates switched on).
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::parse_ok;

std::string with_globals(const std::string& globals) {
  return R"({"Dhcp4": {)" + globals + R"(, "subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}]}})";
}

bool warned(const Config& config, const std::string& text) {
  for (const ConfigError& warning : config.warnings) {
    if (warning.message.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string refusal(const std::string& text) {
  auto config = parse_config(text, "inline.json");
  EXPECT_FALSE(config.has_value());
  return config ? "" : config.error().to_string();
}

TEST(ConfigKeaTuning, InertSettingsAreAcceptedSilently) {
  const Config config = parse_ok(with_globals(R"(
      "dhcp-ddns": {"enable-updates": false, "server-ip": "127.0.0.1"},
      "sanity-checks": {"lease-checks": "warn"},
      "reservations-lookup-first": true, "ip-reservations-unique": true,
      "statistic-default-sample-count": 20, "statistic-default-sample-age": 0,
      "dhcp-queue-control": {"enable-queue": false, "queue-type": "kea-ring4", "capacity": 64},
      "compatibility": {"lenient-option-parsing": false},
      "server-tag": "building-a", "store-extended-info": false)"));
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front().to_string();
}

TEST(ConfigKeaTuning, DifferencesAreWarnedWithTheirLine) {
  const Config config = parse_ok(with_globals(R"("allocator": "random",
      "sanity-checks": {"lease-checks": "fix-del"},
      "cache-threshold": 0.25,
      "dhcp-queue-control": {"enable-queue": true},
      "interfaces-config": {"interfaces": [], "outbound-interface": "use-routing"},
      "ddns-send-updates": true)"));
  EXPECT_TRUE(warned(config, "whatever the allocator"));
  EXPECT_TRUE(warned(config, "neither rewrites nor deletes stored leases"));
  EXPECT_TRUE(warned(config, "no lease caching"));
  EXPECT_TRUE(warned(config, "bounded intake"));
  EXPECT_TRUE(warned(config, "same-as-inbound"));
  EXPECT_TRUE(warned(config, "sends no DNS updates"));
  for (const ConfigError& warning : config.warnings) EXPECT_GT(warning.line, 0);
}

TEST(ConfigKeaTuning, ScopedSettingsWorkInSubnetsToo) {
  const Config config = parse_ok(R"({"Dhcp4": {"subnet4": [{"id": 1,
      "subnet": "198.18.1.0/24", "ddns-qualifying-suffix": "example.org.",
      "hostname-char-set": "[^A-Za-z0-9.]", "offer-lifetime": 60,
      "pools": [{"pool": "198.18.1.10-198.18.1.20", "pool-id": 7}]}]}})");
  EXPECT_TRUE(warned(config, "sends no DNS updates"));
  EXPECT_TRUE(warned(config, "Kea's default set"));
  EXPECT_TRUE(warned(config, "holds an offered address"));
}

TEST(ConfigKeaTuning, DnsUpdatesSwitchedOnAreRefused) {
  const std::string error = refusal(with_globals(R"("dhcp-ddns": {"enable-updates": true})"));
  EXPECT_NE(error.find("dhcp-ddns.enable-updates true"), std::string::npos) << error;
  EXPECT_NE(error.find("Set it to false"), std::string::npos) << error;
}

TEST(ConfigKeaTuning, BadValuesAreRefusedWithKeaChoices) {
  EXPECT_NE(refusal(with_globals(R"("allocator": "roundrobin")")).find("\"iterative\", \"random\""),
            std::string::npos);
  EXPECT_NE(refusal(with_globals(R"("sanity-checks": {"lease-checks": "maybe"})"))
                .find("lease-checks must be one of"),
            std::string::npos);
  EXPECT_NE(refusal(with_globals(R"("cache-max-age": "soon")")).find("cache-max-age"),
            std::string::npos);
  EXPECT_NE(refusal(with_globals(R"("compatibility": {"be-nice": true})")).find("be-nice"),
            std::string::npos);
  EXPECT_NE(refusal(with_globals(R"("interfaces-config": {"outbound-interface": "sideways"})"))
                .find("same-as-inbound"),
            std::string::npos);
}

}  // namespace
}  // namespace bs::config
