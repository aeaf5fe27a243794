// The configuration model: the subset of Kea's Dhcp4 JSON that blackstart
// supports, parsed into plain structs. Loading never throws; any problem comes
// back as a ConfigError naming file, line and the offending key.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "classify/class_set.h"
#include "classify/expression.h"
#include "common/types.h"
#include "ha/ha_config.h"

namespace bs::config {

struct OptionData {
  uint8_t code = 0;
  Bytes data;                // wire bytes, without code and length
  bool always_send = false;  // Kea's "always-send": include even if not requested
  bool never_send = false;   // Kea's "never-send": leave out even if requested
};

// Kea's "client-class" (2.2, one name) or "client-classes" (2.7+, a list) on
// a subnet, pool or shared network: only a client in one of these classes
// may use it. Empty lets every client in.
struct ClassGuard {
  std::vector<std::string> classes;
  bool allows(const classify::ClassSet& client) const;
};

struct Pool {
  Ip4 first, last;                    // inclusive
  std::vector<OptionData> options{};  // Kea's pool "option-data": for addresses of this pool
  ClassGuard client_classes{};
  // Kea 2.2's "require-client-classes" (2.7+: "evaluate-additional-classes"):
  // classes evaluated only once this pool is chosen.
  std::vector<std::string> required_classes{};
};

// Kea's "next-server", "server-hostname" and "boot-file-name": the BOOTP
// fields siaddr, sname and file. Set globally, per subnet or per reservation;
// the most specific one that is set wins, field by field.
struct BootFields {
  std::optional<Ip4> next_server;
  std::optional<std::string> server_hostname;  // at most 63 bytes (sname)
  std::optional<std::string> boot_file_name;   // at most 127 bytes (file)
};

struct Reservation {
  std::optional<HwAddr> hw_address;
  Bytes client_id;   // empty when not given
  Bytes circuit_id;  // option 82 sub-option 1 as the relay sends it; empty when not given
  // Kea's "duid": matches a client id of RFC 4361 form (type 255, IAID, DUID).
  Bytes duid;
  Ip4 ip_address;  // zero when the reservation only carries a hostname/options
  std::string hostname;
  std::vector<OptionData> options;
  BootFields boot;
  bool global = false;  // from Dhcp4 "reservations", copied into each subnet using them
  // Kea's host "client-classes": classes a client matching this reservation
  // is put in (config_classes.cpp checks nothing else about them, as Kea).
  std::vector<std::string> client_classes{};
};

// Kea's "host-reservation-identifiers": which client identifiers are looked
// up in reservations, in this order. "flex-id" needs Kea's flex_id hook and
// is accepted (like Kea without the hook, it never matches).
enum class HostIdentifier : uint8_t { HwAddress, Duid, CircuitId, ClientId, FlexId };

// Kea's reservation flags (2.0+) and their 2.2 predecessor "reservation-mode".
struct ReservationFlags {
  bool global = false;       // look up Dhcp4 "reservations"
  bool in_subnet = true;     // look up the subnet's "reservations"
  bool out_of_pool = false;  // promise: reserved addresses lie outside the pools
};

// Kea's T1/T2 rules: an explicit renew-timer/rebind-timer wins; otherwise,
// with "calculate-tee-times", they are a share of the lease's valid lifetime.
struct TeeTimes {
  std::optional<bool> calculate;  // unset: blackstart's default (send 50%/87.5%)
  std::optional<double> t1_percent, t2_percent;
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
  ClassGuard client_classes;
  std::vector<std::string> required_classes;  // see Pool::required_classes
  // Per-subnet overrides of the global settings (Kea semantics); empty = inherit.
  std::optional<uint32_t> valid_lifetime_s, renew_timer_s, rebind_timer_s;
  std::optional<uint32_t> min_valid_lifetime_s, max_valid_lifetime_s;
  TeeTimes tee;
  std::optional<bool> match_client_id, authoritative;
  // After loading these are resolved (inherited from the global flags), and
  // `reservations` holds what applies here: the global ones (when
  // reservations-global) before the subnet's own (when reservations-in-subnet).
  std::optional<bool> reservations_global, reservations_in_subnet, reservations_out_of_pool;
  BootFields boot;
  // Index into Config::shared_networks when the subnet is one of a shared
  // network's; its settings above already include what it inherited there.
  std::optional<size_t> shared_network;

