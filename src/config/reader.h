// Internal to the config module: typed access to the parsed JSON that turns
// every type or range problem into a ConfigError carrying the file, the line
// and a readable path to the offending key. The section parsers in
// config*.cpp are written against this so their error messages stay uniform.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "config/config.h"
#include "config/jsonc.h"

namespace bs::wire {
class OptionDefinitions;
}

namespace bs::config {

template <class T>
using Result = tl::expected<T, ConfigError>;
using Status = tl::expected<void, ConfigError>;

// A value inside the document together with where it lives.
struct Node {
  const nlohmann::json* value = nullptr;
  std::string pointer;  // RFC 6901 pointer, the key into the line maps
  std::string path;     // "Dhcp4.subnet4[0].pools[1].pool", for messages

  // Member `key` of an object node, if present.
  std::optional<Node> find(std::string_view key) const;
  Node element(size_t index) const;
};

// Where an object sits in a Kea file; selects which keys Kea knows there.
enum class Scope : uint8_t {
  TopLevel,
  Dhcp4,
  InterfacesConfig,
  LeaseDatabase,
  Subnet,
  Pool,
  Reservation,
  Relay,
  SharedNetwork,
  OptionData,
  OptionDef,
  Logger,
  OutputOption,
  ControlSocket,
  ControlAuthentication,
  ConflictProbing,
  StarvationGuard,
  ExpiredLeases,
  MultiThreading,
  HookLibrary,
  ClientClass,
  RunAs,
};

// Scope of a Kea key that blackstart does not implement yet.
struct KeaKey {
  Scope scope;
  std::string_view key;
};

std::span<const KeaKey> unsupported_kea_key_table();
std::string_view scope_name(Scope scope);

// Every list of keys that check_keys is given, registered next to the list
// (BS_CONFIG_KEYS) under the section it is for. `blackstart
// --list-config-keys` and the blackstart.json(5) man page are built from
// this registry, and check_keys asserts that its list is registered, so a
// key the loader accepts cannot be missing from the manual.
using KeyListFn = std::span<const std::string_view> (*)();
struct KeySection {
  std::string_view section;  // "Dhcp4.subnet4[].pools[]"
  KeyListFn keys;
};
struct KeySectionRegistrar {
  KeySectionRegistrar(std::string_view section, KeyListFn keys);
};
std::span<const KeySection> registered_key_sections();
bool is_registered_key_list(std::span<const std::string_view> keys);

#define BS_CONFIG_KEYS_CAT2(a, b) a##b
#define BS_CONFIG_KEYS_CAT(a, b) BS_CONFIG_KEYS_CAT2(a, b)
#define BS_CONFIG_KEYS(section, ...)                                                   \
  const ::bs::config::KeySectionRegistrar BS_CONFIG_KEYS_CAT(key_section_, __LINE__) { \
    section, []() -> std::span<const std::string_view> { return (__VA_ARGS__); }       \
  }

class Reader {
 public:
  Reader(const JsoncDocument& document, const std::string& file_name)
      : document_(document), file_name_(file_name) {}

  Node root() const { return Node{&document_.root, "", ""}; }
  int line_of(const Node& node) const { return document_.value_line(node.pointer); }

  // Errors about a value point at the value's line; errors about a key's
  // presence point at the key's line.
  ConfigError error(const Node& node, std::string message) const;
  ConfigError key_error(const Node& node, std::string message) const;
  // A setting that is accepted but does less than in Kea; kept for -t.
  void warn(const Node& node, std::string message) const;
  std::vector<ConfigError> take_warnings() const { return std::move(warnings_); }

  // The definitions "option-data" is read against: the global "option-def"
  // set, or a client class's set (whose parent is the global one) while
  // that class is read. Null: only the built-in definitions.
  const wire::OptionDefinitions* option_definitions() const { return option_definitions_; }
  void use_option_definitions(const wire::OptionDefinitions* defs) const {
    option_definitions_ = defs;
  }

