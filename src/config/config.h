// The configuration model: the subset of Kea's Dhcp4 JSON that blackstart
// supports, parsed into plain structs. Loading never throws; any problem comes
// back as a ConfigError naming file, line and the offending key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "common/types.h"

namespace bs::config {

struct OptionData {
  uint8_t code = 0;
  Bytes data;                // wire bytes, without code and length
  bool always_send = false;  // Kea's "always-send": include even if not requested
};

struct Pool {
  Ip4 first, last;  // inclusive
};

struct Reservation {
  std::optional<HwAddr> hw_address;
  Bytes client_id;  // empty when not given
  Ip4 ip_address;   // zero when the reservation only carries a hostname/options
  std::string hostname;
  std::vector<OptionData> options;
};

struct Subnet {
  uint32_t id = 0;
  Ip4 prefix;
  int prefix_len = 0;
  std::vector<Pool> pools;
  std::vector<OptionData> options;
  std::vector<Reservation> reservations;
  std::vector<Ip4> relay_addresses;  // "relay": {"ip-addresses": [...]}
  std::string interface;             // Kea's per-subnet "interface", may be empty
  // Per-subnet overrides of the global timers (Kea semantics); empty = inherit.
  std::optional<uint32_t> valid_lifetime_s, renew_timer_s, rebind_timer_s;

  bool contains(Ip4 address) const {
    const uint32_t mask = prefix_mask(prefix_len);
    return (address.value & mask) == (prefix.value & mask);
  }
};

// Kea's memfile default file, where Debian's kea-dhcp4-server keeps it.
inline constexpr const char* kKeaDefaultLeaseFile = "/var/lib/kea/kea-leases4.csv";
inline constexpr const char* kSqliteDefaultLeaseFile = "/var/lib/blackstart/leases.sqlite3";

struct LeaseDatabase {
  std::string type = "sqlite";  // "sqlite" or "memfile" (Kea's CSV lease file)
  std::string name = kSqliteDefaultLeaseFile;
  // false: commits are not fsync'd, so a power cut can lose ACKed leases.
  bool fsync = true;
  // memfile only, with Kea's meaning: seconds between lease file cleanups
  // (0 = never), and how many unreadable rows a load tolerates (0 = any).
  uint32_t lfc_interval_s = 3600;
  uint32_t max_row_errors = 0;
};

// blackstart's extension "conflict-probing": before handing out an address
// whose state is uncertain, ask the link whether something already uses it
// (ARP on attached links, ICMP echo through relays). Kea 2.2 has no such key.
enum class ProbeMode : uint8_t {
  Off,        // never probe (not even in recovery mode or before re-adoption)
  Uncertain,  // recovery mode, recently declined or expired addresses, re-adoption
  Always,     // every address a client does not already hold
};
struct ConflictProbing {
  ProbeMode mode = ProbeMode::Uncertain;
  uint32_t timeout_ms = 300;    // how long an OFFER waits for an answer
  uint32_t max_pending = 4096;  // parked replies; beyond this DISCOVERs wait for a retransmit
};

// The HTTP control API ("control-sockets", Kea 2.7's shape). Without a
// control socket in the file the API listens on 127.0.0.1:8004; an empty
// "control-sockets" list turns it off. Any other address needs credentials.
struct ControlSocket {
  bool enabled = true;
  Ip4 address{0x7f000001u};  // 127.0.0.1
  uint16_t port = 8004;
  std::string realm = "blackstart";
  // HTTP basic auth: user -> password ("authentication": {"type": "basic"}).
  std::vector<std::pair<std::string, std::string>> basic_clients;
  // blackstart's extension: "authentication": {"type": "bearer", "token": ...}.
  std::string bearer_token;

  bool needs_auth() const { return !basic_clients.empty() || !bearer_token.empty(); }
};

// blackstart's extension "starvation-guard" (no Kea equivalent): one relay
// port (giaddr + option 82) or directly attached link may hold at most this
// share of each subnet's pool addresses. 0, the default, turns it off.
struct StarvationGuardConfig {
  uint32_t max_pool_share_percent = 0;
};

// One entry of "interfaces-config.interfaces": "eth0", "eth0/198.18.0.1" or "*".
struct InterfaceSpec {
  std::string name;
  std::optional<Ip4> address;
};

struct Config {
  std::vector<InterfaceSpec> interfaces;
  LeaseDatabase lease_database;
  uint32_t valid_lifetime_s = 7200;        // Kea's default
  std::optional<uint32_t> renew_timer_s;   // default: 50% of valid lifetime
  std::optional<uint32_t> rebind_timer_s;  // default: 87.5% of valid lifetime
  uint32_t decline_probation_period_s = 86400;
  bool authoritative = false;
  std::vector<OptionData> options;  // global option-data
  std::vector<Subnet> subnets;
  std::string log_severity = "INFO";
  ControlSocket control;
  ConflictProbing probing;
  StarvationGuardConfig starvation_guard;

  const Subnet* find_subnet(uint32_t id) const;
};

struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem is not tied to a line
  std::string message;
  // "FILE:LINE: MESSAGE", the format compilers use, so editors can jump to it.
  std::string to_string() const;
};

tl::expected<Config, ConfigError> parse_config(std::string_view text, const std::string& file_name);
tl::expected<Config, ConfigError> load_config_file(const std::string& path);
// The file's text, at most 16 MiB (a bigger file, /dev/zero, is an error).
tl::expected<std::string, ConfigError> read_config_text(const std::string& path);

// The Kea Dhcp4 settings that blackstart recognises but does not implement
// yet, each as "SCOPE.KEY" (e.g. "Dhcp4.shared-networks",
// "Dhcp4.subnet4[].client-class"); a config using one is rejected with a
// message saying so. Listed here so the documentation can quote it.
const std::vector<std::string_view>& unsupported_kea_keys();

}  // namespace bs::config
