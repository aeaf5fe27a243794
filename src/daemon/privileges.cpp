// The switch to the "run-as" user; see privileges.h. libcap does the
// capability sets (why a library: docs/ARCHITECTURE.md); the identity
// change itself is the plain setresgid/setresuid sequence.
#include "daemon/privileges.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <type_traits>
#include <vector>

#include "config/config.h"
#include "daemon/log_outputs.h"

namespace bs::daemon {
namespace {

std::string errno_text(const char* what) {
  return fmt::format("{}: {}", what, std::strerror(errno));
}

using CapPtr =
    std::unique_ptr<std::remove_pointer_t<cap_t>, decltype([](cap_t caps) { cap_free(caps); })>;

// getpwnam_r's buffer: sysconf's hint, or enough for any sane entry.
size_t account_buffer_bytes(int name) {
  const long hint = ::sysconf(name);
  constexpr size_t kFallbackBytes = 16384;
  return hint > 0 ? static_cast<size_t>(hint) : kFallbackBytes;
}

tl::expected<gid_t, std::string> resolve_group(const std::string& name) {
  std::vector<char> buffer(account_buffer_bytes(_SC_GETGR_R_SIZE_MAX));
  group entry{};
  group* found = nullptr;
  const int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    return tl::unexpected(fmt::format("run-as group \"{}\" does not exist{}", name,
                                      rc != 0 ? std::string(": ") + std::strerror(rc) : ""));
  }
  return entry.gr_gid;
}

// Only one thread may exist: capset(2) changes the calling thread only.
bool single_threaded() {
  std::error_code error;
  const auto tasks = std::filesystem::directory_iterator("/proc/self/task", error);
  if (error) return true;  // no /proc: nothing to check against
  return std::distance(std::filesystem::begin(tasks), std::filesystem::end(tasks)) == 1;
}

tl::expected<void, std::string> switch_identity(const Account& account) {
  // Keep the permitted set across setresuid; cut back to the two below.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    return tl::unexpected(errno_text("PR_SET_KEEPCAPS"));
  if (::initgroups(account.user.c_str(), account.gid) != 0) {
    return tl::unexpected(errno_text("initgroups"));
  }
  if (::setresgid(account.gid, account.gid, account.gid) != 0) {
    return tl::unexpected(errno_text("setresgid"));
  }
  if (::setresuid(account.uid, account.uid, account.uid) != 0) {
    return tl::unexpected(errno_text("setresuid"));
  }
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
    return tl::unexpected(errno_text("PR_SET_KEEPCAPS"));
  return {};
}

tl::expected<void, std::string> restrict_capabilities() {
  // The bounding set first: dropping from it needs CAP_SETPCAP, which root has.
  for (const int cap : bounding_set_drops(static_cast<int>(cap_max_bits()) - 1)) {
    if (cap_drop_bound(static_cast<cap_value_t>(cap)) != 0 && errno != EINVAL) {
      return tl::unexpected(errno_text("cap_drop_bound"));
    }
  }
  return {};
}

tl::expected<void, std::string> set_kept_capabilities() {
  const CapPtr caps(cap_from_text(kept_capabilities_text().c_str()));
  if (!caps) return tl::unexpected(errno_text("cap_from_text"));
  if (cap_set_proc(caps.get()) != 0) return tl::unexpected(errno_text("cap_set_proc"));
  if (cap_reset_ambient() != 0 && errno != EINVAL) {
    return tl::unexpected(errno_text("cap_reset_ambient"));
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return tl::unexpected(errno_text("PR_SET_NO_NEW_PRIVS"));
  }
  return {};
}

// What the user will need later, checked now as the user.
void check_later_needs(const config::Config& config, const std::string& config_path,
                       const std::string& user) {
  const std::filesystem::path database(config.lease_database.name);
  const std::string dir = database.has_parent_path() ? database.parent_path().string() : ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    spdlog::warn(
        "run-as: user {} cannot write {} ({}): the lease store cannot recreate or rotate its "
        "files there; make the directory the user's (chown {} {})",
        user, dir, std::strerror(errno), user, dir);
  }
  if (auto text = config::read_config_text(config_path); !text) {
    spdlog::warn(
        "run-as: user {} cannot read the config ({}): SIGHUP and config-reload will be "
        "refused; make it readable by the user's group",
        user, text.error().to_string());
  }
}

}  // namespace

