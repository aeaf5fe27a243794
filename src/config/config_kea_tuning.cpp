// Kea settings that tune Kea's own machinery rather than what a client gets:
// DNS update parameters while DNS updates are off, lease sanity checks,
// allocator choice, packet queueing, lease caching, statistics sampling and
// the like. Each is validated with Kea's types and values and accepted, so an
// unchanged kea-dhcp4.conf loads; where blackstart behaves differently from
// what the value asks Kea for, `-t` says so in a warning. Settings whose
// effect blackstart cannot honour (DNS updates switched on) stay refused.
#include <fmt/format.h>

#include <algorithm>

#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kTuningGlobalKeys[] = {
    "dhcp-ddns",
    "sanity-checks",
    "reservations-lookup-first",
    "early-global-reservations-lookup",
    "ip-reservations-unique",
    "statistic-default-sample-count",
    "statistic-default-sample-age",
    "dhcp-queue-control",
    "compatibility",
    "parked-packet-limit",
    "allocator",
    "server-tag",
    "stash-agent-options",
    "dhcp4o6-port",
};
// Kea allows these globally, in shared networks and in subnets.
constexpr std::string_view kTuningScopedKeys[] = {
    "ddns-send-updates",
    "ddns-override-no-update",
    "ddns-override-client-update",
    "ddns-replace-client-name",
    "ddns-generated-prefix",
    "ddns-qualifying-suffix",
    "ddns-update-on-renew",
    "ddns-use-conflict-resolution",
    "ddns-conflict-resolution-mode",
    "ddns-ttl-percent",
    "ddns-ttl",
    "ddns-ttl-min",
    "ddns-ttl-max",
    "hostname-char-set",
    "hostname-char-replacement",
    "store-extended-info",
    "cache-threshold",
    "cache-max-age",
    "offer-lifetime",
    "adaptive-lease-time-threshold",
};
constexpr std::string_view kSanityKeys[] = {"lease-checks", "extended-info-checks"};
constexpr std::string_view kLeaseChecks[] = {"none", "warn", "fix", "fix-del", "del"};
constexpr std::string_view kExtendedInfoChecks[] = {"none", "fix", "strict", "pedantic"};
constexpr std::string_view kAllocators[] = {"iterative", "random", "flq"};
constexpr std::string_view kCompatibilityKeys[] = {
    "lenient-option-parsing", "ignore-rai-link-selection", "exclude-first-last-24",
    "ignore-dhcp-server-identifier"};
// The compatibility flags blackstart does not act on (true is warned of).
constexpr std::string_view kWarnedCompatibilityKeys[] = {
    "lenient-option-parsing", "exclude-first-last-24", "ignore-dhcp-server-identifier"};
constexpr std::string_view kQueueKeys[] = {"enable-queue", "queue-type", "capacity"};
BS_CONFIG_KEYS("Dhcp4.sanity-checks", kSanityKeys);
BS_CONFIG_KEYS("Dhcp4.compatibility", kCompatibilityKeys);
BS_CONFIG_KEYS("Dhcp4.dhcp-queue-control", kQueueKeys);

