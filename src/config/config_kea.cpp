// Kea Dhcp4 globals that are not sections of their own: echo-client-id,
// host-reservation-identifiers, expired-leases-processing, multi-threading,
// hooks-libraries (config_hooks.cpp) and the global "reservations". Also where the network
// settings (config_network.cpp) are inherited from Dhcp4 into each subnet,
// the way Kea derives them, and where the lifetime bounds are checked.
#include <fmt/format.h>

#include <algorithm>

#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kGlobalKeys[] = {
    "echo-client-id",
    "host-reservation-identifiers",
    "expired-leases-processing",
    "multi-threading",
    "hooks-libraries",
    "reservations",
};
constexpr std::string_view kExpiryKeys[] = {
    "reclaim-timer-wait-time", "flush-reclaimed-timer-wait-time",
    "hold-reclaimed-time",     "max-reclaim-leases",
    "max-reclaim-time",        "unwarned-reclaim-cycles",
};
constexpr std::string_view kThreadingKeys[] = {"enable-multi-threading", "thread-pool-size",
                                               "packet-queue-size"};
BS_CONFIG_KEYS("Dhcp4.expired-leases-processing", kExpiryKeys);
BS_CONFIG_KEYS("Dhcp4.multi-threading", kThreadingKeys);

struct IdentifierName {
  std::string_view name;
  HostIdentifier id;
};
// Kea's order, which "auto" expands to.
constexpr IdentifierName kIdentifiers[] = {
    {"hw-address", HostIdentifier::HwAddress}, {"duid", HostIdentifier::Duid},
    {"circuit-id", HostIdentifier::CircuitId}, {"client-id", HostIdentifier::ClientId},
    {"flex-id", HostIdentifier::FlexId},
};

Result<uint32_t> read_limited(const Reader& reader, const Node& node, uint32_t max) {
  return reader.get_u32(node, 0, max);
}

Status read_expiry(const Reader& reader, const Node& node, ExpiredLeasesProcessing& out) {
  if (auto ok = reader.expect_object(node); !ok) return ok;
  if (auto ok = reader.check_keys(node, Scope::ExpiredLeases, kExpiryKeys); !ok) return ok;
  // Kea's limits: the timers are 16-bit, the lease counts 32-bit.
  constexpr uint32_t kMax16 = 65535;
  const std::tuple<std::string_view, uint32_t*, uint32_t> fields[] = {
      {"reclaim-timer-wait-time", &out.reclaim_timer_wait_time_s, kMax16},
      {"flush-reclaimed-timer-wait-time", &out.flush_reclaimed_timer_wait_time_s, kMax16},
      {"hold-reclaimed-time", &out.hold_reclaimed_time_s, UINT32_MAX},
      {"max-reclaim-time", &out.max_reclaim_time_ms, kMax16},
      {"unwarned-reclaim-cycles", &out.unwarned_reclaim_cycles, kMax16},
  };
  if (const auto value = node.find("max-reclaim-leases")) {
    auto number = reader.get_u32(*value);
    if (!number) return tl::unexpected(number.error());
    out.max_reclaim_leases = *number;
  }
  for (const auto& [key, target, max] : fields) {
    const auto value = node.find(key);
    if (!value) continue;
    auto number = read_limited(reader, *value, max);
    if (!number) return tl::unexpected(number.error());
    *target = *number;
  }
  return {};
}

// blackstart has one packet thread that batches commits; Kea's thread pool
// and queue sizes have nothing to map to, so they are checked and kept out.
Status read_multi_threading(const Reader& reader, const Node& node) {
  if (auto ok = reader.expect_object(node); !ok) return ok;
  if (auto ok = reader.check_keys(node, Scope::MultiThreading, kThreadingKeys); !ok) return ok;
  if (const auto enabled = node.find("enable-multi-threading")) {
    if (auto flag = reader.get_bool(*enabled); !flag) return tl::unexpected(flag.error());
  }
  for (std::string_view key : {"thread-pool-size", "packet-queue-size"}) {
    const auto value = node.find(key);
    if (!value) continue;
    if (auto n = reader.get_u32(*value); !n) return tl::unexpected(n.error());
  }
  return {};
}