  bool contains(Ip4 address) const {
    const uint32_t mask = prefix_mask(prefix_len);
    return (address.value & mask) == (prefix.value & mask);
  }
};

// Kea's "shared-networks": several subnets on one link. A client whose query
// selects one of them may get an address from any of them (fall-through when
// one is exhausted). The network's settings are copied into its subnets at
// load (unless a subnet sets its own); what stays here is what needs to stay
// distinct: its option-data (subnet over network over classes over global)
// and its client-class guard (a client must pass the network's and the
// subnet's).
struct SharedNetwork {
  std::string name;
  std::vector<OptionData> options;
  ClassGuard client_classes;
  std::vector<std::string> required_classes;  // see Pool::required_classes
  std::vector<uint32_t> subnet_ids;           // its subnets, in file order
};

// Kea's memfile default file, where Debian's kea-dhcp4-server keeps it.
inline constexpr const char* kKeaDefaultLeaseFile = "/var/lib/kea/kea-leases4.csv";
inline constexpr const char* kSqliteDefaultLeaseFile = "/var/lib/blackstart/leases.sqlite3";

struct LeaseDatabase {
  // Without a "lease-database" a Kea file runs on memfile at Kea's path,
  // so an unchanged kea-dhcp4.conf finds the leases Kea left.
  std::string type = "memfile";  // or "sqlite" (blackstart's), or "postgresql" (Kea's lease4)
  std::string name = kKeaDefaultLeaseFile;
  // false: commits are not fsync'd, so a power cut can lose ACKed leases.
  bool fsync = true;
  // memfile and sqlite: room kept free beside the lease file and given up
  // when the disk fills (store/disk_reserve.h); 0 = none.
  uint64_t disk_reserve_bytes = uint64_t{16} << 20;
  // memfile only, with Kea's meaning: seconds between lease file cleanups
  // (0 = never), and how many unreadable rows a load tolerates (0 = any).
  uint32_t lfc_interval_s = 3600;
  uint32_t max_row_errors = 0;
  // postgresql only, Kea's keys: the server (a host name, an address, or a
  // UNIX socket directory starting with '/'), the login, and how long a
  // connection attempt may take. `name` is the database.
  std::string host = "localhost";
  uint16_t port = 5432;
  std::string user;
  std::string password;
  uint32_t connect_timeout_s = 5;

  // The one place that knows which type names what, so callers ask what
  // they mean (is there a file to mark, to recover, to check?).
  bool is_memfile() const { return type == "memfile"; }
  bool is_sqlite() const { return type == "sqlite"; }
  bool is_postgresql() const { return type == "postgresql"; }
  // memfile and sqlite keep the leases in a file on this host (`name`).
  bool is_local_file() const { return !is_postgresql(); }

  bool operator==(const LeaseDatabase&) const = default;
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

// Kea's libdhcp_run_script, built in ("hooks-libraries"): the script is run
// with Kea's arguments and environment once a lease event is durable, from
// a thread of its own, never on the packet path (server/script_runner.h).
struct RunScript {
  std::string path;  // empty: no script
  bool operator==(const RunScript&) const = default;
};

// One control socket ("control-sockets" entry, or Kea 2.2's single
// "control-socket"). "http" and "https" serve the HTTP control API, status
// page and metrics ("https" with TLS, optionally mutual); "unix" serves
// Kea's command protocol on a UNIX socket file, whose permissions are its
// authentication. Any address other than loopback needs credentials or
// client certificates (config_control.cpp).
enum class ControlSocketType { kHttp, kHttps, kUnix };

// An HTTP(S) control socket's "socket-address": IPv4 or IPv6, as Kea
// takes either (its newest examples listen on ::1).
struct ControlAddress {
  Ip4 v4{0x7f000001u};           // 127.0.0.1; meaningful when !is_v6
  std::array<uint8_t, 16> v6{};  // network byte order; meaningful when is_v6
  bool is_v6 = false;

  bool operator==(const ControlAddress&) const = default;
  bool is_loopback() const;
  bool is_unspecified() const;   // 0.0.0.0 or ::
  std::string text() const;      // as a config writes it: 127.0.0.1, ::1
  std::string url_host() const;  // as a URL or Host header names it: 127.0.0.1, [::1]
};

// Parses an IPv4 or IPv6 address in text form; nothing if it is neither.
std::optional<ControlAddress> parse_control_address(std::string_view text);

// A TCP socket bound to `address` and `port` as the control API binds it
// (SO_REUSEADDR, so TIME_WAIT does not count; IPv6 only on an IPv6
// address), not yet listening. The fd, or -errno.
int bind_tcp_socket(const ControlAddress& address, uint16_t port, bool non_blocking);

struct ControlSocket {
  ControlSocketType type = ControlSocketType::kHttp;
  ControlAddress address;  // 127.0.0.1
  uint16_t port = 8004;
  std::string realm = "blackstart";
  // HTTP basic auth: user -> password ("authentication": {"type": "basic"}).
  std::vector<std::pair<std::string, std::string>> basic_clients;
  // blackstart's extension: "authentication": {"type": "bearer", "token": ...}.
  std::string bearer_token;
  // "unix": the socket file's absolute path.
  std::string socket_name;
  // "https": PEM files, Kea's keys. trust-anchor may be a directory.
  std::string cert_file;
  std::string key_file;
  std::string trust_anchor;
  bool cert_required = true;  // clients must present a certificate (mutual TLS)
  // Kea's "http-headers" (2.7.5): name/value pairs added to every response.
  std::vector<std::pair<std::string, std::string>> http_headers;

