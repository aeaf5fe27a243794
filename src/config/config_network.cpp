// Settings Kea allows at every level of its network hierarchy (globally and
// per subnet; blackstart has no shared networks yet): valid-lifetime bounds,
// the T1/T2 rules, match-client-id, authoritative, the reservation flags with
// their 2.2 predecessor "reservation-mode", and the BOOTP fields. The values
// are read as optionals here; config_kea.cpp resolves the inheritance.
#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kNetworkKeys[] = {
    "min-valid-lifetime",
    "max-valid-lifetime",
    "calculate-tee-times",
    "t1-percent",
    "t2-percent",
    "match-client-id",
    "authoritative",
    "reservation-mode",
    "reservations-global",
    "reservations-in-subnet",
    "reservations-out-of-pool",
    "next-server",
    "server-hostname",
    "boot-file-name",
};

// RFC 2131's fixed BOOTP fields hold 64 and 128 bytes with a NUL.
constexpr size_t kMaxServerHostnameBytes = 63;
constexpr size_t kMaxBootFileNameBytes = 127;

Status read_optional_bool(const Reader& reader, const Node& scope, std::string_view key,
                          std::optional<bool>& out) {
  const auto node = scope.find(key);
  if (!node) return {};
  auto flag = reader.get_bool(*node);
  if (!flag) return tl::unexpected(flag.error());
  out = *flag;
  return {};
}

// Kea requires 0 < percent < 1 for both shares.
Status read_percent(const Reader& reader, const Node& scope, std::string_view key,
                    std::optional<double>& out) {
  const auto node = scope.find(key);
  if (!node) return {};
  auto value = reader.get_real(*node);
  if (!value) return tl::unexpected(value.error());
  if (!(*value > 0.0 && *value < 1.0)) {
    return tl::unexpected(reader.error(
        *node, node->path + " must be greater than 0 and less than 1, got " + node->value->dump()));
  }
  out = *value;
  return {};
}

Status read_tee_times(const Reader& reader, const Node& scope, TeeTimes& tee) {
  if (auto ok = read_optional_bool(reader, scope, "calculate-tee-times", tee.calculate); !ok) {
    return ok;
  }
  if (auto ok = read_percent(reader, scope, "t1-percent", tee.t1_percent); !ok) return ok;
  if (auto ok = read_percent(reader, scope, "t2-percent", tee.t2_percent); !ok) return ok;
  if (tee.t1_percent && tee.t2_percent && *tee.t1_percent >= *tee.t2_percent) {
    const Node t1 = *scope.find("t1-percent");
    return tl::unexpected(reader.error(t1, t1.path + " (" + t1.value->dump() +
                                               ") must be less than t2-percent (" +
                                               scope.find("t2-percent")->value->dump() + ")"));
  }
  return {};
}

// Kea 2.2's "reservation-mode" is shorthand for the three flags; Kea refuses
// a scope that has both spellings.
Status read_reservation_mode(const Reader& reader, const Node& scope, NetworkSettings& out) {
  const auto mode = scope.find("reservation-mode");
  if (!mode) return {};
  for (std::string_view flag :
       {"reservations-global", "reservations-in-subnet", "reservations-out-of-pool"}) {
    if (scope.find(flag)) {
      return tl::unexpected(reader.key_error(
          *mode, mode->path + " cannot be combined with \"" + std::string(flag) +
                     "\" in the same scope; keep the flags (reservation-mode is Kea 2.2's "
                     "older spelling)"));
    }
  }
  auto text = reader.get_string(*mode);
  if (!text) return tl::unexpected(text.error());
  if (*text == "disabled" || *text == "off") {
    out.reservations_global = false;
    out.reservations_in_subnet = false;
  } else if (*text == "out-of-pool") {
    out.reservations_global = false;
    out.reservations_in_subnet = true;
    out.reservations_out_of_pool = true;
  } else if (*text == "global") {
    out.reservations_global = true;
    out.reservations_in_subnet = false;
  } else if (*text == "all") {
    out.reservations_global = false;
    out.reservations_in_subnet = true;
    out.reservations_out_of_pool = false;
  } else {
    return tl::unexpected(reader.error(
        *mode, mode->path + " must be \"all\", \"out-of-pool\", \"global\" or \"disabled\", got " +
                   describe_value(*mode->value)));
  }
  return {};
}