bool listed(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A string that must be one of `allowed`.
Result<std::string> read_choice(const Reader& reader, const Node& node,
                                std::span<const std::string_view> allowed) {
  auto text = reader.get_string(node);
  if (!text) return text;
  if (listed(allowed, *text)) return text;
  std::string choices;
  for (std::string_view choice : allowed) {
    choices += (choices.empty() ? "\"" : ", \"") + std::string(choice) + "\"";
  }
  return tl::unexpected(reader.error(
      node, node.path + " must be one of " + choices + ", got " + describe_value(*node.value)));
}

// Kea's dhcp-ddns map: with "enable-updates" true Kea sends name change
// requests to kea-dhcp-ddns, which blackstart cannot do; off, the map is inert.
Status read_dhcp_ddns(const Reader& reader, const Node& node) {
  if (auto ok = reader.expect_object(node); !ok) return ok;
  const auto enabled = node.find("enable-updates");
  if (!enabled) return {};
  auto flag = reader.get_bool(*enabled);
  if (!flag) return tl::unexpected(flag.error());
  if (!*flag) return {};
  return tl::unexpected(reader.error(
      *enabled, enabled->path +
                    " true: DNS updates through kea-dhcp-ddns (\"dhcp-ddns\") are not supported "
                    "yet; blackstart keeps client hostnames in its leases but sends no name "
                    "change requests. Set it to false to run without DNS updates"));
}

Status read_sanity_checks(const Reader& reader, const Node& node) {
  if (auto ok = reader.expect_object(node); !ok) return ok;
  if (auto ok = reader.check_keys(node, Scope::Dhcp4, kSanityKeys); !ok) return ok;
  if (const auto checks = node.find("lease-checks")) {
    auto mode = read_choice(reader, *checks, kLeaseChecks);
    if (!mode) return tl::unexpected(mode.error());
    if (*mode == "fix" || *mode == "fix-del" || *mode == "del") {
      reader.warn(*checks, checks->path + " " + quote(*mode) +
                               ": blackstart neither rewrites nor deletes stored leases when "
                               "it loads them; a lease whose subnet-id does not match its "
                               "address is kept and its address is not given to another client");
    }
  }
  if (const auto checks = node.find("extended-info-checks")) {
    if (auto mode = read_choice(reader, *checks, kExtendedInfoChecks); !mode) {
      return tl::unexpected(mode.error());
    }
  }
  return {};
}

// Warns of each of `keys` set to true; the caller has checked the map's keys.
Status read_bool_map(const Reader& reader, const Node& node, std::span<const std::string_view> keys,
                     std::string_view consequence) {
  for (std::string_view key : keys) {
    const auto value = node.find(key);
    if (!value || !value->value->is_boolean()) continue;
    if (value->value->get<bool>()) {
      reader.warn(*value, value->path + " true: " + std::string(consequence));
    }
  }
  return {};
}

Status read_queue_control(const Reader& reader, const Node& node) {
  if (auto ok = reader.expect_object(node); !ok) return ok;
  if (auto ok = reader.check_keys(node, Scope::Dhcp4, kQueueKeys); !ok) return ok;
  if (const auto capacity = node.find("capacity")) {
    if (auto n = reader.get_u32(*capacity); !n) return tl::unexpected(n.error());
  }
  const auto enabled = node.find("enable-queue");
  if (!enabled) return {};
  auto flag = reader.get_bool(*enabled);
  if (!flag) return tl::unexpected(flag.error());
  if (*flag) {
    reader.warn(*enabled, enabled->path +
                              " true: blackstart always queues arriving packets in its own "
                              "bounded intake (see docs/ARCHITECTURE.md); Kea's queue settings "
                              "are not used");
  }
  return {};
}

// The value's JSON type as Kea declares it; the value itself changes nothing.
Status expect_type(const Reader& reader, const Node& node, std::string_view key) {
  const bool is_bool = key == "reservations-lookup-first" ||
                       key == "early-global-reservations-lookup" ||
                       key == "ip-reservations-unique" || key.starts_with("ddns-send") ||
                       key.starts_with("ddns-override") || key == "ddns-update-on-renew" ||
                       key == "ddns-use-conflict-resolution" || key == "store-extended-info" ||
                       key == "stash-agent-options";
  if (is_bool) {
    if (auto flag = reader.get_bool(node); !flag) return tl::unexpected(flag.error());
    return {};
  }
  const bool is_real = key == "cache-threshold" || key == "ddns-ttl-percent" ||
                       key == "adaptive-lease-time-threshold";
  if (is_real) {
    if (auto number = reader.get_real(node); !number) return tl::unexpected(number.error());
    return {};
  }
  const bool is_integer = key.starts_with("statistic-") || key == "dhcp4o6-port" ||
                          key == "parked-packet-limit" || key == "cache-max-age" ||
                          key == "offer-lifetime" || key == "ddns-ttl" || key == "ddns-ttl-min" ||
                          key == "ddns-ttl-max";
  if (is_integer) {
    if (auto number = reader.get_u32(node); !number) return tl::unexpected(number.error());
    return {};
  }
  if (!node.value->is_string()) {
    return tl::unexpected(
        reader.error(node, node.path + " must be a string, got " + describe_value(*node.value)));
  }
  return {};
}

// What blackstart does instead, for settings that ask Kea for something
// blackstart does differently; empty when the value changes nothing here.
std::string difference(std::string_view key, const nlohmann::json& value) {
  const bool on = value.is_boolean() && value.get<bool>();
  const bool nonzero = value.is_number() && value.get<double>() > 0;
  if (key == "dhcp4o6-port" && nonzero) {
    return "blackstart does not speak DHCPv4-over-DHCPv6 (RFC 7341) and opens no port for "
           "kea-dhcp6; subnets with \"4o6-*\" settings are refused";
  }
  if (key == "stash-agent-options" && on) {
    return "a renewing client's stored relay options are not reused (none are stored)";
  }
  if (key == "store-extended-info" && on) {
    return "relay information is not stored in blackstart's leases";
  }
  if ((key == "cache-threshold" || key == "cache-max-age") && nonzero) {
    return "blackstart stores every renewal (no lease caching), so an acknowledged lease "
           "time is always on disk";
  }
  if (key == "offer-lifetime" && nonzero) {
    return "blackstart holds an offered address for 30 s in memory and writes nothing until "
           "the REQUEST";
  }
  if (key == "early-global-reservations-lookup" && on) {
    return "global reservations are looked up after subnet selection, as with false";
  }
  if (key == "ip-reservations-unique" && value.is_boolean() && !on) {
    return "blackstart still gives a reserved address to one client at a time";
  }
  if (key == "allocator") {
    return "blackstart gives a client its previous address, else the lowest free one, whatever "
           "the allocator";
  }
  const bool text = value.is_string();
  if (key == "hostname-char-set" && text && value.get<std::string>() != "[^A-Za-z0-9.-]") {
    return "blackstart cleans a client's host name with Kea's default set, \"[^A-Za-z0-9.-]\"";
  }
  if (key == "hostname-char-replacement" && text && !value.get<std::string>().empty()) {
    return "blackstart removes characters outside the host name set (Kea's default, \"\")";
  }
  if (key == "adaptive-lease-time-threshold") {
    return "lease times do not shrink as the pool fills";
  }
  if (key == "parked-packet-limit") {
    return "parked replies are bounded by conflict-probing's \"max-pending\"";
  }
  return {};
}

Status read_scalar_setting(const Reader& reader, const Node& node, std::string_view key) {
  if (auto ok = expect_type(reader, node, key); !ok) return ok;
  if (key == "allocator") {
    if (auto choice = read_choice(reader, node, kAllocators); !choice) {
      return tl::unexpected(choice.error());
    }
  }
  const std::string why = difference(key, *node.value);
  if (!why.empty()) reader.warn(node, node.path + ": " + why);
  return {};
}

// "ignore-rai-link-selection" is honoured (subnet_select); the others are
// parsed and answered as with false.
Status read_compatibility(const Reader& reader, const Node& node, Config& config) {
  if (auto ok = reader.expect_object(node); !ok) return ok;
  if (auto ok = reader.check_keys(node, Scope::Dhcp4, kCompatibilityKeys); !ok) return ok;
  if (const auto ignore = node.find("ignore-rai-link-selection")) {
    auto flag = reader.get_bool(*ignore);
    if (!flag) return tl::unexpected(flag.error());
    config.ignore_rai_link_selection = *flag;
  }
  return read_bool_map(reader, node, kWarnedCompatibilityKeys,
                       "blackstart parses and answers as with false");
}

Status read_one_global(const Reader& reader, const Node& node, std::string_view key,
                       Config& config) {
  if (key == "dhcp-ddns") return read_dhcp_ddns(reader, node);
  if (key == "sanity-checks") return read_sanity_checks(reader, node);
  if (key == "dhcp-queue-control") return read_queue_control(reader, node);
  if (key == "compatibility") return read_compatibility(reader, node, config);
  return read_scalar_setting(reader, node, key);
}

// Said once per scope that has any of them.
void warn_ddns_inert(const Reader& reader, const Node& scope) {
  for (std::string_view key : kTuningScopedKeys) {
    if (!key.starts_with("ddns-")) continue;
    if (const auto value = scope.find(key)) {
      reader.warn(*value, value->path +
                              ": blackstart sends no DNS updates, so the ddns-* settings "
                              "change nothing");
      return;
    }
  }
}

}  // namespace

std::span<const std::string_view> kea_tuning_global_keys() { return kTuningGlobalKeys; }
std::span<const std::string_view> kea_tuning_scoped_keys() { return kTuningScopedKeys; }

Status read_kea_tuning_globals(const Reader& reader, const Node& dhcp4, Config& config) {
  for (std::string_view key : kTuningGlobalKeys) {
    const auto node = dhcp4.find(key);
    if (!node) continue;
    if (auto ok = read_one_global(reader, *node, key, config); !ok) return ok;
  }
  return {};
}

Status read_kea_tuning_scoped(const Reader& reader, const Node& scope) {
  for (std::string_view key : kTuningScopedKeys) {
    const auto node = scope.find(key);
    if (!node) continue;
    if (auto ok = read_scalar_setting(reader, *node, key); !ok) return ok;
  }
  warn_ddns_inert(reader, scope);
  return {};
}

}  // namespace bs::config