  bool needs_auth() const { return !basic_clients.empty() || !bearer_token.empty(); }
};

// blackstart's extension "starvation-guard" (no Kea equivalent): one relay
// port (giaddr + option 82) or directly attached link may hold at most this
// share of each subnet's pool addresses. 0, the default, turns it off.
struct StarvationGuardConfig {
  uint32_t max_pool_share_percent = 0;
};

// blackstart's extension "run-as": started as root (without systemd's
// User=), blackstart switches to this user, keeping only the capabilities
// its sockets need (daemon/privileges.h). Empty user: it stays as started.
struct RunAs {
  std::string user;
  std::string group;  // empty: the user's primary group
  bool operator==(const RunAs&) const = default;
};

// One of Kea's "loggers[].output_options[]": where the log goes.
// "stdout", "stderr", "syslog" / "syslog:NAME", or a file path that is
// rotated at maxsize bytes keeping maxver old files (Kea's defaults).
struct LogOutput {
  std::string output = "stdout";  // Kea's default when an entry names none
  bool flush = true;
  uint64_t maxsize_bytes = 10'240'000;
  uint32_t maxver = 1;
  bool operator==(const LogOutput&) const = default;
};

// One entry of "interfaces-config.interfaces": "eth0", "eth0/198.18.0.1" or "*".
struct InterfaceSpec {
  std::string name;
  std::optional<Ip4> address;
};

// Kea's "expired-leases-processing". blackstart reclaims expired leases in
// memory on every packet batch and keeps their records (for address
// affinity) until the address is reused, so only the per-pass bound maps to
// something; the other values are validated with Kea's limits and kept.
struct ExpiredLeasesProcessing {
  uint32_t reclaim_timer_wait_time_s = 10;
  uint32_t flush_reclaimed_timer_wait_time_s = 25;
  uint32_t hold_reclaimed_time_s = 3600;
  // Unset: blackstart's own bound per pass; 0: Kea's "no limit" (still bounded).
  std::optional<uint32_t> max_reclaim_leases;
  uint32_t max_reclaim_time_ms = 250;
  uint32_t unwarned_reclaim_cycles = 5;
};

// Kea's lifetime triplet on a client class: "valid-lifetime" with its
// "min-" and "max-" bounds, completed as Kea does (a missing bound is the
// default, a missing default is the one bound given).
struct LifetimeTriplet {
  uint32_t valid_s = 0, min_s = 0, max_s = 0;
};

// One entry of Kea's "client-classes" (config_classes.cpp).
struct ClientClass {
  std::string name;
  std::optional<classify::Expression> test;  // none: only reservations or built-ins assign it
  // The test uses known/unknown (or member() of a class that does), so it
  // is evaluated only after the host reservation lookup, as in Kea.
  bool depends_on_known = false;
  // Kea 2.2 "only-if-required" (Kea 2.7+ "only-in-additional-list"):
  // evaluated only when a subnet or pool names it in require-client-classes.
  bool only_if_required = false;
  std::vector<OptionData> options;
  BootFields boot;
  std::optional<LifetimeTriplet> lifetime;
  // blackstart's "user-context": {"blackstart-priority": N}, 1 to 6: under
  // overload the class's queries are taken before lower ones (server/
  // priority.h). In user-context so that Kea, which ignores it, runs the
  // same file. 0: no priority.
  uint8_t priority = 0;
};

struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem is not tied to a line
  std::string message;
  // "FILE:LINE: MESSAGE", the format compilers use, so editors can jump to it.
  std::string to_string() const;
};

struct Config {
  std::vector<InterfaceSpec> interfaces;
  LeaseDatabase lease_database;
  uint32_t valid_lifetime_s = 7200;        // Kea's default
  std::optional<uint32_t> renew_timer_s;   // default: 50% of valid lifetime
  std::optional<uint32_t> rebind_timer_s;  // default: 87.5% of valid lifetime
  std::optional<uint32_t> min_valid_lifetime_s, max_valid_lifetime_s;
  TeeTimes tee;
  uint32_t decline_probation_period_s = 86400;
  bool authoritative = false;
  bool match_client_id = true;  // Kea: false looks leases up by chaddr only
  bool echo_client_id = true;   // Kea: RFC 6842 echo of option 61
  // Kea's compatibility "ignore-rai-link-selection": true selects relayed
  // clients' subnets without the RFC 3527 link-selection sub-option.
  bool ignore_rai_link_selection = false;
  // The order additional classes are evaluated in, so in which their options
  // win: Kea 2.2 ("require-client-classes") takes the shared network's, the
  // subnet's, then the pool's; current Kea ("evaluate-additional-classes")
  // the pool's, the subnet's, then the network's. A file that uses the
  // current spelling anywhere gets the current order.
  bool additional_classes_pool_first = false;
  ReservationFlags reservation_flags;
  std::vector<HostIdentifier> host_identifiers{HostIdentifier::HwAddress, HostIdentifier::Duid,
                                               HostIdentifier::CircuitId, HostIdentifier::ClientId};
  std::vector<Reservation> global_reservations;  // Dhcp4 "reservations"
  BootFields boot;
  std::vector<OptionData> options;  // global option-data
  // Subnets of shared networks first (as Kea 2.2 parses "shared-networks"
  // before "subnet4", which also decides their automatic ids), then subnet4.
  std::vector<Subnet> subnets;
  std::vector<SharedNetwork> shared_networks;
  std::vector<ClientClass> client_classes;  // in file order, the order Kea evaluates them
  std::string log_severity = "INFO";
  // The first logger's outputs; empty: stderr (journald under systemd).
  std::vector<LogOutput> log_outputs;
  // Without a control socket in the file the HTTP API listens on
  // 127.0.0.1:8004; an empty "control-sockets" list turns it off.
  std::vector<ControlSocket> control_sockets{ControlSocket{}};
  ConflictProbing probing;
  StarvationGuardConfig starvation_guard;
  ExpiredLeasesProcessing expiry;
  RunScript run_script;
  RunAs run_as;
  // libdhcp_ha's "high-availability" entry (ha/ha_config.h); absent: one
  // server on its own.
  std::optional<ha::HaConfig> ha;
  // Settings accepted from a Kea file that change nothing or less than in
  // Kea (e.g. a top-level "Logging"); `blackstart -t` prints them.
  std::vector<ConfigError> warnings;

