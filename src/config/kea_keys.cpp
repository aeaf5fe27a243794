// The config key tables: the Kea Dhcp4 settings blackstart recognises but
// does not implement yet, and the registry of every key list the loader
// accepts (BS_CONFIG_KEYS). Knowing the former lets the loader say "not
// supported yet" instead of "unknown key", so an administrator migrating a
// Kea file knows the setting is real and was not silently dropped. Both
// feed `blackstart --list-config-keys`, from which blackstart.json(5) is built.
#include <algorithm>
#include <map>

#include "config/key_listing.h"
#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kGlobalKeys[] = {
    "hosts-database",
    "hosts-databases",
    "config-control",
};

constexpr std::string_view kSubnetKeys[] = {
    "4o6-interface",
    "4o6-interface-id",
    "4o6-subnet",
};

// Kea 2.3+ class templates and per-class offer lifetimes.
constexpr std::string_view kClientClassKeys[] = {"template-test", "offer-lifetime"};

constexpr std::string_view kOptionDataKeys[] = {"client-classes"};

// Keys of Kea's SQL backends. memfile's own keys ("persist",
// "lfc-interval", "max-row-errors") are read in config.cpp.
constexpr std::string_view kLeaseDatabaseKeys[] = {
    "host",
    "port",
    "user",
    "password",
    "connect-timeout",
    "max-reconnect-tries",
    "reconnect-wait-time",
    "on-fail",
    "retry-on-startup",
    "readonly",
    "trust-anchor",
    "cert-file",
    "key-file",
    "cipher-list",
    "read-timeout",
    "write-timeout",
    "tcp-user-timeout",
    "ssl-mode",
};

constexpr std::string_view kControlAuthKeys[] = {"directory"};

// Keys that are blackstart's own (Kea has no such setting); every other
// accepted key has Kea's name and meaning.
constexpr std::string_view kOwnSections[] = {"Dhcp4.conflict-probing", "Dhcp4.starvation-guard",
                                             "Dhcp4.run-as"};
constexpr std::pair<std::string_view, std::string_view> kOwnKeys[] = {
    {"Dhcp4", "conflict-probing"},
    {"Dhcp4", "starvation-guard"},
    {"Dhcp4", "run-as"},
    {"Dhcp4.lease-database (sqlite)", "fsync"},
    {"Dhcp4.lease-database (memfile)", "fsync"},
    {"Dhcp4.lease-database (postgresql)", "fsync"},
    {"Dhcp4.lease-database (sqlite)", "disk-reserve-mb"},
    {"Dhcp4.lease-database (memfile)", "disk-reserve-mb"},
    {"Dhcp4.control-sockets[].authentication", "token"},
    {"Dhcp4.control-sockets[].authentication", "token-file"},
};

bool is_own_key(std::string_view section, std::string_view key) {
  // blackstart's keys inside a Kea section (a hook's parameters) carry the
  // prefix, so Kea's loader would name them as unknown, never misread them.
  if (key.starts_with("blackstart-")) return true;
  if (std::find(std::begin(kOwnSections), std::end(kOwnSections), section) !=
      std::end(kOwnSections)) {
    return true;
  }
  return std::find(std::begin(kOwnKeys), std::end(kOwnKeys), std::pair{section, key}) !=
         std::end(kOwnKeys);
}

// Filled by the registrars during static initialisation, before main().
std::vector<KeySection>& key_sections() {
  static std::vector<KeySection> sections;
  return sections;
}

void add(std::vector<KeaKey>& table, Scope scope, std::span<const std::string_view> keys) {
  for (std::string_view key : keys) table.push_back({scope, key});
}

std::vector<KeaKey> build_table() {
  std::vector<KeaKey> table;
  add(table, Scope::Dhcp4, kGlobalKeys);
  add(table, Scope::LeaseDatabase, kLeaseDatabaseKeys);
  add(table, Scope::Subnet, kSubnetKeys);
  add(table, Scope::ClientClass, kClientClassKeys);
  add(table, Scope::OptionData, kOptionDataKeys);
  add(table, Scope::ControlAuthentication, kControlAuthKeys);
  return table;
}

}  // namespace

