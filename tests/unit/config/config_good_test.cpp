// Accepted configurations: the example files parse into the structs the
// server will use, with defaults, inheritance and option encodings as Kea
// would apply them.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::data_path;
using testing::ip;
using testing::parse_ok;

Config load_ok(const std::string& path) {
  auto config = load_config_file(path);
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().to_string());
  return config ? *config : Config{};
}

TEST(ConfigGood, MinimalFileTakesDefaults) {
  const Config config = load_ok(data_path("good/minimal.json"));
  EXPECT_TRUE(config.interfaces.empty());
  // As Kea: no lease-database means memfile at Kea's path.
  EXPECT_EQ(config.lease_database.type, "memfile");
  EXPECT_EQ(config.lease_database.name, "/var/lib/kea/kea-leases4.csv");
  EXPECT_EQ(config.valid_lifetime_s, 7200u);
  EXPECT_FALSE(config.renew_timer_s);
  EXPECT_FALSE(config.rebind_timer_s);
  EXPECT_EQ(config.decline_probation_period_s, 86400u);
  EXPECT_FALSE(config.authoritative);
  EXPECT_TRUE(config.subnets.empty());
  EXPECT_EQ(config.log_severity, "INFO");
  EXPECT_TRUE(config.lease_database.fsync);
  EXPECT_EQ(config.starvation_guard.max_pool_share_percent, 0u);  // off
}

TEST(ConfigGood, FsyncCanBeTurnedOff) {
  const Config config = parse_ok(
      R"({"Dhcp4": {"lease-database": {"type": "sqlite", "name": "/x", "fsync": false}}})");
  EXPECT_FALSE(config.lease_database.fsync);
}

TEST(ConfigGood, TheDiskReserveIs16MiBUnlessSetForAFileStore) {
  const Config defaults =
      parse_ok(R"({"Dhcp4": {"lease-database": {"type": "sqlite", "name": "/x"}}})");
  EXPECT_EQ(defaults.lease_database.disk_reserve_bytes, uint64_t{16} << 20);
  const Config sqlite = parse_ok(
      R"({"Dhcp4": {"lease-database": {"type": "sqlite", "name": "/x", "disk-reserve-mb": 2}}})");
  EXPECT_EQ(sqlite.lease_database.disk_reserve_bytes, uint64_t{2} << 20);
  const Config memfile =
      parse_ok(R"({"Dhcp4": {"lease-database": {"type": "memfile", "disk-reserve-mb": 0}}})");
  EXPECT_EQ(memfile.lease_database.disk_reserve_bytes, 0u);
}

TEST(ConfigGood, MemfileTakesKeasDefaultsAndKeys) {
  const Config defaults = parse_ok(R"({"Dhcp4": {"lease-database": {"type": "memfile"}}})");
  EXPECT_EQ(defaults.lease_database.type, "memfile");
  EXPECT_EQ(defaults.lease_database.name, "/var/lib/kea/kea-leases4.csv");
  EXPECT_EQ(defaults.lease_database.lfc_interval_s, 3600u);
  EXPECT_EQ(defaults.lease_database.max_row_errors, 0u);
  EXPECT_TRUE(defaults.lease_database.fsync);
  const Config tuned = parse_ok(R"({"Dhcp4": {"lease-database": {"type": "memfile",
      "persist": true, "name": "/srv/leases4.csv", "lfc-interval": 0, "max-row-errors": 5}}})");
  EXPECT_EQ(tuned.lease_database.name, "/srv/leases4.csv");
  EXPECT_EQ(tuned.lease_database.lfc_interval_s, 0u);
  EXPECT_EQ(tuned.lease_database.max_row_errors, 5u);
}

TEST(ConfigGood, PostgresqlTakesKeasConnectionKeys) {
  const Config config = parse_ok(R"({"Dhcp4": {"lease-database": {"type": "postgresql",
      "name": "kea", "host": "/run/postgresql", "port": 5433, "user": "kea",
      "password": "secret", "connect-timeout": 9}}})");
  const LeaseDatabase& database = config.lease_database;
  EXPECT_EQ(database.type, "postgresql");
  EXPECT_EQ(database.name, "kea");
  EXPECT_EQ(database.host, "/run/postgresql");
  EXPECT_EQ(database.port, 5433);
  EXPECT_EQ(database.user, "kea");
  EXPECT_EQ(database.password, "secret");
  EXPECT_EQ(database.connect_timeout_s, 9u);
  EXPECT_TRUE(database.fsync);
  const Config defaults =
      parse_ok(R"({"Dhcp4": {"lease-database": {"type": "postgresql", "name": "leases"}}})");
  EXPECT_EQ(defaults.lease_database.host, "localhost");
  EXPECT_EQ(defaults.lease_database.port, 5432);
}

