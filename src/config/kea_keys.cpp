// The Kea Dhcp4 settings blackstart recognises but does not implement yet.
// Knowing them lets the loader say "not supported yet" instead of "unknown
// key", so an administrator migrating a Kea file knows the setting is real
// and was not silently dropped. The same table feeds the documentation.
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

// Extra response headers on an HTTP control socket (Kea 2.7).
constexpr std::string_view kControlSocketKeys[] = {"http-headers"};

constexpr std::string_view kControlAuthKeys[] = {"directory"};

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
  add(table, Scope::ControlSocket, kControlSocketKeys);
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
