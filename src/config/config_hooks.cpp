// Kea's "hooks-libraries". blackstart loads no plugins: each library ISC
// ships is either mapped to a built-in feature or refused with its name and
// what it would need. Built in: libdhcp_lease_cmds and libdhcp_stat_cmds
// (the control API has their commands), libdhcp_ping_check (mapped to
// "conflict-probing"), libdhcp_run_script (the script runner,
// server/script_runner.h) and libdhcp_ha (the HA pair, config_ha.cpp).
#include <algorithm>
#include <string>

#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kHookKeys[] = {"library", "parameters"};
constexpr std::string_view kNoParameterHooks[] = {"libdhcp_lease_cmds", "libdhcp_stat_cmds"};
constexpr std::string_view kPingCheckKeys[] = {"enable-ping-check", "min-ping-requests",
                                               "reply-timeout", "ping-cltt-secs",
                                               "ping-channel-threads"};
constexpr std::string_view kRunScriptKeys[] = {"name", "sync"};
BS_CONFIG_KEYS("Dhcp4.hooks-libraries[]", kHookKeys);
BS_CONFIG_KEYS("Dhcp4.hooks-libraries[].parameters (libdhcp_ping_check)", kPingCheckKeys);
BS_CONFIG_KEYS("Dhcp4.hooks-libraries[].parameters (libdhcp_run_script)", kRunScriptKeys);
constexpr std::string_view kHaParameterKeys[] = {"high-availability"};
BS_CONFIG_KEYS("Dhcp4.hooks-libraries[].parameters (libdhcp_ha)", kHaParameterKeys);

struct HookHint {
  std::string_view library;
  std::string_view hint;
};
constexpr HookHint kHookHints[] = {
    {"libdhcp_host_cmds", "reservations come from the file only; edit it and reload"},
    {"libdhcp_subnet_cmds", "subnets come from the file only; edit it and reload"},
    {"libdhcp_flex_id", "flexible identifiers need client classification, not built in yet"},
    {"libdhcp_legal_log", "the forensic log is not built in yet"},
    {"libdhcp_mysql_cb", "the configuration backend is not supported"},
    {"libdhcp_pgsql_cb", "the configuration backend is not supported"},
    {"libdhcp_cb_cmds", "the configuration backend is not supported"},
    {"libdhcp_radius", "RADIUS is not supported"},
    {"libdhcp_host_cache", "host databases are not supported"},
};

constexpr const char* kBuiltInList =
    "libdhcp_lease_cmds, libdhcp_stat_cmds, libdhcp_ping_check, libdhcp_run_script and "
    "libdhcp_ha are built in and accepted";

// Kea's limits: reply-timeout is a positive count of milliseconds; blackstart
// parks an OFFER at most 2 s (config_probing.cpp), clients retransmit at 4 s.
constexpr uint32_t kMaxReplyTimeout_ms = 2000;

// "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so" -> "libdhcp_lease_cmds".
std::string library_stem(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  const size_t dot = path.find('.');
  return std::string(path.substr(0, dot));
}

}  // namespace

// Hook parameters are free-form in Kea's grammar; each library checks its
// own, and so does blackstart, naming the unknown key.
Status check_parameter_keys(const Reader& reader, const Node& parameters, std::string_view stem,
                            std::span<const std::string_view> allowed) {
  for (const auto& [key, value] : parameters.value->items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    const Node at = *parameters.find(key);
    return tl::unexpected(reader.key_error(
        at, at.path + " is not a parameter of " + std::string(stem) + " (known: " + [&] {
          std::string list;
          for (std::string_view name : allowed) {
            list += (list.empty() ? "" : ", ") + std::string(name);
          }
          return list;
        }() + ")"));
  }
  return {};
}