TEST(ConfigGood, OnlyPostgresqlKeepsItsLeasesOffThisHost) {
  const auto database_of = [](const char* type) {
    return parse_ok(std::string(R"({"Dhcp4": {"lease-database": {"type": ")") + type +
                    R"(", "name": "x"}}})")
        .lease_database;
  };
  EXPECT_TRUE(database_of("memfile").is_local_file());
  EXPECT_TRUE(database_of("memfile").is_memfile());
  EXPECT_TRUE(database_of("sqlite").is_local_file());
  EXPECT_TRUE(database_of("sqlite").is_sqlite());
  EXPECT_FALSE(database_of("postgresql").is_local_file());
  EXPECT_TRUE(database_of("postgresql").is_postgresql());
}

TEST(ConfigGood, ConflictProbingDefaultsToUncertainAndIsTunable) {
  const Config defaults = parse_ok(R"({"Dhcp4": {}})");
  EXPECT_EQ(defaults.probing.mode, ProbeMode::Uncertain);
  EXPECT_EQ(defaults.probing.timeout_ms, 300u);
  EXPECT_EQ(defaults.probing.max_pending, 4096u);
  const Config tuned = parse_ok(
      R"({"Dhcp4": {"conflict-probing": {"mode": "always", "timeout-ms": 500, "max-pending": 8}}})");
  EXPECT_EQ(tuned.probing.mode, ProbeMode::Always);
  EXPECT_EQ(tuned.probing.timeout_ms, 500u);
  EXPECT_EQ(tuned.probing.max_pending, 8u);
  EXPECT_EQ(parse_ok(R"({"Dhcp4": {"conflict-probing": {"mode": "off"}}})").probing.mode,
            ProbeMode::Off);
}

TEST(ConfigGood, StarvationGuardShare) {
  const Config config =
      parse_ok(R"({"Dhcp4": {"starvation-guard": {"max-pool-share-percent": 25}}})");
  EXPECT_EQ(config.starvation_guard.max_pool_share_percent, 25u);
  const Config off = parse_ok(R"({"Dhcp4": {"starvation-guard": {"max-pool-share-percent": 0,
                                  "comment": "off for now"}}})");
  EXPECT_EQ(off.starvation_guard.max_pool_share_percent, 0u);
}

TEST(ConfigGood, FullFileGlobals) {
  const Config config = load_ok(data_path("good/full.json"));
  ASSERT_EQ(config.interfaces.size(), 3u);
  EXPECT_EQ(config.interfaces[0].name, "eth0");
  EXPECT_FALSE(config.interfaces[0].address);
  EXPECT_EQ(config.interfaces[1].name, "eth1");
  EXPECT_EQ(config.interfaces[1].address, ip("198.18.0.1"));
  EXPECT_EQ(config.interfaces[2].name, "*");
  EXPECT_EQ(config.lease_database.name, "/tmp/leases.sqlite3");
  EXPECT_EQ(config.valid_lifetime_s, 4000u);
  EXPECT_EQ(config.renew_timer_s, 1000u);
  EXPECT_EQ(config.rebind_timer_s, 2000u);
  EXPECT_EQ(config.decline_probation_period_s, 3600u);
  EXPECT_TRUE(config.authoritative);
  EXPECT_EQ(config.log_severity, "DEBUG");
}

TEST(ConfigGood, FullFileGlobalOptions) {
  const Config config = load_ok(data_path("good/full.json"));
  ASSERT_EQ(config.options.size(), 4u);
  EXPECT_EQ(config.options[0].code, 6);
  EXPECT_EQ(config.options[0].data, (Bytes{198, 18, 1, 1, 198, 18, 1, 2}));
  EXPECT_FALSE(config.options[0].always_send);
  EXPECT_EQ(config.options[1].code, 15);
  EXPECT_EQ(config.options[1].data, Bytes(std::string_view("office.example").begin(),
                                          std::string_view("office.example").end()));
  EXPECT_EQ(config.options[2].code, 252);
  EXPECT_EQ(config.options[2].data, (Bytes{0x0a, 0x0b, 0x0c}));
  EXPECT_EQ(config.options[3].code, 42);
  EXPECT_TRUE(config.options[3].always_send);
}

