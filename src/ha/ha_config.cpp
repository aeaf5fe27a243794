// The HA settings' checks (ha_config.h).
#include "ha/ha_config.h"

#include <charconv>

#include "common/assert.h"

namespace bs::ha {

std::string_view to_string(Mode mode) {
  return mode == Mode::HotStandby ? "hot-standby" : "load-balancing";
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::Primary:
      return "primary";
    case Role::Secondary:
      return "secondary";
    case Role::Standby:
      return "standby";
  }
  return "primary";
}

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "hot-standby") return Mode::HotStandby;
  if (text == "load-balancing") return Mode::LoadBalancing;
  return std::nullopt;
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "primary") return Role::Primary;
  if (text == "secondary") return Role::Secondary;
  if (text == "standby") return Role::Standby;
  return std::nullopt;
}

std::optional<UrlEndpoint> parse_peer_url(std::string_view url, std::string* why) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    *why = url.substr(0, 8) == "https://"
               ? "https is not supported: the partner link has no TLS (ARCHITECTURE.md)"
               : "must start with http://";
    return std::nullopt;
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  UrlEndpoint endpoint;
  const size_t colon = authority.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view digits = authority.substr(colon + 1);
    uint32_t port = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (error != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
      *why = "has no valid port";
      return std::nullopt;
    }
    endpoint.port = static_cast<uint16_t>(port);
    authority = authority.substr(0, colon);
  }
  const auto address = parse_ip4(authority);
  if (!address) {
    *why = "must name its host by IPv4 address, as Kea requires";
    return std::nullopt;
  }
  endpoint.address = *address;
  return endpoint;
}

const Peer& HaConfig::self() const {
  for (const Peer& peer : peers) {
    if (peer.name == this_server_name) return peer;
  }
  BS_ASSERT(false && "validate() guarantees this server is a peer");
  return peers.front();
}

const Peer& HaConfig::partner() const {
  for (const Peer& peer : peers) {
    if (peer.name != this_server_name) return peer;
  }
  BS_ASSERT(false && "validate() guarantees a partner");
  return peers.front();
}

std::optional<std::string> validate(const HaConfig& config) {
  if (config.peers.size() != 2) {
    return "a pair has exactly two peers, got " + std::to_string(config.peers.size()) +
           " (backup servers are not supported)";
  }
  const Peer& first = config.peers[0];
  const Peer& second = config.peers[1];
  if (first.name == second.name) return "peer with name '" + first.name + "' given twice";
  if (first.name != config.this_server_name && second.name != config.this_server_name) {
    return "no peer is named '" + config.this_server_name + "' (this-server-name)";
  }
  if (first.address == second.address && first.port == second.port) {
    return "both peers have the URL's address and port " + to_string(first.address) + ":" +
           std::to_string(first.port);
  }
  const bool has_primary = first.role == Role::Primary || second.role == Role::Primary;
  if (first.role == second.role) {
    return "both peers are " + std::string(to_string(first.role));
  }
  if (!has_primary) return "one peer must be the primary";
  const Role other = first.role == Role::Primary ? second.role : first.role;
  if (config.mode == Mode::HotStandby && other != Role::Standby) {
    return "hot-standby pairs a primary with a standby, not a " + std::string(to_string(other));
  }
  if (config.mode == Mode::LoadBalancing && other != Role::Secondary) {
    return "load-balancing pairs a primary with a secondary, not a " +
           std::string(to_string(other));
  }
  if (config.mclt_s == 0) return "blackstart-mclt must be at least 1 second";
  if (config.standby_share_percent == 0 || config.standby_share_percent >= 100) {
    return "blackstart-standby-share-percent must be between 1 and 99";
  }
  return std::nullopt;
}

}  // namespace bs::ha
