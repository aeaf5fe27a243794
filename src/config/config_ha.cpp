// libdhcp_ha's "parameters" (Kea 2.2's "high-availability" list of one
// entry) read into ha::HaConfig. Kea's keys keep Kea's ranges and defaults
// (ha_config_parser.cc: the three delays are 16-bit millisecond counts);
// blackstart's own start with "blackstart-". Keys that would change what
// the pair does without an equivalent here are refused (TLS, backups);
// keys that change nothing here are accepted with a warning, so that a
// Kea HA file runs unchanged.
#include <string>

#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kHaKeys[] = {"this-server-name",
                                        "mode",
                                        "heartbeat-delay",
                                        "max-response-delay",
                                        "max-ack-delay",
                                        "max-unacked-clients",
                                        "send-lease-updates",
                                        "sync-leases",
                                        "sync-timeout",
                                        "sync-page-limit",
                                        "delayed-updates-limit",
                                        "wait-backup-ack",
                                        "peers",
                                        "multi-threading",
                                        "state-machine",
                                        "require-client-certs",
                                        "restrict-commands",
                                        "trust-anchor",
                                        "cert-file",
                                        "key-file",
                                        "blackstart-mclt",
                                        "blackstart-standby-share-percent",
                                        "blackstart-state-file"};
constexpr std::string_view kPeerKeys[] = {"name",
                                          "url",
                                          "role",
                                          "auto-failover",
                                          "basic-auth-user",
                                          "basic-auth-password",
                                          "basic-auth-password-file",
                                          "trust-anchor",
                                          "cert-file",
                                          "key-file"};
constexpr std::string_view kMultiThreadingKeys[] = {"enable-multi-threading",
                                                    "http-dedicated-listener",
                                                    "http-listener-threads", "http-client-threads"};
constexpr std::string_view kTlsKeys[] = {"trust-anchor", "cert-file", "key-file"};
BS_CONFIG_KEYS("Dhcp4.hooks-libraries[].parameters.high-availability[] (libdhcp_ha)", kHaKeys);
BS_CONFIG_KEYS("Dhcp4.hooks-libraries[].parameters.high-availability[].peers[] (libdhcp_ha)",
               kPeerKeys);
BS_CONFIG_KEYS(
    "Dhcp4.hooks-libraries[].parameters.high-availability[].multi-threading (libdhcp_ha)",
    kMultiThreadingKeys);

constexpr uint32_t kMaxKeaDelay_ms = 65535;  // Kea 2.2 keeps these in 16 bits
constexpr uint32_t kMaxMclt_s = 86400;

Status read_u32(const Reader& reader, const Node& object, std::string_view key, uint32_t min,
                uint32_t max, uint32_t& into) {
  const auto node = object.find(key);
  if (!node) return {};
  auto value = reader.get_u32(*node, min, max);
  if (!value) return tl::unexpected(value.error());
  into = *value;
  return {};
}

Status read_flag(const Reader& reader, const Node& object, std::string_view key, bool& into) {
  const auto node = object.find(key);
  if (!node) return {};
  auto value = reader.get_bool(*node);
  if (!value) return tl::unexpected(value.error());
  into = *value;
  return {};
}

Status refuse_tls(const Reader& reader, const Node& object) {
  for (std::string_view key : kTlsKeys) {
    if (const auto node = object.find(key)) {
      return tl::unexpected(reader.error(
          *node, node->path +
                     ": TLS on the partner link is not built in; the link accepts only the "
                     "partner's address (ARCHITECTURE.md, \"High availability\")"));
    }
  }
  return {};
}