TEST(ConfigGood, FullFileFirstSubnet) {
  const Config config = load_ok(data_path("good/full.json"));
  ASSERT_EQ(config.subnets.size(), 2u);
  const Subnet& subnet = config.subnets[0];
  EXPECT_EQ(subnet.id, 1u);
  EXPECT_EQ(subnet.prefix, ip("198.18.1.0"));
  EXPECT_EQ(subnet.prefix_len, 24);
  ASSERT_EQ(subnet.pools.size(), 2u);
  EXPECT_EQ(subnet.pools[0].first, ip("198.18.1.100"));
  EXPECT_EQ(subnet.pools[0].last, ip("198.18.1.199"));
  EXPECT_EQ(subnet.pools[1].first, ip("198.18.1.64"));
  EXPECT_EQ(subnet.pools[1].last, ip("198.18.1.95"));
  ASSERT_EQ(subnet.options.size(), 1u);
  EXPECT_EQ(subnet.options[0].code, 3);
  EXPECT_EQ(subnet.options[0].data, (Bytes{198, 18, 1, 1}));
  EXPECT_EQ(subnet.interface, "eth0");
  EXPECT_TRUE(subnet.relay_addresses.empty());
  EXPECT_FALSE(subnet.valid_lifetime_s);
  EXPECT_FALSE(subnet.renew_timer_s);
  EXPECT_FALSE(subnet.rebind_timer_s);
}

TEST(ConfigGood, FullFileReservations) {
  const Config config = load_ok(data_path("good/full.json"));
  ASSERT_EQ(config.subnets.size(), 2u);
  const auto& reservations = config.subnets[0].reservations;
  ASSERT_EQ(reservations.size(), 3u);
  ASSERT_TRUE(reservations[0].hw_address);
  EXPECT_EQ(to_string(*reservations[0].hw_address), "aa:bb:cc:dd:ee:01");
  EXPECT_TRUE(reservations[0].client_id.empty());
  EXPECT_EQ(reservations[0].ip_address, ip("198.18.1.10"));
  EXPECT_EQ(reservations[0].hostname, "printer");
  ASSERT_EQ(reservations[0].options.size(), 1u);
  EXPECT_EQ(reservations[0].options[0].code, 224);
  EXPECT_EQ(reservations[0].options[0].data, (Bytes{1, 2}));

  EXPECT_FALSE(reservations[1].hw_address);
  EXPECT_EQ(reservations[1].client_id, (Bytes{0x01, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x02}));
  EXPECT_EQ(reservations[1].ip_address, ip("198.18.1.11"));

  EXPECT_EQ(reservations[2].client_id, (Bytes{'l', 'a', 'p', 't', 'o', 'p'}));
  EXPECT_TRUE(reservations[2].ip_address.is_zero());
  EXPECT_EQ(reservations[2].hostname, "laptop");
}

TEST(ConfigGood, FullFileSecondSubnetOverridesTimersAndHasRelays) {
  const Config config = load_ok(data_path("good/full.json"));
  ASSERT_EQ(config.subnets.size(), 2u);
  const Subnet& subnet = config.subnets[1];
  EXPECT_EQ(subnet.id, 2u);
  ASSERT_EQ(subnet.pools.size(), 1u);
  EXPECT_EQ(subnet.pools[0].first, ip("198.18.2.10"));
  EXPECT_EQ(subnet.pools[0].last, ip("198.18.2.20"));
  EXPECT_EQ(subnet.relay_addresses, (std::vector<Ip4>{ip("198.18.2.1"), ip("198.18.2.2")}));
  EXPECT_EQ(subnet.valid_lifetime_s, 600u);
  EXPECT_EQ(subnet.renew_timer_s, 200u);
  EXPECT_EQ(subnet.rebind_timer_s, 400u);
  EXPECT_TRUE(subnet.interface.empty());
}

TEST(ConfigGood, KeaShapedFile) {
  const Config config = load_ok(data_path("good/kea_migrated.json"));
  ASSERT_EQ(config.subnets.size(), 1u);
  const Subnet& subnet = config.subnets[0];
  EXPECT_EQ(subnet.id, 42u);
  EXPECT_EQ(subnet.prefix_len, 16);
  EXPECT_EQ(subnet.relay_addresses, (std::vector<Ip4>{ip("198.19.0.1")}));
  ASSERT_EQ(subnet.options.size(), 3u);
  EXPECT_EQ(subnet.options[2].code, 26);
  EXPECT_EQ(subnet.options[2].data, (Bytes{0x05, 0x78}));
  ASSERT_EQ(subnet.reservations.size(), 1u);
  EXPECT_EQ(to_string(*subnet.reservations[0].hw_address), "02:00:00:00:00:2a");
  EXPECT_EQ(config.valid_lifetime_s, 86400u);
  EXPECT_EQ(config.log_severity, "INFO");
}

