// The HA pair's settings: Kea's libdhcp_ha.so "high-availability" entry as
// Kea 2.2 writes it, plus blackstart's own keys (prefixed "blackstart-").
// This is plain data with its checks; the JSON is read by the config
// module (config/config_ha.cpp), which depends on this module, not the
// other way round. What each Kea key means here: docs/ARCHITECTURE.md,
// "High availability".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.h"

namespace bs::ha {

enum class Mode : uint8_t { HotStandby, LoadBalancing };
// Kea's roles for a pair. "backup" (a third, passive server) is refused.
enum class Role : uint8_t { Primary, Secondary, Standby };

std::string_view to_string(Mode mode);
std::string_view to_string(Role role);
std::optional<Mode> parse_mode(std::string_view text);
std::optional<Role> parse_role(std::string_view text);

struct Peer {
  std::string name;
  std::string url;  // as written, "http://198.18.0.1:8000/"
  // The URL's host and port: the partner link listens on this server's and
  // connects to the partner's (Kea's peers listen on these too).
  Ip4 address;
  uint16_t port = 0;
  Role role = Role::Primary;
  bool auto_failover = true;  // false: this server never enters partner-down by itself
  bool operator==(const Peer&) const = default;
};

// "http://198.18.0.1:8000/" -> address and port. Kea requires an IP literal
// as the host; so does blackstart. No port: 80, as Kea.
struct UrlEndpoint {
  Ip4 address;
  uint16_t port = 80;
};
std::optional<UrlEndpoint> parse_peer_url(std::string_view url, std::string* why);

struct HaConfig {
  std::string this_server_name;
  Mode mode = Mode::HotStandby;
  // Kea's timers and limits, Kea's defaults.
  uint32_t heartbeat_delay_ms = 10000;
  uint32_t max_response_delay_ms = 60000;
  uint32_t max_ack_delay_ms = 10000;
  uint32_t max_unacked_clients = 10;
  bool send_lease_updates = true;
  bool sync_leases = true;
  uint32_t sync_timeout_ms = 60000;
  uint32_t sync_page_limit = 10000;
  uint32_t delayed_updates_limit = 0;  // accepted; updates are never delayed here
  bool wait_backup_ack = false;        // accepted; there is no backup server
  std::vector<Peer> peers;             // exactly two, in file order

  // blackstart's own.
  // Maximum client lead time (draft-ietf-dhc-failover-12): how far a lease
  // may run past what the partner has acknowledged. ARCHITECTURE.md says
  // why 1800 s.
  uint32_t mclt_s = 1800;
  // In hot-standby, the standby's share of each pool's free addresses, in
  // percent: what it may hand out while it cannot reach the primary.
  uint32_t standby_share_percent = 10;
  // The HA state file (own state, partner's acknowledged sequence number,
  // ownership); empty: next to the lease file, "<lease file>.ha".
  std::string state_file;

  const Peer& self() const;
  const Peer& partner() const;
  bool operator==(const HaConfig&) const = default;
};

// The pair rules Kea's HAConfig::validate applies, for two servers: names
// unique, this server among the peers, roles fitting the mode (hot-standby:
// one primary and one standby; load-balancing: one primary and one
// secondary). Returns the problem, or nothing.
std::optional<std::string> validate(const HaConfig& config);

}  // namespace bs::ha
