// Rejected configurations. Each file under data/bad starts with a comment
// "// expect line N: TEXT" naming the line and message the loader must
// report, so adding a case needs no code; inline cases cover the rest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "config/config.h"
#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::data_path;

struct Expectation {
  int line = 0;
  std::string text;
};

std::optional<Expectation> read_expectation(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  constexpr std::string_view kPrefix = "// expect line ";
  if (!first.starts_with(kPrefix)) return std::nullopt;
  const size_t colon = first.find(": ");
  if (colon == std::string::npos) return std::nullopt;
  return Expectation{std::stoi(first.substr(kPrefix.size(), colon - kPrefix.size())),
                     first.substr(colon + 2)};
}

std::vector<std::string> bad_files() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(data_path("bad"))) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(ConfigBad, EveryBadFileFailsWhereItSays) {
  const auto paths = bad_files();
  ASSERT_FALSE(paths.empty());
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    const auto expectation = read_expectation(path);
    ASSERT_TRUE(expectation) << "first line must be \"// expect line N: TEXT\"";
    const auto config = load_config_file(path);
    ASSERT_FALSE(config.has_value());
    const ConfigError& error = config.error();
    EXPECT_EQ(error.file, path);
    EXPECT_EQ(error.line, expectation->line) << error.to_string();
    EXPECT_NE(error.message.find(expectation->text), std::string::npos) << error.to_string();
    EXPECT_TRUE(
        error.to_string().starts_with(path + ":" + std::to_string(expectation->line) + ": "));
  }
}

TEST(ConfigBad, RequiredCasesHaveFiles) {
  const auto paths = bad_files();
  const std::set<std::string> present(paths.begin(), paths.end());
  for (const char* name :
       {"unknown_key", "unsupported_key", "memfile", "bad_ip", "pool_outside_subnet",
        "overlapping_pools", "bad_prefix", "duplicate_subnet_id", "auto_id_clash",
        "bad_option_name", "bad_option_data", "syntax_error", "unterminated_comment",
        "type_error"}) {
    EXPECT_TRUE(present.count(data_path(std::string("bad/") + name + ".json"))) << name;
  }
}

TEST(ConfigBad, MissingFileNamesTheFile) {
  const std::string path = data_path("does/not/exist.json");
  const auto config = load_config_file(path);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().file, path);
  EXPECT_EQ(config.error().line, 0);
  EXPECT_EQ(config.error().to_string(),
            path + ": cannot read configuration file: No such file or directory");
}

TEST(ConfigBad, DirectoryIsNotAFile) {
  const auto config = load_config_file(data_path("bad"));
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("cannot read configuration file"), std::string::npos);
}

struct InlineCase {
  const char* name;
  std::string dhcp4;  // the members of "Dhcp4", all on line 2
  const char* message;
};

// Each body is wrapped so that it sits on line 2 of the parsed text.
void expect_rejected(const InlineCase& c) {
  const std::string text = std::string("{\"Dhcp4\": {\n") + c.dhcp4 + "\n}}";
  const auto config = parse_config(text, "inline.json");
  ASSERT_FALSE(config.has_value()) << c.name;
  EXPECT_EQ(config.error().line, 2) << c.name << ": " << config.error().to_string();
  EXPECT_NE(config.error().message.find(c.message), std::string::npos)
      << c.name << ": " << config.error().to_string();
}

constexpr const char* kSubnet = R"("id": 1, "subnet": "198.18.1.0/24")";

std::string subnet_with(const std::string& members) {
  return std::string(R"("subnet4": [{)") + kSubnet + ", " + members + "}]";
}