TEST(ConfigGood, ShippedExampleParses) {
  const Config config = load_ok(testing::source_path("etc/blackstart.json"));
  ASSERT_EQ(config.subnets.size(), 1u);
  const Subnet& subnet = config.subnets[0];
  EXPECT_EQ(subnet.prefix, ip("198.18.1.0"));
  EXPECT_EQ(subnet.prefix_len, 24);
  ASSERT_EQ(subnet.pools.size(), 1u);
  EXPECT_EQ(subnet.pools[0].first, ip("198.18.1.100"));
  EXPECT_EQ(subnet.pools[0].last, ip("198.18.1.199"));
  EXPECT_EQ(subnet.reservations.size(), 1u);
  EXPECT_EQ(config.lease_database.name, "/var/lib/blackstart/leases.sqlite3");
}

TEST(ConfigGood, FindSubnetById) {
  const Config config = load_ok(data_path("good/full.json"));
  ASSERT_NE(config.find_subnet(2), nullptr);
  EXPECT_EQ(config.find_subnet(2)->prefix, ip("198.18.2.0"));
  EXPECT_EQ(config.find_subnet(3), nullptr);
}

TEST(ConfigGood, OptionEncodings) {
  const Config config = parse_ok(R"({"Dhcp4": {"option-data": [
      {"name": "routers", "csv-format": false, "data": "C6120101"},
      {"code": 6, "name": "domain-name-servers", "data": "198.18.1.1"},
      {"code": 250, "data": "0x010203"},
      {"code": 251},
      {"name": "interface-mtu", "data": "1500"},
      {"name": "ip-forwarding", "data": "false"}
  ]}})");
  ASSERT_EQ(config.options.size(), 6u);
  EXPECT_EQ(config.options[0].data, (Bytes{198, 18, 1, 1}));
  EXPECT_EQ(config.options[1].data, (Bytes{198, 18, 1, 1}));
  EXPECT_EQ(config.options[2].data, (Bytes{1, 2, 3}));
  EXPECT_EQ(config.options[3].code, 251);
  EXPECT_TRUE(config.options[3].data.empty());
  EXPECT_EQ(config.options[4].data, (Bytes{0x05, 0xdc}));
  EXPECT_EQ(config.options[5].data, (Bytes{0}));
}

TEST(ConfigGood, SubnetInheritsGlobalTimersWhenConsistent) {
  // The subnet shortens only the lifetime; the inherited timers still fit.
  const Config config = parse_ok(R"({"Dhcp4": {"renew-timer": 100, "rebind-timer": 200,
      "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "valid-lifetime": 300}]}})");
  ASSERT_EQ(config.subnets.size(), 1u);
  EXPECT_EQ(config.subnets[0].valid_lifetime_s, 300u);
}

TEST(ConfigGood, PoolEdgeForms) {
  const Config config = parse_ok(R"({"Dhcp4": {"subnet4": [{"id": 4294967294,
      "subnet": "198.18.4.0/30", "pools": [{"pool": "198.18.4.1-198.18.4.1"},
      {"pool": "198.18.4.2/32"}, {"pool": "  198.18.4.3 -198.18.4.3 "}]}]}})");
  ASSERT_EQ(config.subnets.size(), 1u);
  EXPECT_EQ(config.subnets[0].id, 4294967294u);
  ASSERT_EQ(config.subnets[0].pools.size(), 3u);
  EXPECT_EQ(config.subnets[0].pools[1].first, config.subnets[0].pools[1].last);
}

TEST(ConfigGood, AdjacentSubnetsDoNotOverlap) {
  const Config config = parse_ok(R"({"Dhcp4": {"subnet4": [
      {"id": 1, "subnet": "198.18.1.0/24"}, {"id": 2, "subnet": "198.18.0.0/24"},
      {"id": 3, "subnet": "198.18.2.0/23"}]}})");
  EXPECT_EQ(config.subnets.size(), 3u);
}

TEST(ConfigGood, UnsupportedKeyListIsScopedAndUnique) {
  const auto& keys = unsupported_kea_keys();
  ASSERT_FALSE(keys.empty());
  const std::set<std::string_view> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size());
  for (std::string_view expected :
       {"Dhcp4.config-control", "Dhcp4.subnet4[].4o6-subnet",
        "Dhcp4.client-classes[].template-test", "Dhcp4.lease-database.host"}) {
    EXPECT_TRUE(unique.count(expected)) << expected;
  }
}

TEST(ConfigGood, ErrorFormatsLikeACompiler) {
  EXPECT_EQ((ConfigError{"a.json", 12, "bad"}).to_string(), "a.json:12: bad");
  EXPECT_EQ((ConfigError{"a.json", 0, "bad"}).to_string(), "a.json: bad");
}

}  // namespace
}  // namespace bs::config