std::span<const KeaKey> unsupported_kea_key_table() {
  static const std::vector<KeaKey> table = build_table();
  return table;
}

std::string_view scope_name(Scope scope) {
  switch (scope) {
    case Scope::TopLevel:
      return "top level";
    case Scope::Dhcp4:
      return "Dhcp4";
    case Scope::InterfacesConfig:
      return "Dhcp4.interfaces-config";
    case Scope::LeaseDatabase:
      return "Dhcp4.lease-database";
    case Scope::Subnet:
      return "Dhcp4.subnet4[]";
    case Scope::Pool:
      return "Dhcp4.subnet4[].pools[]";
    case Scope::Reservation:
      return "Dhcp4.subnet4[].reservations[]";
    case Scope::Relay:
      return "Dhcp4.subnet4[].relay";
    case Scope::SharedNetwork:
      return "Dhcp4.shared-networks[]";
    case Scope::OptionData:
      return "option-data[]";
    case Scope::OptionDef:
      return "option-def[]";
    case Scope::Logger:
      return "Dhcp4.loggers[]";
    case Scope::OutputOption:
      return "Dhcp4.loggers[].output_options[]";
    case Scope::ControlSocket:
      return "Dhcp4.control-sockets[]";
    case Scope::ControlAuthentication:
      return "Dhcp4.control-sockets[].authentication";
    case Scope::ConflictProbing:
      return "Dhcp4.conflict-probing";
    case Scope::StarvationGuard:
      return "Dhcp4.starvation-guard";
    case Scope::ExpiredLeases:
      return "Dhcp4.expired-leases-processing";
    case Scope::MultiThreading:
      return "Dhcp4.multi-threading";
    case Scope::HookLibrary:
      return "Dhcp4.hooks-libraries[]";
    case Scope::ClientClass:
      return "Dhcp4.client-classes[]";
    case Scope::RunAs:
      return "Dhcp4.run-as";
  }
  return "";
}

KeySectionRegistrar::KeySectionRegistrar(std::string_view section, KeyListFn keys) {
  key_sections().push_back({section, keys});
}

std::span<const KeySection> registered_key_sections() { return key_sections(); }

bool is_registered_key_list(std::span<const std::string_view> keys) {
  return std::any_of(key_sections().begin(), key_sections().end(), [&](const KeySection& entry) {
    const auto registered = entry.keys();
    return registered.data() == keys.data() && registered.size() == keys.size();
  });
}

std::string config_key_listing() {
  // Sections sorted by name, except that the top level and Dhcp4 come first.
  auto rank = [](std::string_view section) {
    return std::pair{section == "(top level)" ? 0 : section == "Dhcp4" ? 1 : 2, section};
  };
  std::map<std::pair<int, std::string_view>, std::map<std::string_view, std::string_view>> table;
  for (const KeySection& entry : key_sections()) {
    for (std::string_view key : entry.keys()) {
      table[rank(entry.section)][key] = is_own_key(entry.section, key) ? "blackstart" : "kea";
    }
  }
  for (const KeaKey& entry : unsupported_kea_key_table()) {
    table[rank(scope_name(entry.scope))][entry.key] = "kea-unsupported";
  }
  std::string out;
  for (const auto& [section, keys] : table) {
    for (const auto& [key, origin] : keys) {
      out.append(section.second).append("\t").append(key).append("\t").append(origin) += '\n';
    }
  }
  return out;
}

const std::vector<std::string_view>& unsupported_kea_keys() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const KeaKey& entry : unsupported_kea_key_table()) {
      out.push_back(std::string(scope_name(entry.scope)) + "." + std::string(entry.key));
    }
    return out;
  }();
  static const std::vector<std::string_view> views(names.begin(), names.end());
  return views;
}

}  // namespace bs::config