Status read_peer(const Reader& reader, const Node& entry, ha::Peer& peer) {
  if (auto ok = reader.expect_object(entry); !ok) return ok;
  if (auto ok = check_parameter_keys(reader, entry, "libdhcp_ha", kPeerKeys); !ok) return ok;
  if (auto ok = refuse_tls(reader, entry); !ok) return ok;
  for (std::string_view key : {"name", "url", "role"}) {
    if (!entry.find(key)) {
      return tl::unexpected(
          reader.key_error(entry, entry.path + " needs \"" + std::string(key) + "\""));
    }
  }
  auto name = reader.get_string(*entry.find("name"));
  if (!name) return tl::unexpected(name.error());
  peer.name = *name;
  const Node url_node = *entry.find("url");
  auto url = reader.get_string(url_node);
  if (!url) return tl::unexpected(url.error());
  std::string why;
  const auto endpoint = ha::parse_peer_url(*url, &why);
  if (!endpoint) {
    return tl::unexpected(reader.error(url_node, url_node.path + " " + quote(*url) + " " + why));
  }
  peer.url = *url;
  peer.address = endpoint->address;
  peer.port = endpoint->port;
  const Node role_node = *entry.find("role");
  auto role_text = reader.get_string(role_node);
  if (!role_text) return tl::unexpected(role_text.error());
  const auto role = ha::parse_role(*role_text);
  if (!role) {
    return tl::unexpected(
        reader.error(role_node, role_node.path +
                                    " must be \"primary\", \"secondary\" or \"standby\" (backup "
                                    "servers are not supported), got " +
                                    quote(*role_text)));
  }
  peer.role = *role;
  if (auto ok = read_flag(reader, entry, "auto-failover", peer.auto_failover); !ok) return ok;
  for (std::string_view key :
       {"basic-auth-user", "basic-auth-password", "basic-auth-password-file"}) {
    if (const auto node = entry.find(key)) {
      reader.warn(*node, node->path +
                             " is not used: the partner link accepts connections from the "
                             "partner's address only and speaks no HTTP");
    }
  }
  return {};
}

Status read_timers(const Reader& reader, const Node& ha_entry, ha::HaConfig& ha) {
  if (auto ok =
          read_u32(reader, ha_entry, "heartbeat-delay", 1, kMaxKeaDelay_ms, ha.heartbeat_delay_ms);
      !ok) {
    return ok;
  }
  if (auto ok = read_u32(reader, ha_entry, "max-response-delay", 1, kMaxKeaDelay_ms,
                         ha.max_response_delay_ms);
      !ok) {
    return ok;
  }
  if (auto ok =
          read_u32(reader, ha_entry, "max-ack-delay", 1, kMaxKeaDelay_ms, ha.max_ack_delay_ms);
      !ok) {
    return ok;
  }
  if (auto ok =
          read_u32(reader, ha_entry, "max-unacked-clients", 0, UINT32_MAX, ha.max_unacked_clients);
      !ok) {
    return ok;
  }
  if (auto ok = read_u32(reader, ha_entry, "sync-timeout", 1, UINT32_MAX, ha.sync_timeout_ms);
      !ok) {
    return ok;
  }
  if (auto ok = read_u32(reader, ha_entry, "sync-page-limit", 1, UINT32_MAX, ha.sync_page_limit);
      !ok) {
    return ok;
  }
  return read_u32(reader, ha_entry, "delayed-updates-limit", 0, UINT32_MAX,
                  ha.delayed_updates_limit);
}

Status read_flags(const Reader& reader, const Node& ha_entry, ha::HaConfig& ha) {
  if (auto ok = read_flag(reader, ha_entry, "send-lease-updates", ha.send_lease_updates); !ok) {
    return ok;
  }
  if (!ha.send_lease_updates) {
    const Node at = *ha_entry.find("send-lease-updates");
    return tl::unexpected(reader.error(
        at, at.path + ": false is not supported: a blackstart pair ACKs a lease only once both "
                      "servers have it on disk"));
  }
  if (auto ok = read_flag(reader, ha_entry, "sync-leases", ha.sync_leases); !ok) return ok;
  if (auto ok = read_flag(reader, ha_entry, "wait-backup-ack", ha.wait_backup_ack); !ok) {
    return ok;
  }
  for (std::string_view key : {"require-client-certs", "restrict-commands"}) {
    bool ignored = false;
    if (auto ok = read_flag(reader, ha_entry, key, ignored); !ok) return ok;
  }
  if (const auto node = ha_entry.find("delayed-updates-limit");
      node && ha.delayed_updates_limit > 0) {
    reader.warn(*node, node->path +
                           " has no effect: blackstart never delays a lease update (it "
                           "withholds the ACK instead)");
  }
  return {};
}

// Kea's multi-threading and state-machine (pausing) tune how Kea runs the
// HA service; the pair here runs on the packet thread and never pauses.
Status read_ignored_sections(const Reader& reader, const Node& ha_entry) {
  if (const auto mt = ha_entry.find("multi-threading")) {
    if (auto ok = reader.expect_object(*mt); !ok) return ok;
    if (auto ok = check_parameter_keys(reader, *mt, "libdhcp_ha", kMultiThreadingKeys); !ok) {
      return ok;
    }
    reader.warn(*mt, mt->path + " has no effect: the partner link is served on the packet thread");
  }
  if (const auto machine = ha_entry.find("state-machine")) {
    if (auto ok = reader.expect_object(*machine); !ok) return ok;
    reader.warn(*machine, machine->path +
                              " has no effect: blackstart's state machine never pauses "
                              "(ha-continue answers that nothing is paused)");
  }
  return {};
}