TEST(ConfigBad, ConflictProbing) {
  const InlineCase cases[] = {
      {"not an object", R"("conflict-probing": "always")", "must be an object"},
      {"bad mode", R"("conflict-probing": {"mode": "sometimes"})",
       "Dhcp4.conflict-probing.mode must be \"off\", \"uncertain\" or \"always\", got "
       "\"sometimes\""},
      {"timeout too short", R"("conflict-probing": {"timeout-ms": 5})",
       "must be between 10 and 2000"},
      {"no pending slots", R"("conflict-probing": {"max-pending": 0})", "must be between 1"},
      {"unknown key", R"("conflict-probing": {"ping": true})", "unknown key \"ping\""},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, GlobalSettings) {
  const InlineCase cases[] = {
      {"string lifetime", R"("valid-lifetime": "abc")",
       "Dhcp4.valid-lifetime must be an integer, got the string \"abc\""},
      {"float lifetime", R"("valid-lifetime": 1.5)", "must be an integer, got the number 1.5"},
      {"negative", R"("valid-lifetime": -1)", "must be between 1 and 4294967295, got -1"},
      {"zero lifetime", R"("valid-lifetime": 0)", "must be between 1"},
      {"too big", R"("renew-timer": 4294967296)", "must be between 1 and 4294967295"},
      {"bool", R"("authoritative": "yes")", "Dhcp4.authoritative must be true or false"},
      {"rebind vs valid", R"("valid-lifetime": 100, "rebind-timer": 100)",
       "Dhcp4.rebind-timer (100) must be less than valid-lifetime (100 from Dhcp4.valid-lifetime)"},
      {"renew vs rebind", R"("renew-timer": 60, "rebind-timer": 50)",
       "Dhcp4.renew-timer (60) must be less than rebind-timer (50 from Dhcp4.rebind-timer)"},
      {"renew vs default", R"("renew-timer": 7200)",
       "must be less than valid-lifetime (7200, the default)"},
      {"ddns", R"("dhcp-ddns": {"enable-updates": true})", "are not supported yet"},
      {"ddns type", R"("ddns-send-updates": "yes")", "must be true or false"},
      {"kea config-control", R"("config-control": {})",
       "\"config-control\" in Dhcp4 is a Kea setting"},
      {"unknown", R"("frobnicate": 1)", "unknown key \"frobnicate\" in Dhcp4"},
      {"options not list", R"("option-data": {})", "Dhcp4.option-data must be a list"},
      {"subnets not list", R"("subnet4": 1)",
       "Dhcp4.subnet4 must be a list [...], got the number 1"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, InterfacesAndLeaseDatabase) {
  const InlineCase cases[] = {
      {"bad address", R"("interfaces-config": {"interfaces": ["eth0/198.18.0.300"]})",
       "interfaces[0] must be \"NAME\", \"NAME/ADDRESS\" or \"*\""},
      {"star address", R"("interfaces-config": {"interfaces": ["*/198.18.0.1"]})", "\"*\""},
      {"long name", R"("interfaces-config": {"interfaces": ["a-very-long-interface"]})",
       "interfaces[0] must be"},
      {"not a string", R"("interfaces-config": {"interfaces": [1]})", "must be a string"},
      {"socket type", R"("interfaces-config": {"dhcp-socket-type": "tcp"})",
       "must be \"raw\" or \"udp\""},
      {"re-detect", R"("interfaces-config": {"re-detect": 1})", "must be true or false"},
      {"outbound", R"("interfaces-config": {"outbound-interface": "routing"})",
       "outbound-interface must be \"same-as-inbound\" or \"use-routing\""},
      {"mysql", R"("lease-database": {"type": "mysql", "name": "kea"})",
       "\"mysql\" is a Kea lease backend that blackstart does not support yet"},
      {"postgresql no name", R"("lease-database": {"type": "postgresql"})",
       "needs a \"name\" (the database)"},
      {"postgresql port", R"("lease-database": {"type": "postgresql", "name": "k", "port": 0})",
       "port must be 1..65535"},
      {"postgresql tls",
       R"("lease-database": {"type": "postgresql", "name": "k", "cert-file": "c"})",
       "\"cert-file\" in Dhcp4.lease-database is a Kea setting"},
      {"postgresql lfc",
       R"("lease-database": {"type": "postgresql", "name": "k", "lfc-interval": 1})",
       "a postgresql lease database needs no such setting"},
      {"reserve text", R"("lease-database": {"type": "sqlite", "disk-reserve-mb": "16M"})",
       "must be"},
      {"reserve negative", R"("lease-database": {"type": "sqlite", "disk-reserve-mb": -1})",
       "disk-reserve-mb must be"},
      {"postgresql reserve",
       R"("lease-database": {"type": "postgresql", "name": "k", "disk-reserve-mb": 16})",
       "disk-reserve-mb"},
      {"odd type", R"("lease-database": {"type": "csv"})", "is not a lease database"},
      {"no type", R"("lease-database": {"name": "x"})", "needs a \"type\""},
      {"lfc", R"("lease-database": {"type": "sqlite", "lfc-interval": 3600})",
       "lfc-interval is a setting of Kea's memfile backend"},
      {"persist false", R"("lease-database": {"type": "memfile", "persist": false})",
       "persist false would keep leases in memory only"},
      {"persist text", R"("lease-database": {"type": "memfile", "persist": "yes"})",
       "must be true or false"},
      {"negative lfc", R"("lease-database": {"type": "memfile", "lfc-interval": -1})",
       "lfc-interval"},
      {"row errors", R"("lease-database": {"type": "memfile", "max-row-errors": "5"})",
       "max-row-errors"},
      {"memfile host", R"("lease-database": {"type": "memfile", "host": "db"})",
       "\"host\" in Dhcp4.lease-database is a Kea setting"},
      {"host", R"("lease-database": {"type": "sqlite", "host": "db"})",
       "\"host\" in Dhcp4.lease-database is a Kea setting"},
      {"empty name", R"("lease-database": {"type": "sqlite", "name": ""})", "must not be empty"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, StarvationGuard) {
  const InlineCase cases[] = {
      {"not an object", R"("starvation-guard": 25)", "Dhcp4.starvation-guard must be an object"},
      {"no share", R"("starvation-guard": {})",
       "Dhcp4.starvation-guard needs \"max-pool-share-percent\""},
      {"over 100", R"("starvation-guard": {"max-pool-share-percent": 101})",
       "Dhcp4.starvation-guard.max-pool-share-percent must be between 0 and 100, got 101"},
      {"negative", R"("starvation-guard": {"max-pool-share-percent": -5})",
       "must be between 0 and 100"},
      {"string", R"("starvation-guard": {"max-pool-share-percent": "25%"})", "must be an integer"},
      {"unknown member", R"("starvation-guard": {"max-pool-share-percent": 25, "per-mac": 1})",
       "unknown key \"per-mac\" in Dhcp4.starvation-guard"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, Subnets) {
  const InlineCase cases[] = {
      {"id zero", R"("subnet4": [{"id": 0, "subnet": "198.18.1.0/24"}])",
       "Dhcp4.subnet4[0].id must be between 1 and 4294967294"},
      {"id max", R"("subnet4": [{"id": 4294967295, "subnet": "198.18.1.0/24"}])",
       "must be between 1 and 4294967294"},
      {"no subnet", R"("subnet4": [{"id": 1}])", "needs a \"subnet\""},
      {"len 33", R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/33"}])",
       "must be \"ADDRESS/LENGTH\" with a length of 1 to 32"},
      {"no len", R"("subnet4": [{"id": 1, "subnet": "198.18.1.0"}])", "ADDRESS/LENGTH"},
      {"not object", R"("subnet4": ["198.18.1.0/24"])", "Dhcp4.subnet4[0] must be an object"},
      {"subnet class", subnet_with(R"("require-client-classes": "a")"),
       "Dhcp4.subnet4[0].require-client-classes must be a list"},
      {"subnet auth", subnet_with(R"("authoritative": 1)"), "authoritative must be true or false"},
      {"client class", subnet_with(R"("client-class": 5)"),
       "Dhcp4.subnet4[0].client-class must be a class name, got the number 5"},
      {"t1 percent range", subnet_with(R"("t1-percent": 1.5)"),
       "t1-percent must be greater than 0 and less than 1, got 1.5"},
      {"t1 not below t2", subnet_with(R"("t1-percent": 0.9, "t2-percent": 0.8)"),
       "t1-percent (0.9) must be less than t2-percent (0.8)"},
      {"min above valid", subnet_with(R"("valid-lifetime": 100, "min-valid-lifetime": 200)"),
       "min-valid-lifetime (200) must not exceed valid-lifetime (100)"},
      {"max below valid", subnet_with(R"("max-valid-lifetime": 10)"),
       "max-valid-lifetime (10) must not be less than valid-lifetime (7200)"},
      {"next-server", subnet_with(R"("next-server": "tftp")"),
       "next-server must be an IPv4 address"},
      {"sname too long",
       subnet_with(std::string(R"("server-hostname": ")") + std::string(64, 'a') + "\""),
       "server-hostname is 64 bytes; the BOOTP field holds at most 63"},
      {"file too long",
       subnet_with(std::string(R"("boot-file-name": ")") + std::string(128, 'a') + "\""),
       "boot-file-name is 128 bytes; the BOOTP field holds at most 127"},
      {"reservation mode", subnet_with(R"("reservation-mode": "some")"),
       "reservation-mode must be \"all\", \"out-of-pool\", \"global\" or \"disabled\""},
      {"reservation mode and flag",
       subnet_with(R"("reservation-mode": "all", "reservations-global": true)"),
       "reservation-mode cannot be combined with \"reservations-global\""},
      {"typo", subnet_with(R"("pool": [])"),
       "unknown key \"pool\" in Dhcp4.subnet4[0] (did you mean \"pools\"?)"},
      {"bad interface", subnet_with(R"("interface": "eth0/1")"), "is not a valid interface name"},
      {"relay", subnet_with(R"("relay": {"ip-addresses": "198.18.1.1"})"),
       "relay.ip-addresses must be a list"},
      {"relay key", subnet_with(R"("relay": {"addresses": []})"), "unknown key"},
      {"subnet timer", subnet_with(R"("rebind-timer": "1h")"),
       "Dhcp4.subnet4[0].rebind-timer must be an integer"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, SubnetTimersAgainstInheritedValues) {
  const InlineCase cases[] = {
      {"subnet valid below global rebind",
       R"("rebind-timer": 500, "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "valid-lifetime": 400}])",
       "Dhcp4.subnet4[0].valid-lifetime (400) must be greater than rebind-timer (500 from "
       "Dhcp4.rebind-timer)"},
      {"subnet renew over subnet rebind",
       R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "renew-timer": 9, "rebind-timer": 8}])",
       "Dhcp4.subnet4[0].renew-timer (9) must be less than rebind-timer (8 from "
       "Dhcp4.subnet4[0].rebind-timer)"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, Pools) {
  const InlineCase cases[] = {
      {"reversed", subnet_with(R"("pools": [{"pool": "198.18.1.20 - 198.18.1.10"}])"),
       "pools[0].pool: the first address is after the last one"},
      {"not network", subnet_with(R"("pools": [{"pool": "198.18.1.5/30"}])"),
       "a network \"ADDRESS/LENGTH\""},
      {"garbage", subnet_with(R"("pools": [{"pool": "lots"}])"), "must be \"FIRST - LAST\""},
      {"bad address", subnet_with(R"("pools": [{"pool": "198.18.1.1 - 198.18.1.256"}])"),
       "of IPv4 addresses"},
      {"missing pool", subnet_with(R"("pools": [{}])"), "pools[0] needs a \"pool\""},
      {"pool options", subnet_with(R"("pools": [{"pool": "198.18.1.9/32", "option-data": 1}])"),
       "pools[0].option-data must be a list"},
      {"pool class",
       subnet_with(
           R"("pools": [{"pool": "198.18.1.9/32", "client-class": "x", "client-classes": ["x"]}])"),
       "Dhcp4.subnet4[0].pools[0] has both \"client-class\" and \"client-classes\""},
      {"prefix too wide", subnet_with(R"("pools": [{"pool": "198.18.0.0/23"}])"),
       "is not inside the subnet 198.18.1.0/24"},
      {"same pool twice",
       subnet_with(R"("pools": [{"pool": "198.18.1.9/32"}, {"pool": "198.18.1.9/32"}])"),
       "pools[1].pool overlaps"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, Reservations) {
  const InlineCase cases[] = {
      {"no identifier", subnet_with(R"("reservations": [{"ip-address": "198.18.1.5"}])"),
       "reservations[0] needs an identifier: \"hw-address\", \"client-id\""},
      {"bad hw", subnet_with(R"("reservations": [{"hw-address": "zz:zz"}])"),
       "hw-address must be like \"aa:bb:cc:dd:ee:ff\""},
      {"bad client id", subnet_with(R"("reservations": [{"client-id": "0g"}])"),
       "client-id must be hex"},
      {"duid", subnet_with(R"("reservations": [{"duid": "xx"}])"),
       "reservations[0].duid must be hex"},
      {"circuit-id twice",
       subnet_with(R"("reservations": [{"circuit-id": "'a'"}, {"circuit-id": "61"}])"),
       "reservations[1].circuit-id is the same"},
      {"no identifier", subnet_with(R"("reservations": [{"ip-address": "198.18.1.9"}])"),
       "needs an identifier"},
      {"bad ip",
       subnet_with(R"("reservations": [{"hw-address": "aa:bb:cc:dd:ee:ff", "ip-address": "x"}])"),
       "ip-address must be an IPv4 address"},
      {"hostname", subnet_with(R"("reservations": [{"client-id": "01:02", "hostname": 7}])"),
       "hostname must be a host name"},
      {"same ip",
       subnet_with(
           R"("reservations": [{"hw-address": "aa:bb:cc:dd:ee:01", "ip-address": )"
           R"("198.18.1.5"}, {"hw-address": "aa:bb:cc:dd:ee:02", "ip-address": "198.18.1.5"}])"),
       "reservations[1].ip-address is the same as in Dhcp4.subnet4[0].reservations[0]"},
      {"same client id",
       subnet_with(R"("reservations": [{"client-id": "01:02"}, {"client-id": "0102"}])"),
       "reservations[1].client-id is the same"},
      {"bad option",
       subnet_with(R"("reservations": [{"client-id": "01", "option-data": [{"code": 82}]}])"),
       "option 82 (dhcp-agent-options) is managed by the server"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, OptionData) {
  const InlineCase cases[] = {
      {"no name or code", R"("option-data": [{"data": "1"}])",
       "Dhcp4.option-data[0] needs a \"name\" or a \"code\""},
      {"code 0", R"("option-data": [{"code": 0, "data": ""}])", "option 0 (pad/end)"},
      {"code 255", R"("option-data": [{"code": 255}])", "option 255 (pad/end)"},
      {"code 256", R"("option-data": [{"code": 256}])", "must be between 0 and 255"},
      {"managed by name",
       R"("option-data": [{"name": "dhcp-server-identifier", "data": "198.18.1.1"}])",
       "option 54 (dhcp-server-identifier) is managed by the server"},
      {"managed 53", R"("option-data": [{"code": 53, "csv-format": false, "data": "01"}])",
       "option 53"},
      {"code mismatch", R"("option-data": [{"name": "routers", "code": 6, "data": "198.18.1.1"}])",
       "Dhcp4.option-data[0].code is 6 but option \"routers\" has code 3"},
      {"undefined csv", R"("option-data": [{"code": 252, "csv-format": true, "data": "x"}])",
       "so its data must be hex"},
      {"bad hex", R"("option-data": [{"code": 252, "data": "xyz"}])",
       "Dhcp4.option-data[0].data must be hex"},
      {"bad hex defined",
       R"("option-data": [{"name": "routers", "csv-format": false, "data": "1g"}])", "must be hex"},
      {"no data", R"("option-data": [{"name": "routers"}])", "needs \"data\""},
      {"data type", R"("option-data": [{"name": "routers", "data": 3}])", "data must be a string"},
      {"mtu range", R"("option-data": [{"name": "interface-mtu", "data": "70000"}])",
       "is not valid for option \"interface-mtu\""},
      {"space", R"("option-data": [{"name": "routers", "data": "198.18.1.1", "space": "vendor"}])",
       "unknown option name the string \"routers\" in option space \"vendor\""},
      {"never-send type",
       R"("option-data": [{"name": "routers", "data": "198.18.1.1", "never-send": 1}])",
       "never-send must be true or false"},
      {"string with comma", R"("option-data": [{"name": "domain-name", "data": "a.example, b"}])",
       "contains a comma; Kea keeps only the text before it"},
      {"hex out of range", R"("option-data": [{"name": "default-ip-ttl", "data": "0x100"}])",
       "'0x100' is out of range for uint8"},
      {"always-send type", R"("option-data": [{"code": 250, "always-send": "yes"}])",
       "always-send must be true or false"},
      {"duplicate",
       R"("option-data": [{"code": 3, "data": "198.18.1.1"}, {"name": "routers", "data": "198.18.1.2"}])",
       "Dhcp4.option-data[1]: option 3 is already set on line 2"},
      {"too long",
       R"("option-data": [{"code": 250, "data": ")"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       R"("}])",
       "option data is 280 bytes"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, Loggers) {
  const InlineCase cases[] = {
      {"severity", R"("loggers": [{"name": "kea-dhcp4", "severity": "VERBOSE"}])",
       "Dhcp4.loggers[0].severity must be FATAL, ERROR, WARN, INFO or DEBUG"},
      {"no name", R"("loggers": [{"severity": "INFO"}])", "Dhcp4.loggers[0] needs a \"name\""},
      {"debuglevel", R"("loggers": [{"name": "x", "debuglevel": 100}])", "between 0 and 99"},
      {"output key", R"("loggers": [{"name": "x", "output_options": [{"destination": "stdout"}]}])",
       "unknown key \"destination\" in Dhcp4.loggers[0].output_options[0]"},
      {"flush",
       R"("loggers": [{"name": "x", "output_options": [{"output": "stdout", "flush": 1}]}])",
       "flush must be true or false"},
  };
  for (const auto& c : cases) expect_rejected(c);
}

TEST(ConfigBad, TopLevel) {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"[]", 1, "must be an object {\"Dhcp4\": {...}}, got an array"},
      {"{}", 1, "has no \"Dhcp4\" section"},
      {"{\n\"Dhcp4\": []}", 2, "Dhcp4 must be an object"},
      {"{\"Dhcp4\": {},\n\"Control-agent\": {}}", 2, "\"Control-agent\" configures another Kea"},
      {"{\"Dhcp4\": {},\n\"Logging\": {\"output\": 1}}", 2, "unknown key \"output\" in Logging"},
      {"{\"Dhcp4\": {},\n\"Dhcp5\": {}}", 2, "unknown key \"Dhcp5\" at the top level"},
      {"{\"Dhcp4\": {\"valid-lifetime\": 3600,}, \"comment\": \"ok\"", 1, "expected ',' or '}'"},
  };
  for (const auto& c : cases) {
    const auto config = parse_config(c.text, "top.json");
    ASSERT_FALSE(config.has_value()) << c.text;
    EXPECT_EQ(config.error().line, c.line) << c.text;
    EXPECT_NE(config.error().message.find(c.message), std::string::npos)
        << c.text << " -> " << config.error().to_string();
  }
}

TEST(ConfigBad, ReportsTheFirstBadKeyInFileOrder) {
  const auto config =
      parse_config("{\"Dhcp4\": {\n\"zz-unknown\": 1,\n\"aa-unknown\": 2}}", "x.json");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().to_string(), "x.json:2: unknown key \"zz-unknown\" in Dhcp4");
}

TEST(ConfigBad, CommentAndUserContextAreIgnoredAnywhere) {
  const auto config = parse_config(
      R"({"comment": "x", "Dhcp4": {"user-context": {"a": [1]}, "subnet4": [{"comment": "s",
          "id": 1, "subnet": "198.18.1.0/24", "relay": {"comment": "r"},
          "pools": [{"pool": "198.18.1.9/32", "user-context": 1}],
          "option-data": [{"name": "routers", "data": "198.18.1.1", "comment": "o"}]}],
          "loggers": [{"name": "x", "comment": "l", "output_options": [{"comment": "p"}]}]}})",
      "ok.json");
  EXPECT_TRUE(config.has_value()) << config.error().to_string();
}

}  // namespace
}  // namespace bs::config
