// Kea Dhcp4 keys beyond blackstart's original subset: how each is read,
// inherited and warned about.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::ip;
using testing::parse_ok;

TEST(ConfigKea, SubnetsWithoutIdAreNumberedAsKea22Does) {
  // The counter counts only subnets without "id", from 1, in file order.
  const Config config = parse_ok(R"({"Dhcp4": {"subnet4": [
      {"subnet": "198.18.1.0/24"}, {"id": 7, "subnet": "198.18.2.0/24"},
      {"subnet": "198.18.3.0/24"}]}})");
  ASSERT_EQ(config.subnets.size(), 3u);
  EXPECT_EQ(config.subnets[0].id, 1u);
  EXPECT_EQ(config.subnets[1].id, 7u);
  EXPECT_EQ(config.subnets[2].id, 2u);
  ASSERT_EQ(config.warnings.size(), 1u);
  EXPECT_NE(config.warnings[0].message.find("numbered from 1 in file order"), std::string::npos);
}

TEST(ConfigKea, NetworkSettingsAreInheritedBySubnets) {
  const Config config = parse_ok(R"({"Dhcp4": {"match-client-id": false, "authoritative": true,
      "next-server": "198.18.0.5", "boot-file-name": "a.efi", "t1-percent": .25,
      "calculate-tee-times": true, "min-valid-lifetime": 60, "max-valid-lifetime": 9000,
      "reservation-mode": "global",
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "boot-file-name": "b.efi",
                   "match-client-id": true, "reservations-out-of-pool": true}]}})");
  const Subnet& subnet = config.subnets.at(0);
  EXPECT_EQ(subnet.match_client_id, true);
  EXPECT_EQ(subnet.authoritative, true);
  EXPECT_EQ(subnet.boot.next_server, ip("198.18.0.5"));
  EXPECT_EQ(subnet.boot.boot_file_name, "b.efi");
  EXPECT_EQ(subnet.tee.t1_percent, 0.25);
  EXPECT_EQ(subnet.tee.calculate, true);
  EXPECT_EQ(subnet.reservations_global, true);  // "global" mode
  EXPECT_EQ(subnet.reservations_in_subnet, false);
  EXPECT_EQ(subnet.reservations_out_of_pool, true);
  EXPECT_EQ(valid_lifetime_for(config, subnet, 0), 7200u);
  EXPECT_EQ(valid_lifetime_for(config, subnet, 10), 60u);
  EXPECT_EQ(valid_lifetime_for(config, subnet, 100000), 9000u);
  EXPECT_EQ(max_valid_lifetime(config, subnet), 9000u);
}

TEST(ConfigKea, GlobalReservationsApplyWhereTheFlagSaysSo) {
  const Config config = parse_ok(R"({"Dhcp4": {
      "reservations": [{"hw-address": "02:00:00:00:00:01", "ip-address": "198.18.1.9"}],
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "reservations-global": true,
                   "reservations-in-subnet": false,
                   "reservations": [{"hw-address": "02:00:00:00:00:02"}]},
                  {"id": 2, "subnet": "198.18.2.0/24", "reservations-global": true},
                  {"id": 3, "subnet": "198.18.3.0/24"}]}})");
  ASSERT_EQ(config.subnets[0].reservations.size(), 1u);  // own ones switched off
  EXPECT_TRUE(config.subnets[0].reservations[0].global);
  EXPECT_EQ(config.subnets[0].reservations[0].ip_address, ip("198.18.1.9"));
  ASSERT_EQ(config.subnets[1].reservations.size(), 1u);
  EXPECT_TRUE(config.subnets[1].reservations[0].ip_address.is_zero());  // not in this subnet
  EXPECT_TRUE(config.subnets[2].reservations.empty());
}

TEST(ConfigKea, IdentifiersExpiryThreadingAndBuiltInHooks) {
  const Config config = parse_ok(R"({"Dhcp4": {
      "host-reservation-identifiers": ["circuit-id", "hw-address"],
      "expired-leases-processing": {"reclaim-timer-wait-time": 5, "max-reclaim-leases": 0,
                                    "hold-reclaimed-time": 1800},
      "multi-threading": {"enable-multi-threading": true, "thread-pool-size": 4,
                          "packet-queue-size": 64},
      "hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"},
                          {"library": "libdhcp_stat_cmds.so", "parameters": {}}]}})");
  EXPECT_EQ(config.host_identifiers,
            (std::vector<HostIdentifier>{HostIdentifier::CircuitId, HostIdentifier::HwAddress}));
  EXPECT_EQ(config.expiry.reclaim_timer_wait_time_s, 5u);
  EXPECT_EQ(config.expiry.max_reclaim_leases, 0u);
  EXPECT_EQ(config.expiry.hold_reclaimed_time_s, 1800u);
  const Config all = parse_ok(R"({"Dhcp4": {"host-reservation-identifiers": ["auto"]}})");
  EXPECT_EQ(all.host_identifiers.size(), 5u);
}