  const Subnet* find_subnet(uint32_t id) const;
  const SharedNetwork* network_of(const Subnet& subnet) const {
    return subnet.shared_network ? &shared_networks[*subnet.shared_network] : nullptr;
  }
  // Kea's Subnet4::clientSupported: the subnet's guard and its network's.
  bool admits(const Subnet& subnet, const classify::ClassSet& classes) const;
  const ClientClass* find_class(std::string_view name) const;
};

// The valid lifetime a client gets in `subnet`, Kea's way: the configured
// value, or the client's requested lease time (option 51; 0 = none) clamped
// to min-/max-valid-lifetime when those are set.
// A client class's lifetime (the first of the client's classes that sets
// one, as Kea) replaces the subnet's, bounds included.
uint32_t valid_lifetime_for(const Config& config, const Subnet& subnet, uint32_t requested_s,
                            const std::optional<LifetimeTriplet>& class_lifetime = std::nullopt);
// The longest lifetime any client can get in `subnet`.
uint32_t max_valid_lifetime(const Config& config, const Subnet& subnet);

tl::expected<Config, ConfigError> parse_config(std::string_view text, const std::string& file_name);
tl::expected<Config, ConfigError> load_config_file(const std::string& path);
// The file's text, at most kMaxConfigFileBytes (a bigger file, /dev/zero, is
// an error). Included files have the same bound.
inline constexpr size_t kMaxConfigFileBytes = size_t{16} * 1024 * 1024;
tl::expected<std::string, ConfigError> read_config_text(const std::string& path);

// The Kea Dhcp4 settings that blackstart recognises but does not implement
// yet, each as "SCOPE.KEY" (e.g. "Dhcp4.shared-networks",
// "Dhcp4.subnet4[].client-class"); a config using one is rejected with a
// message saying so. Listed here so the documentation can quote it.
const std::vector<std::string_view>& unsupported_kea_keys();

}  // namespace bs::config
