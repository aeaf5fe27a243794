// `blackstart -t`'s host checks against a faked host: each thing -c would
// fail on here (lease directory, interface, control socket, script) is
// reported with the file and line of the key to change, and nothing is
// reported when the host has all of it.
#include "config/host_checks.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "unit/config/test_util.h"

namespace bs::config {
namespace {

using testing::parse_ok;

struct FakeHost final : HostView {
  std::set<std::string> directories{"/var/lib/kea", "/var/lib/blackstart"};
  std::set<std::string> read_only_directories;
  std::set<std::string> read_only_files;
  std::set<std::string> interfaces{"lo", "eth0"};
  std::set<std::string> executables;
  std::set<uint16_t> busy_ports;
  std::set<uint32_t> local_addresses{0x7f000001u};

  std::optional<std::string> directory_problem(const std::string& directory) const override {
    if (read_only_directories.count(directory) != 0) return "is not writable by this user";
    if (directories.count(directory) == 0) return "does not exist";
    return std::nullopt;
  }
  std::optional<std::string> file_problem(const std::string& path) const override {
    if (read_only_files.count(path) != 0) return "is not readable and writable";
    return std::nullopt;
  }
  std::optional<std::string> executable_problem(const std::string& path) const override {
    if (executables.count(path) == 0) return "does not exist";
    return std::nullopt;
  }
  bool interface_exists(const std::string& name) const override {
    return interfaces.count(name) != 0;
  }
  std::optional<std::string> tcp_bind_problem(const ControlAddress& control,
                                              uint16_t port) const override {
    const Ip4 address = control.v4;
    if (address.value != 0 && local_addresses.count(address.value) == 0) {
      return "the address is not on this host";
    }
    if (busy_ports.count(port) != 0) return "the port is in use";
    return std::nullopt;
  }
  std::optional<std::string> account_problem(const RunAs& run_as) const override {
    if (run_as.user != "_blackstart") return "user \"" + run_as.user + "\" does not exist";
    return std::nullopt;
  }
};

std::vector<ConfigError> check(const std::string& text, const HostView& host) {
  const Config config = parse_ok(text);
  return check_host(config, host, locator_for_text("kea.conf", text));
}

const char* kFullConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["eth0", "eth7/198.18.0.1", "*"]},
  "lease-database": {"type": "memfile",
                     "name": "/srv/dhcp/leases4.csv"},
  "control-sockets": [{"socket-type": "http",
                       "socket-address": "127.0.0.1", "socket-port": 8004}],
  "hooks-libraries": [{"library": "libdhcp_run_script.so",
                       "parameters": {"name": "/etc/kea/hook.sh"}}]
}})";

TEST(HostChecks, AHostWithEverythingReportsNothing) {
  FakeHost host;
  host.directories.insert("/srv/dhcp");
  host.interfaces.insert("eth7");
  host.executables.insert("/etc/kea/hook.sh");
  EXPECT_TRUE(check(kFullConfig, host).empty());
}

TEST(HostChecks, EachMissingThingIsReportedAtItsLine) {
  FakeHost host;
  host.busy_ports.insert(8004);
  const auto problems = check(kFullConfig, host);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].to_string(),
            "kea.conf:4: lease-database memfile file \"/srv/dhcp/leases4.csv\": directory "
            "\"/srv/dhcp\" does not exist; -c would fail to open it here");
  EXPECT_EQ(problems[1].line, 2);
  EXPECT_NE(problems[1].message.find("interface \"eth7\" does not exist on this host"),
            std::string::npos);
  EXPECT_EQ(problems[2].line, 6);
  EXPECT_NE(problems[2].message.find("127.0.0.1:8004 cannot be bound here: the port is in use"),
            std::string::npos);
  EXPECT_NE(problems[3].message.find("script \"/etc/kea/hook.sh\" does not exist"),
            std::string::npos);
}

TEST(HostChecks, RunAsUserMustExist) {
  FakeHost host;
  EXPECT_TRUE(check(R"({"Dhcp4": {"run-as": {"user": "_blackstart"}}})", host).empty());
  const auto problems = check(R"({"Dhcp4": {
    "run-as": {"user": "_dhcp"}}})",
                              host);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].to_string(),
            "kea.conf:2: run-as: user \"_dhcp\" does not exist; -c "
            "would refuse to start as root");
}