std::vector<int> kept_capabilities() { return {CAP_NET_BIND_SERVICE, CAP_NET_RAW}; }

std::vector<int> bounding_set_drops(int last_cap) {
  const std::vector<int> kept = kept_capabilities();
  std::vector<int> drops;
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (std::find(kept.begin(), kept.end(), cap) == kept.end()) drops.push_back(cap);
  }
  return drops;
}

std::string kept_capabilities_text() {
  std::string text;
  for (const int cap : kept_capabilities()) {
    char* name = cap_to_name(static_cast<cap_value_t>(cap));
    if (!text.empty()) text += ',';
    text += name != nullptr ? name : std::to_string(cap);
    cap_free(name);
  }
  return text + "=ep";
}

tl::expected<Account, std::string> resolve_account(const config::RunAs& run_as) {
  std::vector<char> buffer(account_buffer_bytes(_SC_GETPW_R_SIZE_MAX));
  passwd entry{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(run_as.user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    return tl::unexpected(fmt::format("run-as user \"{}\" does not exist{}", run_as.user,
                                      rc != 0 ? std::string(": ") + std::strerror(rc) : ""));
  }
  Account account{entry.pw_uid, entry.pw_gid, run_as.user, run_as.group};
  if (!run_as.group.empty()) {
    auto gid = resolve_group(run_as.group);
    if (!gid) return tl::unexpected(gid.error());
    account.gid = *gid;
  } else if (const group* primary = ::getgrgid(account.gid)) {
    account.group = primary->gr_name;
  } else {
    account.group = std::to_string(account.gid);
  }
  if (account.uid == 0) {
    return tl::unexpected(fmt::format(
        "run-as user \"{}\" is uid 0: that is not a switch away from root", run_as.user));
  }
  return account;
}

tl::expected<std::string, std::string> drop_privileges(const config::RunAs& run_as) {
  if (run_as.user.empty()) return "running as " + describe_process_credentials();
  if (::geteuid() != 0) {
    // systemd's User= (or a manual start) already chose the user.
    return fmt::format("run-as {}: not started as root, nothing to switch; {}", run_as.user,
                       describe_process_credentials());
  }
  auto account = resolve_account(run_as);
  if (!account) return tl::unexpected(account.error());
  if (!single_threaded()) {
    return tl::unexpected(std::string("run-as: a thread was started before the switch"));
  }
  if (auto ok = restrict_capabilities(); !ok) return tl::unexpected("run-as: " + ok.error());
  if (auto ok = switch_identity(*account); !ok) return tl::unexpected("run-as: " + ok.error());
  if (auto ok = set_kept_capabilities(); !ok) return tl::unexpected("run-as: " + ok.error());
  // The switch must be one-way; if root could be regained, stop here.
  if (::setuid(0) == 0 || ::getuid() != account->uid || ::getegid() != account->gid) {
    return tl::unexpected(std::string("run-as: the switch did not take hold"));
  }
  return fmt::format("switched to user {} group {}: {}", account->user, account->group,
                     describe_process_credentials());
}

void clear_ambient_capabilities() {
  // Lowering needs no privilege; on kernels without ambient sets it fails
  // with EINVAL, and there is then nothing to clear.
  (void)cap_reset_ambient();
}

std::string describe_process_credentials() {
  const CapPtr caps(cap_get_proc());
  std::string text = "?";
  if (caps) {
    char* described = cap_to_text(caps.get(), nullptr);
    if (described != nullptr) text = described;
    cap_free(described);
  }
  return fmt::format("uid={} gid={} capabilities \"{}\"", ::getuid(), ::getgid(), text);
}

tl::expected<void, std::string> start_as_configured_user(const config::Config& config,
                                                         const std::string& config_path) {
  const bool switching = !config.run_as.user.empty() && ::geteuid() == 0;
  clear_ambient_capabilities();
  auto dropped = drop_privileges(config.run_as);
  if (!dropped) return tl::unexpected(dropped.error());
  if (auto logs = open_log_outputs(config); !logs) return logs;
  spdlog::info("{}", *dropped);
  if (switching) check_later_needs(config, config_path, config.run_as.user);
  return {};
}

}  // namespace bs::daemon