  Status expect_object(const Node& node) const;
  Status expect_array(const Node& node) const;
  Result<std::string> get_string(const Node& node) const;  // non-empty
  Result<bool> get_bool(const Node& node) const;
  Result<uint64_t> get_integer(const Node& node, uint64_t min, uint64_t max) const;
  Result<uint32_t> get_u32(const Node& node, uint32_t min = 0, uint32_t max = UINT32_MAX) const;
  // Any JSON number (Kea's "real"), e.g. 0.5 or .5.
  Result<double> get_real(const Node& node) const;
  Result<Ip4> get_ip4(const Node& node) const;

  // Rejects members other than `allowed`, "comment" and "user-context",
  // telling unsupported Kea keys apart from unknown ones.
  Status check_keys(const Node& object, Scope scope,
                    std::span<const std::string_view> allowed) const;

 private:
  const JsoncDocument& document_;
  const std::string& file_name_;
  // Collected while the otherwise read-only reader walks the document.
  mutable std::vector<ConfigError> warnings_;
  mutable const wire::OptionDefinitions* option_definitions_ = nullptr;
};

// "the string \"abc\"", "the number 1.5", ... for "must be X, got Y" messages.
std::string describe_value(const nlohmann::json& value);
// The text in double quotes, shortened if long.
std::string quote(std::string_view text);

// Linux interface names: 1 to 15 printable ASCII characters, no '/'.
bool is_valid_interface_name(std::string_view name);

// Section parsers, one per Kea section, each in the file named after it.
// "option-data": the dhcp4 options of the list, with the options of other
// spaces already packed into the option that encapsulates them (43, 125 or
// an "option-def" with "encapsulate"), so replies copy bytes (config_options.cpp).
Result<std::vector<OptionData>> read_option_data(const Reader& reader, const Node& list);
// "option-def" (config_option_defs.cpp), global or a client class's:
// `class_level` allows, as Kea does there, only dhcp4 options 43 and 224-254.
Status read_option_defs(const Reader& reader, const Node& list, wire::OptionDefinitions& into,
                        bool class_level);
// A client class's "option-data", read against its own "option-def" on top
// of the global ones (Kea's vendor-specific.json: a class defines 43 as
// encapsulating its vendor's space). For the client-classes parser.
Result<std::vector<OptionData>> read_class_option_data(const Reader& reader,
                                                       const Node& class_entry);
// The subnets of a "subnet4" list, as written: without automatic ids.
Result<std::vector<Subnet>> read_subnets(const Reader& reader, const Node& list);
// One "subnet4" entry, and the part of it a shared network can also carry
// (timers, interface, relay, the network settings).
Result<Subnet> read_subnet(const Reader& reader, const Node& entry);
Status read_subnet_settings(const Reader& reader, const Node& entry, Subnet& out);
// "shared-networks" (config_shared_networks.cpp): appends each network's
// subnets, with the network's settings inherited, to config.subnets and
// their entries to `nodes`.
Status read_shared_networks(const Reader& reader, const Node& list, Config& config,
                            std::vector<Node>& nodes);
// Fills each SharedNetwork::subnet_ids once the subnets have their ids.
void link_shared_networks(Config& config);
// Once every subnet is read: Kea's automatic ids, then unique ids and no
// overlapping prefixes across the whole file. `nodes[i]` is subnets[i]'s entry.
Status finish_subnets(const Reader& reader, const Node& warn_at, std::span<const Node> nodes,
                      std::vector<Subnet>& subnets);
// "control-sockets" / "control-socket" (config_control.cpp); reads from the
// Dhcp4 object because either spelling may be present.
Status read_control_sockets(const Reader& reader, const Node& dhcp4, Config& config);
// blackstart's "conflict-probing" (config_probing.cpp).
Status read_conflict_probing(const Reader& reader, const Node& node, Config& config);
// "hooks-libraries" (config_hooks.cpp): built-in equivalents or a refusal.
// `dhcp4` is where "conflict-probing", which overrides libdhcp_ping_check, lives.
Status read_hooks_libraries(const Reader& reader, const Node& list, const Node& dhcp4,
                            Config& config);
// A hook's free-form "parameters" (config_hooks.cpp): members other than
// `allowed` are an error naming the library `stem`.
Status check_parameter_keys(const Reader& reader, const Node& parameters, std::string_view stem,
                            std::span<const std::string_view> allowed);
// libdhcp_ha's "parameters" (config_ha.cpp) into config.ha.
Status read_ha(const Reader& reader, const Node& entry, const Node& parameters, Config& config);
// "starvation-guard" (config_guard.cpp), a blackstart extension; absent = off.
Status read_starvation_guard(const Reader& reader, const Node& dhcp4, Config& config);
// "run-as" (config_run_as.cpp), a blackstart extension; absent = no switch.
Status read_run_as(const Reader& reader, const Node& dhcp4, Config& config);

// Settings Kea allows both globally and per subnet (config_network.cpp):
// lifetime bounds, T1/T2 rules, client-id handling, authoritative,
// reservation flags and the BOOTP fields. Everything optional, for inheritance.
struct NetworkSettings {
  std::optional<uint32_t> min_valid_lifetime_s, max_valid_lifetime_s;
  TeeTimes tee;
  std::optional<bool> match_client_id, authoritative;
  std::optional<bool> reservations_global, reservations_in_subnet, reservations_out_of_pool;
  BootFields boot;
};
// The keys read_network_settings understands, for check_keys lists.
std::span<const std::string_view> network_setting_keys();
Status read_network_settings(const Reader& reader, const Node& scope, NetworkSettings& out);
// "next-server", "server-hostname", "boot-file-name" (also in reservations).
Status read_boot_fields(const Reader& reader, const Node& scope, BootFields& out);
// Kea settings that tune Kea's machinery (config_kea_tuning.cpp): validated,
// accepted, and warned about where blackstart behaves differently. The
// scoped ones are allowed wherever network settings are (read by
// read_network_settings); the global ones only in Dhcp4.
std::span<const std::string_view> kea_tuning_global_keys();
std::span<const std::string_view> kea_tuning_scoped_keys();
Status read_kea_tuning_globals(const Reader& reader, const Node& dhcp4, Config& config);
Status read_kea_tuning_scoped(const Reader& reader, const Node& scope);
// Kea's Dhcp4-only extras (config_kea.cpp): echo-client-id,
// host-reservation-identifiers, expired-leases-processing, multi-threading,
// hooks-libraries and the global "reservations"; then the inheritance of
// the network settings into every subnet and the lifetime checks.
std::span<const std::string_view> kea_global_keys();
Status read_kea_globals(const Reader& reader, const Node& dhcp4, Config& config);
Status resolve_subnets(const Reader& reader, const Node& dhcp4, std::span<const Node> nodes,
                       const NetworkSettings& global, Config& config);
// One reservation; `subnet` null for a global one (no containment check).
Result<Reservation> read_reservation(const Reader& reader, const Node& entry, const Subnet* subnet);
// Client classification (config_classes.cpp): Dhcp4 "client-classes"; a
// subnet's or pool's "client-class"/"client-classes" guard and
// "require-client-classes"/"evaluate-additional-classes"; a reservation's
// "client-classes"; and, after the subnets, warnings for undefined names
// (`nodes[i]` is Config::subnets[i]'s entry; shared networks are checked too).
Status read_client_classes(const Reader& reader, const Node& dhcp4, Config& config);
Status read_class_guard(const Reader& reader, const Node& scope, ClassGuard& guard,
                        std::vector<std::string>& required);
Status read_host_classes(const Reader& reader, const Node& entry, Reservation& out);
void warn_unknown_classes(const Reader& reader, const Node& dhcp4, std::span<const Node> nodes,
                          const Config& config);
// Kea 2.2 numbers subnets without "id" itself (config_subnets.cpp).
Status number_subnets(const Reader& reader, const Node& list, std::vector<Subnet>& subnets);

}  // namespace bs::config