TEST(ConfigKea, RefusalsNameTheKeyAndSayWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"Dhcp4": {"hooks-libraries": [{"library": "/x/libdhcp_legal_log.so"}]}})",
       "hook library libdhcp_legal_log is not supported (the forensic log is not built in yet"},
      {R"({"Dhcp4": {"hooks-libraries": [{"library": "libdhcp_lease_cmds.so",
           "parameters": {"a": 1}}]}})",
       "built-in libdhcp_lease_cmds takes no parameters"},
      {R"({"Dhcp4": {"host-reservation-identifiers": []}})", "must not be empty"},
      {R"({"Dhcp4": {"host-reservation-identifiers": ["auto", "duid"]}})",
       "\"auto\" cannot be combined"},
      {R"({"Dhcp4": {"host-reservation-identifiers": ["mac"]}})", "must be \"hw-address\""},
      {R"({"Dhcp4": {"expired-leases-processing": {"max-reclaim-time": 70000}}})",
       "max-reclaim-time must be between 0 and 65535"},
      {R"({"Dhcp4": {"multi-threading": {"thread-pool-size": -1}}})",
       "thread-pool-size must be between"},
      {R"({"Dhcp4": {"config-control": {}}})", "\"config-control\" in Dhcp4"},
  };
  for (const auto& [text, message] : cases) {
    const auto config = parse_config(text, "x.json");
    ASSERT_FALSE(config.has_value()) << text;
    EXPECT_NE(config.error().message.find(message), std::string::npos)
        << config.error().to_string();
  }
}

TEST(ConfigKea, TopLevelLoggingIsReadWithAWarning) {
  const Config config = parse_ok(R"({"Dhcp4": {},
      "Logging": {"loggers": [{"name": "kea-dhcp4", "severity": "DEBUG"}]}})");
  EXPECT_EQ(config.log_severity, "DEBUG");
  ASSERT_EQ(config.warnings.size(), 1u);
  EXPECT_NE(config.warnings[0].message.find("Kea 1.x layout"), std::string::npos);
}

TEST(ConfigKea, LeadingPointNumbers) {
  const Config config = parse_ok(R"({"Dhcp4": {"t1-percent": .5, "t2-percent": 0.75}})");
  EXPECT_EQ(config.tee.t1_percent, 0.5);
}

class IncludeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-include-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(IncludeTest, IncludedTextIsSplicedAndErrorsNameItsFileAndLine) {
  const std::string subnets = write("subnets.json", R"("subnet4": [
  {"id": 1, "subnet": "198.18.1.0/24"},
  {"id": 2, "subnet": "198.18.2.0/24", "pools": [{"pool": "198.18.9.1 - 198.18.9.2"}]}
],)");
  const std::string main =
      write("main.json", "{\"Dhcp4\": {\n  // <?include \"nope\"?>\n  <?include \"" + subnets +
                             "\"?>\n  \"valid-lifetime\": 600\n}}");
  const auto config = load_config_file(main);
  ASSERT_FALSE(config.has_value());
  // The pool error is in the included file, on its line 3.
  EXPECT_EQ(config.error().file, subnets);
  EXPECT_EQ(config.error().line, 3);
  const std::string good_subnets =
      write("good.json", R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}],)");
  const std::string good = write("good-main.json", "{\"Dhcp4\": {\n<?include \"" + good_subnets +
                                                       "\"?>\n\"valid-lifetime\": 600}}");
  const auto loaded = load_config_file(good);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
  EXPECT_EQ(loaded->subnets.size(), 1u);
  EXPECT_EQ(loaded->valid_lifetime_s, 600u);
}

TEST_F(IncludeTest, SelfInclusionStopsAtTenLevels) {
  const std::string path = (dir_ / "loop.json").string();
  write("loop.json", "{\"Dhcp4\": {\n<?include \"" + path + "\"?>\n}}");
  const auto config = load_config_file(path);
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("nested more than 10 levels"), std::string::npos)
      << config.error().to_string();
}

}  // namespace
}  // namespace bs::config
