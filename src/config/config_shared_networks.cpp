// Kea's "shared-networks": named groups of subnets on one link. A network
// carries the settings a subnet can carry (timers, lifetimes, T1/T2 rules,
// interface, relay, client-id handling, authoritative, reservation flags,
// BOOTP fields) and its subnets inherit each one they do not set themselves,
// as in Kea 2.2. Its option-data and client-class guard stay on the network
// (config::SharedNetwork): options have their own precedence level and both
// guards must let a client in.
#include <algorithm>
#include <set>

#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kNetworkOwnKeys[] = {
    "name",
    "subnet4",
    "interface",
    "relay",
    "option-data",
    "client-class",
    "client-classes",
    "require-client-classes",
    "evaluate-additional-classes",
    "valid-lifetime",
    "renew-timer",
    "rebind-timer",
};

const std::vector<std::string_view>& shared_network_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> out(std::begin(kNetworkOwnKeys), std::end(kNetworkOwnKeys));
    const auto network = network_setting_keys();
    out.insert(out.end(), network.begin(), network.end());
    return out;
  }();
  return keys;
}
BS_CONFIG_KEYS("Dhcp4.shared-networks[]", shared_network_keys());

template <class T>
void inherit(std::optional<T>& local, const std::optional<T>& network) {
  if (!local) local = network;
}

// Kea 2.2's inheritance from a shared network into its subnets: every value
// the subnet leaves unset comes from the network (and, when the network
// leaves it unset too, from the globals later, in resolve_subnets).
void inherit_from_network(const Subnet& network, Subnet& subnet) {
  inherit(subnet.valid_lifetime_s, network.valid_lifetime_s);
  inherit(subnet.renew_timer_s, network.renew_timer_s);
  inherit(subnet.rebind_timer_s, network.rebind_timer_s);
  inherit(subnet.min_valid_lifetime_s, network.min_valid_lifetime_s);
  inherit(subnet.max_valid_lifetime_s, network.max_valid_lifetime_s);
  inherit(subnet.tee.calculate, network.tee.calculate);
  inherit(subnet.tee.t1_percent, network.tee.t1_percent);
  inherit(subnet.tee.t2_percent, network.tee.t2_percent);
  inherit(subnet.match_client_id, network.match_client_id);
  inherit(subnet.authoritative, network.authoritative);
  inherit(subnet.reservations_global, network.reservations_global);
  inherit(subnet.reservations_in_subnet, network.reservations_in_subnet);
  inherit(subnet.reservations_out_of_pool, network.reservations_out_of_pool);
  inherit(subnet.boot.next_server, network.boot.next_server);
  inherit(subnet.boot.server_hostname, network.boot.server_hostname);
  inherit(subnet.boot.boot_file_name, network.boot.boot_file_name);
  // Kea selects a subnet without relays of its own by its network's relays,
  // and one without an interface by its network's interface.
  if (subnet.relay_addresses.empty()) subnet.relay_addresses = network.relay_addresses;
  if (subnet.interface.empty()) subnet.interface = network.interface;
}

// Kea's sanity checks: every subnet of a network has the network's
// authoritative setting, and at most one interface name among them.
Status check_network_subnets(const Reader& reader, const Node& entry, const Subnet& network,
                             bool global_authoritative, std::span<const Subnet> subnets,
                             std::span<const Node> nodes) {
  const bool authoritative = network.authoritative.value_or(global_authoritative);
  std::string interface = network.interface;
  for (size_t i = 0; i < subnets.size(); ++i) {
    const Subnet& subnet = subnets[i];
    if (subnet.authoritative.value_or(global_authoritative) != authoritative) {
      const Node at = nodes[i].find("authoritative").value_or(nodes[i]);
      return tl::unexpected(
          reader.error(at, at.path +
                               ": a subnet of a shared network must have the network's "
                               "\"authoritative\" setting (" +
                               (authoritative ? "true" : "false") + ")"));
    }
    if (interface.empty()) interface = subnet.interface;
    if (!subnet.interface.empty() && subnet.interface != interface) {
      const Node at = nodes[i].find("interface").value_or(nodes[i]);
      return tl::unexpected(reader.error(
          at, at.path + " \"" + subnet.interface + "\" differs from \"" + interface +
                  "\" used by the shared network " + entry.path + " or an earlier subnet in it"));
    }
  }
  return {};
}

Result<std::string> read_network_name(const Reader& reader, const Node& entry,
                                      std::set<std::string>& names) {
  const auto node = entry.find("name");
  if (!node) return tl::unexpected(reader.error(entry, entry.path + " needs a \"name\""));
  auto name = reader.get_string(*node);
  if (!name) return tl::unexpected(name.error());
  if (!names.insert(*name).second) {
    return tl::unexpected(reader.error(
        *node, node->path + " " + quote(*name) + " is the name of an earlier shared network"));
  }
  return name;
}

Status read_network(const Reader& reader, const Node& entry, std::set<std::string>& names,
                    Config& config, std::vector<Node>& nodes) {
  if (auto ok = reader.expect_object(entry); !ok) return ok;
  if (auto ok = reader.check_keys(entry, Scope::SharedNetwork, shared_network_keys()); !ok) {
    return ok;
  }
  SharedNetwork network;
  auto name = read_network_name(reader, entry, names);
  if (!name) return tl::unexpected(name.error());
  network.name = std::move(*name);
  Subnet settings;  // the network's values of the settings subnets inherit
  if (auto ok = read_subnet_settings(reader, entry, settings); !ok) return ok;
  if (auto ok = read_class_guard(reader, entry, network.client_classes, network.required_classes);
      !ok) {
    return ok;
  }
  if (const auto options = entry.find("option-data")) {
    auto list = read_option_data(reader, *options);
    if (!list) return tl::unexpected(list.error());
    network.options = std::move(*list);
  }
  const size_t first = config.subnets.size();
  if (const auto list = entry.find("subnet4")) {
    auto subnets = read_subnets(reader, *list);
    if (!subnets) return tl::unexpected(subnets.error());
    for (size_t i = 0; i < subnets->size(); ++i) {
      Subnet& subnet = (*subnets)[i];
      inherit_from_network(settings, subnet);
      subnet.shared_network = config.shared_networks.size();
      config.subnets.push_back(std::move(subnet));
      nodes.push_back(list->element(i));
    }
  }
  const std::span<const Subnet> members(config.subnets.begin() + static_cast<ptrdiff_t>(first),
                                        config.subnets.end());
  if (auto ok = check_network_subnets(reader, entry, settings, config.authoritative, members,
                                      std::span(nodes).subspan(first));
      !ok) {
    return ok;
  }
  config.shared_networks.push_back(std::move(network));
  return {};
}

}  // namespace

Status read_shared_networks(const Reader& reader, const Node& list, Config& config,
                            std::vector<Node>& nodes) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  std::set<std::string> names;
  for (size_t i = 0; i < list.value->size(); ++i) {
    if (auto ok = read_network(reader, list.element(i), names, config, nodes); !ok) return ok;
  }
  return {};
}

// Automatic ids are assigned after every subnet is read, so the member list
// is filled in then.
void link_shared_networks(Config& config) {
  for (auto& network : config.shared_networks) network.subnet_ids.clear();
  for (const Subnet& subnet : config.subnets) {
    if (subnet.shared_network) {
      config.shared_networks[*subnet.shared_network].subnet_ids.push_back(subnet.id);
    }
  }
}

}  // namespace bs::config