Status read_reservation_flags(const Reader& reader, const Node& scope, NetworkSettings& out) {
  if (auto ok = read_reservation_mode(reader, scope, out); !ok) return ok;
  const std::pair<std::string_view, std::optional<bool>*> flags[] = {
      {"reservations-global", &out.reservations_global},
      {"reservations-in-subnet", &out.reservations_in_subnet},
      {"reservations-out-of-pool", &out.reservations_out_of_pool},
  };
  for (const auto& [key, target] : flags) {
    if (auto ok = read_optional_bool(reader, scope, key, *target); !ok) return ok;
  }
  return {};
}

Result<std::string> read_field_text(const Reader& reader, const Node& node, size_t max_bytes) {
  if (!node.value->is_string()) {
    return tl::unexpected(
        reader.error(node, node.path + " must be a string, got " + describe_value(*node.value)));
  }
  const auto& text = node.value->get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    return tl::unexpected(reader.error(node, node.path + " is " + std::to_string(text.size()) +
                                                 " bytes; the BOOTP field holds at most " +
                                                 std::to_string(max_bytes)));
  }
  return text;
}

}  // namespace

std::span<const std::string_view> network_setting_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> out(std::begin(kNetworkKeys), std::end(kNetworkKeys));
    const auto tuning = kea_tuning_scoped_keys();
    out.insert(out.end(), tuning.begin(), tuning.end());
    return out;
  }();
  return keys;
}

Status read_boot_fields(const Reader& reader, const Node& scope, BootFields& out) {
  if (const auto node = scope.find("next-server")) {
    // Kea's default is "0.0.0.0"; an empty string means the same.
    if (node->value->is_string() && node->value->get_ref<const std::string&>().empty()) {
      out.next_server = Ip4{};
    } else {
      auto address = reader.get_ip4(*node);
      if (!address) return tl::unexpected(address.error());
      out.next_server = *address;
    }
  }
  if (const auto node = scope.find("server-hostname")) {
    auto text = read_field_text(reader, *node, kMaxServerHostnameBytes);
    if (!text) return tl::unexpected(text.error());
    out.server_hostname = *text;
  }
  if (const auto node = scope.find("boot-file-name")) {
    auto text = read_field_text(reader, *node, kMaxBootFileNameBytes);
    if (!text) return tl::unexpected(text.error());
    out.boot_file_name = *text;
  }
  return {};
}

Status read_network_settings(const Reader& reader, const Node& scope, NetworkSettings& out) {
  if (auto ok = read_kea_tuning_scoped(reader, scope); !ok) return ok;
  const std::pair<std::string_view, std::optional<uint32_t>*> bounds[] = {
      {"min-valid-lifetime", &out.min_valid_lifetime_s},
      {"max-valid-lifetime", &out.max_valid_lifetime_s},
  };
  for (const auto& [key, target] : bounds) {
    const auto node = scope.find(key);
    if (!node) continue;
    auto seconds = reader.get_u32(*node, 1);
    if (!seconds) return tl::unexpected(seconds.error());
    *target = *seconds;
  }
  if (auto ok = read_tee_times(reader, scope, out.tee); !ok) return ok;
  if (auto ok = read_optional_bool(reader, scope, "match-client-id", out.match_client_id); !ok) {
    return ok;
  }
  if (auto ok = read_optional_bool(reader, scope, "authoritative", out.authoritative); !ok) {
    return ok;
  }
  if (auto ok = read_reservation_flags(reader, scope, out); !ok) return ok;
  return read_boot_fields(reader, scope, out.boot);
}

}  // namespace bs::config
