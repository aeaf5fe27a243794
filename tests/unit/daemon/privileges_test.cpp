// The user switch: the capability sets it computes, the account lookup, and
// (as root only) the switch itself in a forked child, checked from
// /proc/self/status and by doing what the daemon needs afterwards.
#include "daemon/privileges.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>

namespace bs::daemon {
namespace {

TEST(Privileges, KeepsOnlyTheSocketCapabilities) {
  EXPECT_EQ(kept_capabilities(), (std::vector<int>{CAP_NET_BIND_SERVICE, CAP_NET_RAW}));
  EXPECT_EQ(kept_capabilities_text(), "cap_net_bind_service,cap_net_raw=ep");
}

TEST(Privileges, BoundingSetLosesEverythingElse) {
  const std::vector<int> drops = bounding_set_drops(CAP_LAST_CAP);
  EXPECT_EQ(drops.size(), static_cast<size_t>(CAP_LAST_CAP + 1 - 2));
  for (const int kept : {CAP_NET_BIND_SERVICE, CAP_NET_RAW}) {
    EXPECT_EQ(std::count(drops.begin(), drops.end(), kept), 0) << kept;
  }
  for (const int gone : {CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN, CAP_DAC_OVERRIDE, CAP_CHOWN,
                         CAP_NET_ADMIN, CAP_SETPCAP, CAP_SYS_PTRACE}) {
    EXPECT_EQ(std::count(drops.begin(), drops.end(), gone), 1) << gone;
  }
}

TEST(Privileges, ResolvesAccounts) {
  auto nobody = resolve_account({"nobody", ""});
  ASSERT_TRUE(nobody.has_value()) << nobody.error();
  EXPECT_EQ(nobody->uid, 65534u);
  EXPECT_FALSE(nobody->group.empty());  // the primary group's name
  auto grouped = resolve_account({"nobody", "nogroup"});
  ASSERT_TRUE(grouped.has_value()) << grouped.error();
  EXPECT_EQ(grouped->gid, 65534u);
}

TEST(Privileges, RefusesUnknownAccountsAndRoot) {
  auto unknown = resolve_account({"no-such-user-bs", ""});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().find("\"no-such-user-bs\" does not exist"), std::string::npos);
  auto bad_group = resolve_account({"nobody", "no-such-group-bs"});
  ASSERT_FALSE(bad_group.has_value());
  EXPECT_NE(bad_group.error().find("group \"no-such-group-bs\""), std::string::npos);
  auto root = resolve_account({"root", ""});
  ASSERT_FALSE(root.has_value());
  EXPECT_NE(root.error().find("uid 0"), std::string::npos);
}

TEST(Privileges, NoRunAsChangesNothing) {
  const uid_t before = ::getuid();
  auto outcome = drop_privileges({});
  ASSERT_TRUE(outcome.has_value()) << outcome.error();
  EXPECT_EQ(::getuid(), before);
}

// "CapEff:\t0000000000002400" and the like from /proc/self/status.
std::string status_field(const std::string& name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      const size_t value = line.find_first_not_of(" \t", name.size() + 1);
      return value == std::string::npos ? "" : line.substr(value);
    }
  }
  return "";
}

// A privileged port (< 1024) the test can bind on loopback, proving
// CAP_NET_BIND_SERVICE; ports in use are skipped.
int bind_privileged_port() {
  for (uint16_t port = 1023; port > 900; --port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    const int error = rc == 0 ? 0 : errno;
    ::close(fd);
    if (error != EADDRINUSE) return error;
  }
  return EADDRINUSE;
}

// Each failed check is one bit of the child's exit status.
int child_after_switch() {
  int failures = 0;
  auto outcome = drop_privileges({"nobody", "nogroup"});
  if (!outcome) {
    std::fprintf(stderr, "drop failed: %s\n", outcome.error().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s\n", outcome->c_str());
  if (::getuid() != 65534 || ::geteuid() != 65534 || ::getgid() != 65534) failures |= 2;
  const std::string kept = "0000000000002400";  // bits 10 and 13
  if (status_field("CapEff") != kept || status_field("CapPrm") != kept) failures |= 4;
  if (status_field("CapBnd") != kept || status_field("CapInh") != "0000000000000000") {
    failures |= 8;
  }
  if (status_field("NoNewPrivs") != "1") failures |= 16;
  if (::setuid(0) == 0) failures |= 32;
  if (bind_privileged_port() != 0) failures |= 64;
  const int packet = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
  if (packet < 0) failures |= 128;
  // Groups: nogroup only, root's supplementary groups gone.
  gid_t groups[64];
  const int count = ::getgroups(64, groups);
  for (int i = 0; i < count; ++i) {
    if (groups[i] == 0) failures |= 2;  // part of the identity
  }
  std::fprintf(stderr, "CapEff %s CapBnd %s NoNewPrivs %s\n", status_field("CapEff").c_str(),
               status_field("CapBnd").c_str(), status_field("NoNewPrivs").c_str());
  return failures;
}

TEST(Privileges, SwitchAsRootKeepsOnlyWhatTheSocketsNeed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(child_after_switch());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "failed checks, one bit each (see child_after_switch)";
}

TEST(Privileges, NotRootMeansNothingToSwitch) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to become someone else first";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // As systemd's User= would: already the user when blackstart starts.
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(1);
    auto outcome = drop_privileges({"_not_checked_", ""});
    ::_exit(outcome && outcome->find("nothing to switch") != std::string::npos ? 0 : 2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// As under systemd's User= with AmbientCapabilities=CAP_NET_RAW: the
// process keeps the capability, programs it runs do not inherit it.
int child_with_ambient_raw() {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return 1;
  if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) return 1;
  cap_t caps = cap_from_text("cap_net_raw=eip");
  const bool set = caps != nullptr && cap_set_proc(caps) == 0;
  cap_free(caps);
  if (!set || cap_set_ambient(CAP_NET_RAW, CAP_SET) != 0) return 2;
  if (status_field("CapAmb") != "0000000000002000") return 3;
  clear_ambient_capabilities();
  if (status_field("CapAmb") != "0000000000000000") return 4;
  if (status_field("CapEff") != "0000000000002000") return 5;
  return 0;
}

TEST(Privileges, AmbientCapabilitiesAreNotPassedOn) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to set up an ambient capability";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(child_with_ambient_raw());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "see child_with_ambient_raw for the step";
}

}  // namespace
}  // namespace bs::daemon