Status read_identifiers(const Reader& reader, const Node& list, Config& config) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  std::vector<HostIdentifier> ids;
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node element = list.element(i);
    auto name = reader.get_string(element);
    if (!name) return tl::unexpected(name.error());
    if (*name == "auto") {
      if (!ids.empty() || list.value->size() > 1) {
        return tl::unexpected(reader.error(
            element, element.path + ": \"auto\" cannot be combined with other identifiers"));
      }
      for (const auto& known : kIdentifiers) ids.push_back(known.id);
      continue;
    }
    const auto* known = std::find_if(std::begin(kIdentifiers), std::end(kIdentifiers),
                                     [&](const IdentifierName& id) { return id.name == *name; });
    if (known == std::end(kIdentifiers)) {
      return tl::unexpected(
          reader.error(element, element.path +
                                    " must be \"hw-address\", \"duid\", \"circuit-id\", "
                                    "\"client-id\", \"flex-id\" or \"auto\", got " +
                                    describe_value(*element.value)));
    }
    if (std::find(ids.begin(), ids.end(), known->id) != ids.end()) {
      return tl::unexpected(
          reader.error(element, element.path + " " + quote(*name) + " is listed twice"));
    }
    ids.push_back(known->id);
  }
  if (ids.empty()) {
    return tl::unexpected(reader.error(list, list.path + " must not be empty"));
  }
  config.host_identifiers = std::move(ids);
  return {};
}

Status read_global_reservations(const Reader& reader, const Node& list, Config& config) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  for (size_t i = 0; i < list.value->size(); ++i) {
    auto reservation = read_reservation(reader, list.element(i), nullptr);
    if (!reservation) return tl::unexpected(reservation.error());
    reservation->global = true;
    config.global_reservations.push_back(std::move(*reservation));
  }
  return {};
}

template <class T>
void inherit(std::optional<T>& local, const std::optional<T>& global) {
  if (!local) local = global;
}

void inherit_boot(BootFields& local, const BootFields& global) {
  inherit(local.next_server, global.next_server);
  inherit(local.server_hostname, global.server_hostname);
  inherit(local.boot_file_name, global.boot_file_name);
}

// Kea's check: min-valid-lifetime <= valid-lifetime <= max-valid-lifetime.
Status check_lifetime_bounds(const Reader& reader, const Node& scope, uint32_t valid,
                             std::optional<uint32_t> min, std::optional<uint32_t> max) {
  if (min && *min > valid) {
    const auto node = scope.find("min-valid-lifetime");
    const Node& at = node ? *node : scope;
    return tl::unexpected(reader.error(at, at.path + " (" + std::to_string(*min) +
                                               ") must not exceed valid-lifetime (" +
                                               std::to_string(valid) + ")"));
  }
  if (max && *max < valid) {
    const auto node = scope.find("max-valid-lifetime");
    const Node& at = node ? *node : scope;
    return tl::unexpected(reader.error(at, at.path + " (" + std::to_string(*max) +
                                               ") must not be less than valid-lifetime (" +
                                               std::to_string(valid) + ")"));
  }
  return {};
}

// What Kea 2.2 derives into a subnet from the globals, and the reservations
// the flags make apply there.
void apply_inheritance(const NetworkSettings& global, const Config& config, Subnet& subnet) {
  inherit(subnet.min_valid_lifetime_s, global.min_valid_lifetime_s);
  inherit(subnet.max_valid_lifetime_s, global.max_valid_lifetime_s);
  inherit(subnet.tee.calculate, global.tee.calculate);
  inherit(subnet.tee.t1_percent, global.tee.t1_percent);
  inherit(subnet.tee.t2_percent, global.tee.t2_percent);
  inherit(subnet.match_client_id, std::optional<bool>(config.match_client_id));
  inherit(subnet.authoritative, std::optional<bool>(config.authoritative));
  inherit(subnet.reservations_global, std::optional<bool>(config.reservation_flags.global));
  inherit(subnet.reservations_in_subnet, std::optional<bool>(config.reservation_flags.in_subnet));
  inherit(subnet.reservations_out_of_pool,
          std::optional<bool>(config.reservation_flags.out_of_pool));
  inherit_boot(subnet.boot, config.boot);
  std::vector<Reservation> applying;
  if (*subnet.reservations_global) {
    for (Reservation reservation : config.global_reservations) {
      // A global reservation's address only counts in the subnet holding it.
      if (!reservation.ip_address.is_zero() && !subnet.contains(reservation.ip_address)) {
        reservation.ip_address = Ip4{};
      }
      applying.push_back(std::move(reservation));
    }
  }
  if (*subnet.reservations_in_subnet) {
    for (Reservation& reservation : subnet.reservations) applying.push_back(std::move(reservation));
  }
  subnet.reservations = std::move(applying);
}

}  // namespace