TEST(HostChecks, SystemAccounts) {
  const SystemHostView host;
  EXPECT_EQ(host.account_problem({"nobody", "nogroup"}), std::nullopt);
  EXPECT_NE(host.account_problem({"root", ""}).value_or("").find("uid 0"), std::string::npos);
  EXPECT_NE(host.account_problem({"no-such-user-bs", ""}).value_or("").find("does not exist"),
            std::string::npos);
  EXPECT_NE(host.account_problem({"nobody", "no-such-group-bs"}).value_or("").find("group"),
            std::string::npos);
}

TEST(HostChecks, UnwritableDirectoryOfTheDefaultAndAnUnwritableLeaseFile) {
  FakeHost host;
  host.read_only_directories.insert("/var/lib/kea");
  auto problems = check(R"({"Dhcp4": {}})", host);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("memfile file \"/var/lib/kea/kea-leases4.csv\": "
                                     "directory \"/var/lib/kea\" is not writable"),
            std::string::npos)
      << problems[0].message;
  EXPECT_EQ(problems[0].line, 1);  // no lease-database key: Dhcp4 itself
  FakeHost sqlite_host;
  sqlite_host.read_only_directories.insert("/var/lib/blackstart");
  problems = check(R"({"Dhcp4": {"lease-database": {"type": "sqlite"}}})", sqlite_host);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("sqlite file \"/var/lib/blackstart/leases.sqlite3\""),
            std::string::npos);
  FakeHost other;
  other.read_only_files.insert("/var/lib/kea/kea-leases4.csv");
  problems = check(R"({"Dhcp4": {"lease-database": {"type": "memfile"}}})", other);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("\"/var/lib/kea/kea-leases4.csv\" is not readable"),
            std::string::npos);
}

TEST(HostChecks, ControlAddressNotOnThisHostAndNoSocketAtAll) {
  FakeHost host;
  auto problems = check(R"({"Dhcp4": {"control-socket": {"socket-type": "http",
      "socket-address": "198.18.0.9", "socket-port": 8004,
      "authentication": {"type": "bearer", "token": "0123456789abcdef0123"}}}})",
                        host);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("198.18.0.9:8004 cannot be bound here: the address is not"),
            std::string::npos);
  host.busy_ports.insert(8004);
  EXPECT_TRUE(check(R"({"Dhcp4": {"control-sockets": []}})", host).empty());
}

TEST(HostChecks, EveryControlSocketIsCheckedAUnixOneByItsDirectory) {
  FakeHost host;
  host.busy_ports.insert(8443);
  const std::string text = R"({"Dhcp4": {"control-sockets": [
      {"socket-type": "unix", "socket-name": "/run/kea/kea4-ctrl-socket"},
      {"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8004},
      {"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8443}]}})";
  auto problems = check(text, host);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].message.find("\"/run/kea/kea4-ctrl-socket\": directory \"/run/kea\" "
                                     "does not exist"),
            std::string::npos)
      << problems[0].message;
  EXPECT_EQ(problems[0].line, 2);
  EXPECT_NE(problems[1].message.find("127.0.0.1:8443 cannot be bound here: the port is in use"),
            std::string::npos)
      << problems[1].message;
  EXPECT_EQ(problems[1].line, 4);
  host.directories.insert("/run/kea");
  host.busy_ports.clear();
  EXPECT_TRUE(check(text, host).empty());
}

TEST(HostChecks, SystemHostViewSeesThisMachine) {
  const SystemHostView host;
  EXPECT_TRUE(host.interface_exists("lo"));
  EXPECT_FALSE(host.interface_exists("bs-no-such0"));
  EXPECT_EQ(host.directory_problem("/nonexistent-bs-dir"), "does not exist");
  EXPECT_FALSE(host.directory_problem(::testing::TempDir()).has_value());
  EXPECT_EQ(host.tcp_bind_problem(*parse_control_address("198.18.0.99"), 8004),  // not ours
            "the address is not on this host");
  EXPECT_EQ(host.tcp_bind_problem(*parse_control_address("2001:db8::99"), 8004),
            "the address is not on this host");
  EXPECT_FALSE(host.tcp_bind_problem(*parse_control_address("::1"), 0).has_value());
}

}  // namespace
}  // namespace bs::config
