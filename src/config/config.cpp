// Entry points of the config module and the global Dhcp4 sections (top level,
// interfaces, lease database, timers, loggers). Subnets and options have
// their own files. Nothing here throws to the caller: every failure becomes a
// ConfigError with file and line.
#include "config/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/file_read.h"
#include "config/include.h"
#include "config/jsonc.h"
#include "config/reader.h"
#include "wire/option_space.h"

namespace bs::config {
namespace {

constexpr std::string_view kTopLevelKeys[] = {"Dhcp4", "Logging"};
constexpr std::string_view kLoggingKeys[] = {"loggers"};
// Kea daemons that may share a file with Dhcp4 in Kea; blackstart is only a
// DHCPv4 server, and silently ignoring them would hide that.
constexpr std::string_view kOtherDaemons[] = {"Dhcp6", "Control-agent", "DhcpDdns", "Netconf"};
constexpr std::string_view kDhcp4Keys[] = {
    "interfaces-config", "lease-database",   "valid-lifetime",
    "renew-timer",       "rebind-timer",     "decline-probation-period",
    "authoritative",     "subnet4",          "option-data",
    "shared-networks",   "loggers",          "control-sockets",
    "control-socket",    "conflict-probing", "starvation-guard",
    "option-def",        "client-classes",   "run-as",
};
// "dhcp-socket-type" and "re-detect" only tune how Kea opens its sockets;
// blackstart always uses a UDP socket plus a packet socket and never
// re-detects, so both are accepted (and validated) but change nothing.
// "service-sockets-*" tell Kea how hard to retry opening sockets; blackstart
// opens them once and refuses to start without them, Kea's require-all.
constexpr std::string_view kInterfacesKeys[] = {"interfaces",
                                                "dhcp-socket-type",
                                                "re-detect",
                                                "outbound-interface",
                                                "service-sockets-require-all",
                                                "service-sockets-retry-wait-time",
                                                "service-sockets-max-retries"};
constexpr std::string_view kLeaseDatabaseKeys[] = {"type", "name", "fsync", "disk-reserve-mb"};
// Kea's memfile keys, with Kea's meaning ("persist" must stay true).
// Kea's PostgreSQL backend keys blackstart uses; Kea's others (reconnect
// policy, TLS) are refused as not supported yet: blackstart always retries.
constexpr std::string_view kPostgresqlKeys[] = {"type", "name", "fsync",    "host",
                                                "port", "user", "password", "connect-timeout"};
constexpr std::string_view kMemfileKeys[] = {
    "type", "name", "fsync", "persist", "lfc-interval", "max-row-errors", "disk-reserve-mb"};
// Kea 2.5 renamed "output_options" to "output-options"; both spellings work.
constexpr std::string_view kLoggerKeys[] = {"name", "severity", "debuglevel", "output_options",
                                            "output-options"};
// "pattern" is log4cplus syntax, accepted with a warning (read_output_options).
constexpr std::string_view kOutputKeys[] = {"output", "flush", "maxsize", "maxver", "pattern"};
constexpr std::string_view kSeverities[] = {"FATAL", "ERROR", "WARN", "INFO", "DEBUG"};

constexpr std::string_view kLeaseTypeHint =
    "use \"lease-database\": {\"type\": \"memfile\"} (Kea's CSV lease file), "
    "{\"type\": \"sqlite\", \"name\": \"/var/lib/blackstart/leases.sqlite3\"} or "
    "{\"type\": \"postgresql\", \"name\": \"kea\", ...} (Kea's lease4 table)";

bool contains(std::span<const std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

// Dhcp4's own keys here plus those of config_network.cpp and config_kea.cpp.
const std::vector<std::string_view>& dhcp4_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> out(std::begin(kDhcp4Keys), std::end(kDhcp4Keys));
    for (auto more : {network_setting_keys(), kea_global_keys(), kea_tuning_global_keys()}) {
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }();
  return keys;
}

BS_CONFIG_KEYS("(top level)", kTopLevelKeys);
BS_CONFIG_KEYS("Logging", kLoggingKeys);
BS_CONFIG_KEYS("Dhcp4", dhcp4_keys());
BS_CONFIG_KEYS("Dhcp4.interfaces-config", kInterfacesKeys);
BS_CONFIG_KEYS("Dhcp4.lease-database (sqlite)", kLeaseDatabaseKeys);
BS_CONFIG_KEYS("Dhcp4.lease-database (memfile)", kMemfileKeys);
BS_CONFIG_KEYS("Dhcp4.lease-database (postgresql)", kPostgresqlKeys);
BS_CONFIG_KEYS("Dhcp4.loggers[]", kLoggerKeys);
BS_CONFIG_KEYS("Dhcp4.loggers[].output-options[]", kOutputKeys);

Status read_interface_list(const Reader& reader, const Node& list, Config& config) {
  if (auto ok = reader.expect_array(list); !ok) return tl::unexpected(ok.error());
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node element = list.element(i);
    auto text = reader.get_string(element);
    if (!text) return tl::unexpected(text.error());
    const size_t slash = text->find('/');
    InterfaceSpec spec{text->substr(0, slash), std::nullopt};
    if (slash != std::string::npos) spec.address = parse_ip4(text->substr(slash + 1));
    const bool name_ok = spec.name == "*" || is_valid_interface_name(spec.name);
    if (!name_ok || (slash != std::string::npos && (!spec.address || spec.name == "*"))) {
      return tl::unexpected(reader.error(
          element, element.path + " must be \"NAME\", \"NAME/ADDRESS\" or \"*\", got " +
                       describe_value(*element.value)));
    }
    config.interfaces.push_back(std::move(spec));
  }
  return {};
}

// Kea's "outbound-interface": "use-routing" sends replies by the kernel's
// routing table; blackstart always answers on the link a query arrived on.
Status read_outbound_interface(const Reader& reader, const Node& interfaces) {
  const auto node = interfaces.find("outbound-interface");
  if (!node) return {};
  auto text = reader.get_string(*node);
  if (!text) return tl::unexpected(text.error());
  if (*text == "same-as-inbound") return {};
  if (*text != "use-routing") {
    return tl::unexpected(
        reader.error(*node, node->path + " must be \"same-as-inbound\" or \"use-routing\", got " +
                                describe_value(*node->value)));
  }
  reader.warn(*node, node->path +
                         " \"use-routing\": blackstart answers on the link the query arrived "
                         "on (\"same-as-inbound\")");
  return {};
}

Status read_interfaces_config(const Reader& reader, const Node& node, Config& config) {
  if (auto ok = reader.expect_object(node); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(node, Scope::InterfacesConfig, kInterfacesKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  if (const auto socket_type = node.find("dhcp-socket-type")) {
    auto text = reader.get_string(*socket_type);
    if (!text) return tl::unexpected(text.error());
    if (*text != "raw" && *text != "udp") {
      return tl::unexpected(
          reader.error(*socket_type, socket_type->path + " must be \"raw\" or \"udp\""));
    }
  }
  for (std::string_view key : {"re-detect", "service-sockets-require-all"}) {
    const auto flag_node = node.find(key);
    if (!flag_node) continue;
    if (auto flag = reader.get_bool(*flag_node); !flag) return tl::unexpected(flag.error());
  }
  for (std::string_view key : {"service-sockets-retry-wait-time", "service-sockets-max-retries"}) {
    const auto number_node = node.find(key);
    if (!number_node) continue;
    if (auto n = reader.get_u32(*number_node); !n) return tl::unexpected(n.error());
  }
  if (auto ok = read_outbound_interface(reader, node); !ok) return ok;
  if (const auto list = node.find("interfaces")) return read_interface_list(reader, *list, config);
  return {};
}

Status check_lease_type(const Reader& reader, const Node& node) {
  const auto type = node.find("type");
  if (!type) {
    return tl::unexpected(
        reader.error(node, node.path + " needs a \"type\"; " + std::string(kLeaseTypeHint)));
  }
  auto text = reader.get_string(*type);
  if (!text) return tl::unexpected(text.error());
  if (*text == "sqlite" || *text == "memfile" || *text == "postgresql") return {};
  std::string why;
  if (*text == "mysql") {
    why = " is a Kea lease backend that blackstart does not support yet; ";
  } else {
    why = " is not a lease database blackstart knows; ";
  }
  return tl::unexpected(
      reader.error(*type, type->path + " \"" + *text + "\"" + why + std::string(kLeaseTypeHint)));
}

// Kea's memfile settings. "persist": false keeps leases in memory only,
// which would break the one promise blackstart makes, so it is refused.
Status read_memfile_keys(const Reader& reader, const Node& node, LeaseDatabase& database) {
  if (const auto persist = node.find("persist")) {
    auto flag = reader.get_bool(*persist);
    if (!flag) return tl::unexpected(flag.error());
    if (!*flag) {
      return tl::unexpected(reader.error(
          *persist, persist->path +
                        " false would keep leases in memory only, so a restart or a power cut "
                        "forgets every client; blackstart always writes leases to disk before "
                        "the ACK (remove the key or set it to true)"));
    }
  }
  if (const auto interval = node.find("lfc-interval")) {
    auto seconds = reader.get_u32(*interval);
    if (!seconds) return tl::unexpected(seconds.error());
    database.lfc_interval_s = *seconds;
  }
  if (const auto errors = node.find("max-row-errors")) {
    auto count = reader.get_u32(*errors);
    if (!count) return tl::unexpected(count.error());
    database.max_row_errors = *count;
  }
  return {};
}

// Kea's connection keys for its PostgreSQL backend, with Kea's meaning.
Status read_postgresql_keys(const Reader& reader, const Node& node, LeaseDatabase& database) {
  for (auto [key, field] : {std::pair{"host", &database.host}, std::pair{"user", &database.user},
                            std::pair{"password", &database.password}}) {
    const auto member = node.find(key);
    if (!member) continue;
    auto text = reader.get_string(*member);
    if (!text) return tl::unexpected(text.error());
    *field = *text;
  }
  if (const auto port = node.find("port")) {
    auto number = reader.get_u32(*port);
    if (!number) return tl::unexpected(number.error());
    if (*number == 0 || *number > 65535) {
      return tl::unexpected(reader.error(*port, port->path + " must be 1..65535"));
    }
    database.port = static_cast<uint16_t>(*number);
  }
  if (const auto timeout = node.find("connect-timeout")) {
    auto seconds = reader.get_u32(*timeout);
    if (!seconds) return tl::unexpected(seconds.error());
    database.connect_timeout_s = *seconds;
  }
  return {};
}

Status read_lease_database(const Reader& reader, const Node& node, Config& config) {
  if (auto ok = reader.expect_object(node); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_lease_type(reader, node); !ok) return ok;
  LeaseDatabase& database = config.lease_database;
  database.type = *reader.get_string(*node.find("type"));
  const bool memfile = database.is_memfile();
  if (!memfile) {
    for (std::string_view key : {"persist", "lfc-interval", "max-row-errors"}) {
      if (const auto member = node.find(key)) {
        return tl::unexpected(reader.key_error(
            *member, member->path + " is a setting of Kea's memfile backend; a " + database.type +
                         " lease database needs no such setting, remove it"));
      }
    }
  }
  const bool postgresql = database.is_postgresql();
  std::span<const std::string_view> allowed = kLeaseDatabaseKeys;
  if (memfile) allowed = kMemfileKeys;
  if (postgresql) allowed = kPostgresqlKeys;
  if (auto ok = reader.check_keys(node, Scope::LeaseDatabase, allowed); !ok) {
    return ok;
  }
  database.name = memfile ? kKeaDefaultLeaseFile : kSqliteDefaultLeaseFile;
  if (memfile) {
    if (auto ok = read_memfile_keys(reader, node, database); !ok) return ok;
  }
  if (postgresql) {
    if (!node.find("name")) {
      return tl::unexpected(reader.error(
          node, node.path + " of type \"postgresql\" needs a \"name\" (the database), as Kea's"));
    }
    if (auto ok = read_postgresql_keys(reader, node, database); !ok) return ok;
  }
  if (const auto name = node.find("name")) {
    auto path = reader.get_string(*name);
    if (!path) return tl::unexpected(path.error());
    database.name = *path;
  }
  // blackstart's own key, like Redis's appendfsync: false trades the
  // durable-ACK promise for speed. Kea files never contain it.
  if (const auto fsync = node.find("fsync")) {
    auto flag = reader.get_bool(*fsync);
    if (!flag) return tl::unexpected(flag.error());
    database.fsync = *flag;
  }
  // blackstart's own too: the disk reserve (store/disk_reserve.h), in MiB.
  if (const auto reserve = node.find("disk-reserve-mb")) {
    constexpr uint32_t kMaxReserve_mb = 1 << 20;  // 1 TiB: anything more is a typo
    auto mb = reader.get_u32(*reserve, 0, kMaxReserve_mb);
    if (!mb) return tl::unexpected(mb.error());
    database.disk_reserve_bytes = uint64_t{*mb} << 20;
  }
  return {};
}

Status read_global_timers(const Reader& reader, const Node& dhcp4, Config& config) {
  if (const auto node = dhcp4.find("valid-lifetime")) {
    auto seconds = reader.get_u32(*node, 1);
    if (!seconds) return tl::unexpected(seconds.error());
    config.valid_lifetime_s = *seconds;
  }
  for (auto [key, target] : {std::pair{"renew-timer", &config.renew_timer_s},
                             std::pair{"rebind-timer", &config.rebind_timer_s}}) {
    if (const auto node = dhcp4.find(key)) {
      auto seconds = reader.get_u32(*node, 1);
      if (!seconds) return tl::unexpected(seconds.error());
      *target = *seconds;
    }
  }
  if (const auto node = dhcp4.find("decline-probation-period")) {
    auto seconds = reader.get_u32(*node);
    if (!seconds) return tl::unexpected(seconds.error());
    config.decline_probation_period_s = *seconds;
  }
  if (const auto node = dhcp4.find("authoritative")) {
    auto flag = reader.get_bool(*node);
    if (!flag) return tl::unexpected(flag.error());
    config.authoritative = *flag;
  }
  return {};
}

// One of renew-timer, rebind-timer, valid-lifetime as it applies somewhere.
struct Timer {
  std::string_view key;
  std::optional<uint32_t> seconds;
  std::optional<Node> node;  // where it was set; empty for a built-in default
  int level = 0;  // 0 default, 1 global, 2 shared network, 3 subnet: the more specific is blamed
};

std::string timer_source(const Timer& timer) {
  const std::string value = std::to_string(*timer.seconds);
  return timer.node ? value + " from " + timer.node->path : value + ", the default";
}

// Clients renew before they rebind and both happen before the lease ends.
Status check_timer_pair(const Reader& reader, const Timer& shorter, const Timer& longer) {
  if (!shorter.seconds || !longer.seconds || *shorter.seconds < *longer.seconds) return {};
  if (shorter.level >= longer.level) {
    return tl::unexpected(
        reader.error(*shorter.node, shorter.node->path + " (" + std::to_string(*shorter.seconds) +
                                        ") must be less than " + std::string(longer.key) + " (" +
                                        timer_source(longer) + ")"));
  }
  return tl::unexpected(
      reader.error(*longer.node, longer.node->path + " (" + std::to_string(*longer.seconds) +
                                     ") must be greater than " + std::string(shorter.key) + " (" +
                                     timer_source(shorter) + ")"));
}

Status check_timer_order(const Reader& reader, const Timer& renew, const Timer& rebind,
                         const Timer& valid) {
  if (auto ok = check_timer_pair(reader, renew, rebind); !ok) return ok;
  if (auto ok = check_timer_pair(reader, rebind, valid); !ok) return ok;
  return check_timer_pair(reader, renew, valid);
}

Timer timer_at(const Node& scope, std::string_view key, std::optional<uint32_t> seconds, int level,
               const Timer& inherited) {
  const auto node = scope.find(key);
  if (!node) return inherited;
  return Timer{key, seconds, node, level};
}

Status check_all_timers(const Reader& reader, const Node& dhcp4, std::span<const Node> nodes,
                        const Config& config) {
  const Timer none_valid{"valid-lifetime", config.valid_lifetime_s, std::nullopt, 0};
  const Timer none{"", std::nullopt, std::nullopt, 0};
  const Timer valid = timer_at(dhcp4, "valid-lifetime", config.valid_lifetime_s, 1, none_valid);
  const Timer renew = timer_at(dhcp4, "renew-timer", config.renew_timer_s, 1, none);
  const Timer rebind = timer_at(dhcp4, "rebind-timer", config.rebind_timer_s, 1, none);
  if (auto ok = check_timer_order(reader, renew, rebind, valid); !ok) return ok;
  const auto networks = dhcp4.find("shared-networks");
  for (size_t i = 0; i < config.subnets.size(); ++i) {
    const Subnet& subnet = config.subnets[i];
    Timer up_valid = valid, up_renew = renew, up_rebind = rebind;
    if (subnet.shared_network) {
      // What the subnet inherited from its network is blamed on the network.
      const Node network = networks->element(*subnet.shared_network);
      up_valid = timer_at(network, "valid-lifetime", subnet.valid_lifetime_s, 2, valid);
      up_renew = timer_at(network, "renew-timer", subnet.renew_timer_s, 2, renew);
      up_rebind = timer_at(network, "rebind-timer", subnet.rebind_timer_s, 2, rebind);
    }
    const Node& node = nodes[i];
    const Timer subnet_valid =
        timer_at(node, "valid-lifetime", subnet.valid_lifetime_s, 3, up_valid);
    const Timer subnet_renew = timer_at(node, "renew-timer", subnet.renew_timer_s, 3, up_renew);
    const Timer subnet_rebind = timer_at(node, "rebind-timer", subnet.rebind_timer_s, 3, up_rebind);
    if (auto ok = check_timer_order(reader, subnet_renew, subnet_rebind, subnet_valid); !ok) {
      return ok;
    }
  }
  return {};
}

Status read_output_options(const Reader& reader, const Node& list, std::vector<LogOutput>& into) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node entry = list.element(i);
    if (auto ok = reader.expect_object(entry); !ok) return ok;
    if (auto ok = reader.check_keys(entry, Scope::OutputOption, kOutputKeys); !ok) return ok;
    LogOutput out;
    if (const auto output = entry.find("output")) {
      auto text = reader.get_string(*output);
      if (!text) return tl::unexpected(text.error());
      out.output = *text;
    }
    if (const auto flush = entry.find("flush")) {
      auto flag = reader.get_bool(*flush);
      if (!flag) return tl::unexpected(flag.error());
      out.flush = *flag;
    }
    if (const auto size = entry.find("maxsize")) {
      auto n = reader.get_integer(*size, 0, INT64_MAX);
      if (!n) return tl::unexpected(n.error());
      out.maxsize_bytes = *n;
    }
    if (const auto versions = entry.find("maxver")) {
      auto n = reader.get_integer(*versions, 0, INT64_MAX);
      if (!n) return tl::unexpected(n.error());
      // Accepted as before; more old files than this is not a log, it is a leak.
      constexpr uint64_t kMaxOldFiles = 1000;
      out.maxver = static_cast<uint32_t>(std::min(*n, kMaxOldFiles));
    }
    if (const auto pattern = entry.find("pattern")) {
      if (!pattern->value->is_string()) {
        return tl::unexpected(reader.error(*pattern, pattern->path + " must be a string"));
      }
      reader.warn(*pattern, pattern->path +
                                " is a log4cplus layout, which blackstart does not use; its lines "
                                "are \"[time] [level] message\"");
    }
    into.push_back(std::move(out));
  }
  return {};
}

// One "loggers" entry: its severity and outputs.
struct Logger {
  std::string severity = "INFO";  // Kea's default
  std::vector<LogOutput> outputs;
};

Result<Logger> read_logger(const Reader& reader, const Node& entry) {
  if (auto ok = reader.expect_object(entry); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(entry, Scope::Logger, kLoggerKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  const auto name = entry.find("name");
  if (!name) return tl::unexpected(reader.error(entry, entry.path + " needs a \"name\""));
  if (auto text = reader.get_string(*name); !text) return tl::unexpected(text.error());
  if (const auto level = entry.find("debuglevel")) {
    if (auto n = reader.get_integer(*level, 0, 99); !n) return tl::unexpected(n.error());
  }
  Logger logger;
  for (std::string_view key : {"output_options", "output-options"}) {
    if (const auto outputs = entry.find(key)) {
      if (auto ok = read_output_options(reader, *outputs, logger.outputs); !ok) {
        return tl::unexpected(ok.error());
      }
    }
  }
  const auto severity = entry.find("severity");
  if (!severity) return logger;
  auto text = reader.get_string(*severity);
  if (!text) return tl::unexpected(text.error());
  if (!contains(kSeverities, *text)) {
    return tl::unexpected(reader.error(
        *severity, severity->path + " must be FATAL, ERROR, WARN, INFO or DEBUG, got " +
                       describe_value(*severity->value)));
  }
  logger.severity = *text;
  return logger;
}

Status read_loggers(const Reader& reader, const Node& list, Config& config) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  for (size_t i = 0; i < list.value->size(); ++i) {
    auto logger = read_logger(reader, list.element(i));
    if (!logger) return tl::unexpected(logger.error());
    // blackstart has one log, so the first logger decides its level and
    // where it goes (an entry without output_options: Kea's stdout).
    if (i > 0) continue;
    config.log_severity = logger->severity;
    config.log_outputs = std::move(logger->outputs);
    if (config.log_outputs.empty()) config.log_outputs.push_back(LogOutput{});
  }
  return {};
}

// Kea 2.2 parses "shared-networks" before "subnet4"; the order decides the
// automatic subnet ids.
Status read_all_subnets(const Reader& reader, const Node& dhcp4, Config& config,
                        std::vector<Node>& nodes) {
  const auto networks = dhcp4.find("shared-networks");
  if (networks) {
    if (auto ok = read_shared_networks(reader, *networks, config, nodes); !ok) return ok;
  }
  const auto list = dhcp4.find("subnet4");
  if (list) {
    auto subnets = read_subnets(reader, *list);
    if (!subnets) return tl::unexpected(subnets.error());
    for (size_t i = 0; i < subnets->size(); ++i) {
      config.subnets.push_back(std::move((*subnets)[i]));
      nodes.push_back(list->element(i));
    }
  }
  if (!list && !networks) return {};
  if (auto ok = finish_subnets(reader, list ? *list : *networks, nodes, config.subnets); !ok) {
    return ok;
  }
  link_shared_networks(config);
  return {};
}

Status read_defined_sections(const Reader& reader, const Node& dhcp4, Config& config) {
  NetworkSettings global;
  if (auto ok = read_network_settings(reader, dhcp4, global); !ok) return ok;
  if (auto ok = read_kea_globals(reader, dhcp4, config); !ok) return ok;
  if (auto ok = read_kea_tuning_globals(reader, dhcp4, config); !ok) return ok;
  if (const auto node = dhcp4.find("interfaces-config")) {
    if (auto ok = read_interfaces_config(reader, *node, config); !ok) return ok;
  }
  if (const auto node = dhcp4.find("lease-database")) {
    if (auto ok = read_lease_database(reader, *node, config); !ok) return ok;
  }
  if (auto ok = read_global_timers(reader, dhcp4, config); !ok) return ok;
  if (const auto node = dhcp4.find("option-data")) {
    auto options = read_option_data(reader, *node);
    if (!options) return tl::unexpected(options.error());
    config.options = std::move(*options);
  }
  if (auto ok = read_client_classes(reader, dhcp4, config); !ok) return ok;
  std::vector<Node> nodes;  // each subnet's entry, for messages
  if (auto ok = read_all_subnets(reader, dhcp4, config, nodes); !ok) return ok;
  warn_unknown_classes(reader, dhcp4, nodes, config);
  if (auto ok = check_all_timers(reader, dhcp4, nodes, config); !ok) return ok;
  if (auto ok = resolve_subnets(reader, dhcp4, nodes, global, config); !ok) return ok;
  if (auto ok = read_control_sockets(reader, dhcp4, config); !ok) return ok;
  if (const auto node = dhcp4.find("conflict-probing")) {
    if (auto ok = read_conflict_probing(reader, *node, config); !ok) return ok;
  }
  if (auto ok = read_starvation_guard(reader, dhcp4, config); !ok) return ok;
  if (auto ok = read_run_as(reader, dhcp4, config); !ok) return ok;
  if (const auto node = dhcp4.find("loggers")) return read_loggers(reader, *node, config);
  return {};
}

Status read_sections(const Reader& reader, const Node& dhcp4, Config& config) {
  // Every option-data list, a client class's too, is read against these
  // definitions; the reader only points at them, so they live here.
  wire::OptionDefinitions option_defs;
  if (const auto node = dhcp4.find("option-def")) {
    if (auto ok = read_option_defs(reader, *node, option_defs, false); !ok) return ok;
  }
  reader.use_option_definitions(&option_defs);
  auto status = read_defined_sections(reader, dhcp4, config);
  reader.use_option_definitions(nullptr);
  return status;
}

Status check_top_level(const Reader& reader, const Node& root) {
  if (!root.value->is_object()) {
    return tl::unexpected(
        reader.error(root, "the configuration must be an object {\"Dhcp4\": {...}}, got " +
                               describe_value(*root.value)));
  }
  for (const auto& [key, value] : root.value->items()) {
    const Node member = *root.find(key);
    if (contains(kOtherDaemons, key)) {
      return tl::unexpected(
          reader.key_error(member, fmt::format("\"{0}\" configures another Kea daemon; blackstart "
                                               "reads only \"Dhcp4\", so move \"{0}\" to a "
                                               "separate file",
                                               key)));
    }
  }
  if (auto ok = reader.check_keys(root, Scope::TopLevel, kTopLevelKeys); !ok) return ok;
  if (!root.find("Dhcp4")) {
    return tl::unexpected(reader.error(root, "the configuration has no \"Dhcp4\" section"));
  }
  return {};
}

// Kea 1.x kept "loggers" in a top-level "Logging" object. Kea 2.x refuses
// that; blackstart reads it (unless Dhcp4 has its own "loggers") and warns.
Status read_top_level_logging(const Reader& reader, const Node& root, const Node& dhcp4,
                              Config& config) {
  const auto logging = root.find("Logging");
  if (!logging) return {};
  if (auto ok = reader.expect_object(*logging); !ok) return ok;
  if (auto ok = reader.check_keys(*logging, Scope::TopLevel, kLoggingKeys); !ok) return ok;
  const auto loggers = logging->find("loggers");
  if (dhcp4.find("loggers")) {
    reader.warn(*logging,
                "top-level \"Logging\" (the Kea 1.x layout) is ignored because Dhcp4 has its own "
                "\"loggers\"; remove it");
    return {};
  }
  reader.warn(*logging,
              "top-level \"Logging\" is the Kea 1.x layout, which Kea 2.x refuses; blackstart "
              "reads it, but move its \"loggers\" into \"Dhcp4\"");
  if (!loggers) return {};
  return read_loggers(reader, *loggers, config);
}

Result<Config> read_config(const Reader& reader) {
  const Node root = reader.root();
  if (auto ok = check_top_level(reader, root); !ok) return tl::unexpected(ok.error());
  const Node dhcp4 = *root.find("Dhcp4");
  if (auto ok = reader.expect_object(dhcp4); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(dhcp4, Scope::Dhcp4, dhcp4_keys()); !ok) {
    return tl::unexpected(ok.error());
  }
  Config config;
  if (auto ok = read_top_level_logging(reader, root, dhcp4, config); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = read_sections(reader, dhcp4, config); !ok) return tl::unexpected(ok.error());
  config.warnings = reader.take_warnings();
  return config;
}

}  // namespace

std::string ConfigError::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

bool ClassGuard::allows(const classify::ClassSet& client) const {
  if (classes.empty()) return true;
  return std::any_of(classes.begin(), classes.end(),
                     [&client](const std::string& name) { return client.contains(name); });
}

bool Config::admits(const Subnet& subnet, const classify::ClassSet& classes) const {
  const SharedNetwork* network = network_of(subnet);
  if (network != nullptr && !network->client_classes.allows(classes)) return false;
  return subnet.client_classes.allows(classes);
}

const Subnet* Config::find_subnet(uint32_t id) const {
  const auto it = std::find_if(subnets.begin(), subnets.end(),
                               [id](const Subnet& subnet) { return subnet.id == id; });
  return it == subnets.end() ? nullptr : &*it;
}

const ClientClass* Config::find_class(std::string_view name) const {
  const auto it =
      std::find_if(client_classes.begin(), client_classes.end(),
                   [name](const ClientClass& client_class) { return client_class.name == name; });
  return it == client_classes.end() ? nullptr : &*it;
}

tl::expected<Config, ConfigError> parse_config(std::string_view text,
                                               const std::string& file_name) {
  // Only allocation failure can throw below; it must still not escape.
  try {
    auto document = parse_jsonc(text);
    if (!document) {
      return tl::unexpected(
          ConfigError{file_name, document.error().line, document.error().message});
    }
    return read_config(Reader(*document, file_name));
  } catch (const std::exception& e) {
    return tl::unexpected(ConfigError{file_name, 0, std::string("internal error: ") + e.what()});
  }
}

tl::expected<std::string, ConfigError> read_config_text(const std::string& path) {
  auto text = read_bounded_file(path, kMaxConfigFileBytes);
  if (!text) {
    return tl::unexpected(ConfigError{path, 0, "cannot read configuration file: " + text.error()});
  }
  return std::move(*text);
}

tl::expected<Config, ConfigError> load_config_file(const std::string& path) {
  auto text = read_config_text(path);
  if (!text) return tl::unexpected(text.error());
  if (text->find("<?include") == std::string::npos) return parse_config(*text, path);
  auto expanded = expand_includes(path, *text);
  if (!expanded) return tl::unexpected(expanded.error());
  auto config = parse_config(expanded->text, path);
  if (!config) {
    ConfigError error = config.error();
    map_to_origin(*expanded, error);
    return tl::unexpected(std::move(error));
  }
  for (ConfigError& warning : config->warnings) map_to_origin(*expanded, warning);
  return config;
}

}  // namespace bs::config