namespace {

Status read_ping_check(const Reader& reader, const Node& parameters, const Node& dhcp4,
                       Config& config) {
  ConflictProbing probing = config.probing;
  bool enabled = true;  // Kea's default
  if (const auto node = parameters.find("enable-ping-check")) {
    auto flag = reader.get_bool(*node);
    if (!flag) return tl::unexpected(flag.error());
    enabled = *flag;
    if (!enabled) {
      reader.warn(*node, node->path +
                             ": false keeps blackstart's default probing of uncertain addresses "
                             "(recovery, recent declines, re-adoption); to probe nothing set "
                             "\"conflict-probing\": {\"mode\": \"off\"}");
    }
  }
  // Kea pings before every OFFER of an address the client does not hold;
  // that is blackstart's "always".
  if (enabled) probing.mode = ProbeMode::Always;
  probing.timeout_ms = 100;  // Kea's default reply-timeout
  if (const auto node = parameters.find("reply-timeout")) {
    auto value = reader.get_u32(*node, 1, kMaxReplyTimeout_ms);
    if (!value) return tl::unexpected(value.error());
    probing.timeout_ms = std::max<uint32_t>(*value, 10);
  }
  if (const auto node = parameters.find("min-ping-requests")) {
    auto value = reader.get_u32(*node, 1, 255);
    if (!value) return tl::unexpected(value.error());
    if (*value > 1) {
      reader.warn(*node, node->path +
                             ": blackstart sends one probe per address (ARP on the "
                             "link, ICMP echo through relays), not " +
                             std::to_string(*value));
    }
  }
  if (const auto node = parameters.find("ping-cltt-secs")) {
    if (auto value = reader.get_u32(*node); !value) return tl::unexpected(value.error());
    reader.warn(*node, node->path +
                           " has no equivalent: blackstart skips the probe exactly while the "
                           "client's own lease is still bound");
  }
  if (const auto node = parameters.find("ping-channel-threads")) {
    if (auto value = reader.get_u32(*node); !value) return tl::unexpected(value.error());
    reader.warn(*node, node->path +
                           " has no equivalent: probes are sent and awaited on the packet "
                           "thread without blocking it");
  }
  // "conflict-probing" is read after the hooks and overrides what it sets.
  if (dhcp4.find("conflict-probing")) {
    reader.warn(parameters, parameters.path +
                                ": \"conflict-probing\" is also given and its settings take "
                                "precedence over libdhcp_ping_check's");
  }
  config.probing = probing;
  return {};
}

Status read_run_script(const Reader& reader, const Node& entry, const Node& parameters,
                       Config& config) {
  if (!config.run_script.path.empty()) {
    return tl::unexpected(reader.error(
        entry, entry.path + ": libdhcp_run_script is loaded twice; blackstart runs one script"));
  }
  const auto name = parameters.find("name");
  if (!name) {
    return tl::unexpected(reader.key_error(
        parameters, parameters.path + " needs \"name\", the script libdhcp_run_script runs"));
  }
  auto path = reader.get_string(*name);
  if (!path) return tl::unexpected(path.error());
  if (path->front() != '/') {
    return tl::unexpected(
        reader.error(*name, name->path +
                                " must be an absolute path (the daemon's working directory is not "
                                "the file's), got " +
                                quote(*path)));
  }
  if (const auto sync = parameters.find("sync")) {
    auto flag = reader.get_bool(*sync);
    if (!flag) return tl::unexpected(flag.error());
    if (*flag) {
      return tl::unexpected(reader.error(
          *sync, sync->path +
                     ": true is not supported: blackstart never waits for a script before "
                     "answering a client (a slow script would stall every client); scripts run "
                     "after the lease is durable, from a queue. Remove \"sync\" or set it to "
                     "false"));
    }
  }
  config.run_script.path = *path;
  return {};
}

Status read_hook(const Reader& reader, const Node& entry, const Node& dhcp4, Config& config) {
  if (auto ok = reader.expect_object(entry); !ok) return ok;
  if (auto ok = reader.check_keys(entry, Scope::HookLibrary, kHookKeys); !ok) return ok;
  const auto library = entry.find("library");
  if (!library) return tl::unexpected(reader.error(entry, entry.path + " needs a \"library\""));
  auto path = reader.get_string(*library);
  if (!path) return tl::unexpected(path.error());
  const std::string stem = library_stem(*path);
  const auto given = entry.find("parameters");
  if (given) {
    if (auto ok = reader.expect_object(*given); !ok) return ok;
  }
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const Node parameters = given ? *given : Node{&kEmpty, entry.pointer, entry.path + ".parameters"};
  if (std::find(std::begin(kNoParameterHooks), std::end(kNoParameterHooks), stem) !=
      std::end(kNoParameterHooks)) {
    if (!parameters.value->empty()) {
      return tl::unexpected(reader.key_error(
          *given, given->path + ": blackstart's built-in " + stem + " takes no parameters"));
    }
    return {};
  }
  if (stem == "libdhcp_ping_check") {
    if (auto ok = check_parameter_keys(reader, parameters, stem, kPingCheckKeys); !ok) return ok;
    return read_ping_check(reader, parameters, dhcp4, config);
  }
  if (stem == "libdhcp_run_script") {
    if (auto ok = check_parameter_keys(reader, parameters, stem, kRunScriptKeys); !ok) return ok;
    return read_run_script(reader, entry, parameters, config);
  }
  if (stem == "libdhcp_ha") {
    if (auto ok = check_parameter_keys(reader, parameters, stem, kHaParameterKeys); !ok) return ok;
    return read_ha(reader, entry, parameters, config);
  }
  std::string why = "blackstart loads no hook libraries and has no built-in equivalent";
  for (const HookHint& hint : kHookHints) {
    if (hint.library == stem) why = std::string(hint.hint);
  }
  return tl::unexpected(
      reader.error(*library, library->path + " " + quote(*path) + ": hook library " + stem +
                                 " is not supported (" + why + "); " + kBuiltInList));
}

}  // namespace

Status read_hooks_libraries(const Reader& reader, const Node& list, const Node& dhcp4,
                            Config& config) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  for (size_t i = 0; i < list.value->size(); ++i) {
    if (auto ok = read_hook(reader, list.element(i), dhcp4, config); !ok) return ok;
  }
  return {};
}

}  // namespace bs::config