Status read_blackstart_keys(const Reader& reader, const Node& ha_entry, ha::HaConfig& ha) {
  if (auto ok = read_u32(reader, ha_entry, "blackstart-mclt", 1, kMaxMclt_s, ha.mclt_s); !ok) {
    return ok;
  }
  if (auto ok = read_u32(reader, ha_entry, "blackstart-standby-share-percent", 1, 99,
                         ha.standby_share_percent);
      !ok) {
    return ok;
  }
  if (const auto node = ha_entry.find("blackstart-state-file")) {
    auto path = reader.get_string(*node);
    if (!path) return tl::unexpected(path.error());
    if (path->front() != '/') {
      return tl::unexpected(reader.error(*node, node->path + " must be an absolute path"));
    }
    ha.state_file = *path;
  }
  return {};
}

Status read_ha_entry(const Reader& reader, const Node& ha_entry, ha::HaConfig& ha) {
  if (auto ok = reader.expect_object(ha_entry); !ok) return ok;
  if (auto ok = check_parameter_keys(reader, ha_entry, "libdhcp_ha", kHaKeys); !ok) return ok;
  if (auto ok = refuse_tls(reader, ha_entry); !ok) return ok;
  for (std::string_view key : {"this-server-name", "mode", "peers"}) {
    if (!ha_entry.find(key)) {
      return tl::unexpected(
          reader.key_error(ha_entry, ha_entry.path + " needs \"" + std::string(key) + "\""));
    }
  }
  auto name = reader.get_string(*ha_entry.find("this-server-name"));
  if (!name) return tl::unexpected(name.error());
  ha.this_server_name = *name;
  const Node mode_node = *ha_entry.find("mode");
  auto mode_text = reader.get_string(mode_node);
  if (!mode_text) return tl::unexpected(mode_text.error());
  const auto mode = ha::parse_mode(*mode_text);
  if (!mode) {
    return tl::unexpected(
        reader.error(mode_node, mode_node.path +
                                    " must be \"hot-standby\" or \"load-balancing\" "
                                    "(passive-backup is not supported), got " +
                                    quote(*mode_text)));
  }
  ha.mode = *mode;
  if (auto ok = read_timers(reader, ha_entry, ha); !ok) return ok;
  if (auto ok = read_flags(reader, ha_entry, ha); !ok) return ok;
  if (auto ok = read_ignored_sections(reader, ha_entry); !ok) return ok;
  if (auto ok = read_blackstart_keys(reader, ha_entry, ha); !ok) return ok;
  const Node peers = *ha_entry.find("peers");
  if (auto ok = reader.expect_array(peers); !ok) return ok;
  for (size_t i = 0; i < peers.value->size(); ++i) {
    ha::Peer peer;
    if (auto ok = read_peer(reader, peers.element(i), peer); !ok) return ok;
    ha.peers.push_back(std::move(peer));
  }
  if (auto problem = ha::validate(ha)) {
    return tl::unexpected(reader.error(ha_entry, ha_entry.path + ": " + *problem));
  }
  return {};
}

}  // namespace

Status read_ha(const Reader& reader, const Node& entry, const Node& parameters, Config& config) {
  if (config.ha) {
    return tl::unexpected(reader.error(entry, entry.path + ": libdhcp_ha is loaded twice"));
  }
  const auto list = parameters.find("high-availability");
  if (!list) {
    return tl::unexpected(reader.key_error(
        parameters, parameters.path + " needs \"high-availability\", a list of one entry"));
  }
  if (auto ok = reader.expect_array(*list); !ok) return ok;
  if (list->value->size() != 1) {
    return tl::unexpected(
        reader.error(*list, list->path + " must hold exactly one entry, as in Kea 2.2, got " +
                                std::to_string(list->value->size())));
  }
  ha::HaConfig ha;
  if (auto ok = read_ha_entry(reader, list->element(0), ha); !ok) return ok;
  config.ha = std::move(ha);
  return {};
}

}  // namespace bs::config