std::span<const std::string_view> kea_global_keys() { return kGlobalKeys; }

Status read_kea_globals(const Reader& reader, const Node& dhcp4, Config& config) {
  if (const auto node = dhcp4.find("echo-client-id")) {
    auto flag = reader.get_bool(*node);
    if (!flag) return tl::unexpected(flag.error());
    config.echo_client_id = *flag;
  }
  if (const auto node = dhcp4.find("host-reservation-identifiers")) {
    if (auto ok = read_identifiers(reader, *node, config); !ok) return ok;
  }
  if (const auto node = dhcp4.find("expired-leases-processing")) {
    if (auto ok = read_expiry(reader, *node, config.expiry); !ok) return ok;
  }
  if (const auto node = dhcp4.find("multi-threading")) {
    if (auto ok = read_multi_threading(reader, *node); !ok) return ok;
  }
  if (const auto node = dhcp4.find("hooks-libraries")) {
    if (auto ok = read_hooks_libraries(reader, *node, dhcp4, config); !ok) return ok;
  }
  if (const auto node = dhcp4.find("reservations")) {
    if (auto ok = read_global_reservations(reader, *node, config); !ok) return ok;
  }
  return {};
}

Status resolve_subnets(const Reader& reader, const Node& dhcp4, std::span<const Node> nodes,
                       const NetworkSettings& global, Config& config) {
  config.min_valid_lifetime_s = global.min_valid_lifetime_s;
  config.max_valid_lifetime_s = global.max_valid_lifetime_s;
  config.tee = global.tee;
  config.match_client_id = global.match_client_id.value_or(true);
  if (global.authoritative) config.authoritative = *global.authoritative;
  config.reservation_flags.global = global.reservations_global.value_or(false);
  config.reservation_flags.in_subnet = global.reservations_in_subnet.value_or(true);
  config.reservation_flags.out_of_pool = global.reservations_out_of_pool.value_or(false);
  config.boot = global.boot;
  if (auto ok = check_lifetime_bounds(reader, dhcp4, config.valid_lifetime_s,
                                      config.min_valid_lifetime_s, config.max_valid_lifetime_s);
      !ok) {
    return ok;
  }
  for (size_t i = 0; i < config.subnets.size(); ++i) {
    Subnet& subnet = config.subnets[i];
    apply_inheritance(global, config, subnet);
    const uint32_t valid = subnet.valid_lifetime_s.value_or(config.valid_lifetime_s);
    if (auto ok = check_lifetime_bounds(reader, nodes[i], valid, subnet.min_valid_lifetime_s,
                                        subnet.max_valid_lifetime_s);
        !ok) {
      return ok;
    }
  }
  return {};
}

uint32_t valid_lifetime_for(const Config& config, const Subnet& subnet, uint32_t requested_s,
                            const std::optional<LifetimeTriplet>& class_lifetime) {
  if (class_lifetime) {
    if (requested_s == 0) return class_lifetime->valid_s;
    return std::clamp(requested_s, class_lifetime->min_s, class_lifetime->max_s);
  }
  const uint32_t valid = subnet.valid_lifetime_s.value_or(config.valid_lifetime_s);
  if (requested_s == 0) return valid;
  const uint32_t min =
      subnet.min_valid_lifetime_s.value_or(config.min_valid_lifetime_s.value_or(valid));
  const uint32_t max =
      subnet.max_valid_lifetime_s.value_or(config.max_valid_lifetime_s.value_or(valid));
  return std::clamp(requested_s, std::min(min, max), max);
}

uint32_t max_valid_lifetime(const Config& config, const Subnet& subnet) {
  const uint32_t valid = subnet.valid_lifetime_s.value_or(config.valid_lifetime_s);
  return std::max(
      valid, subnet.max_valid_lifetime_s.value_or(config.max_valid_lifetime_s.value_or(valid)));
}

}  // namespace bs::config
