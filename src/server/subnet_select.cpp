// Subnet selection (RFC 2131 4.3.1 "the network from which the message
// arrived", RFC 3046 giaddr). A relay's link-selection sub-option (RFC 3527)
// or the client's subnet selection option (RFC 3011) names the link outright.
// Otherwise relayed traffic first matches a subnet's explicit relay addresses
// (or its shared network's), then the subnet that contains giaddr. A subnet
// in a shared network brings its siblings along.
#include "server/subnet_select.h"

#include <algorithm>

#include "common/assert.h"
#include "wire/relay_agent.h"

namespace bs::server {
namespace {

const config::Subnet* containing(const config::Config& config, Ip4 address,
                                 const classify::ClassSet& classes) {
  for (const auto& subnet : config.subnets) {
    if (subnet.contains(address) && config.admits(subnet, classes)) return &subnet;
  }
  return nullptr;
}

const config::Subnet* for_relay(const config::Config& config, Ip4 giaddr,
                                const classify::ClassSet& classes) {
  for (const auto& subnet : config.subnets) {
    const auto& relays = subnet.relay_addresses;
    if (std::find(relays.begin(), relays.end(), giaddr) != relays.end() &&
        config.admits(subnet, classes)) {
      return &subnet;
    }
  }
  return containing(config, giaddr, classes);
}

const config::Subnet* for_link(const config::Config& config, const io::InterfaceInfo& link,
                               const classify::ClassSet& classes) {
  for (const auto& subnet : config.subnets) {
    if (!subnet.interface.empty() && subnet.interface == link.name &&
        config.admits(subnet, classes)) {
      return &subnet;
    }
  }
  const config::Subnet* subnet = containing(config, link.address, classes);
  // A subnet bound to another interface by name is not served on this link.
  if (subnet != nullptr && !subnet->interface.empty() && subnet->interface != link.name) {
    return nullptr;
  }
  return subnet;
}

}  // namespace

const config::Subnet* select_subnet(const config::Config& config, const wire::Packet& query,
                                    const io::InterfaceInfo& arrived_on,
                                    const classify::ClassSet& classes) {
  // As Kea: a named link that no subnet contains selects nothing, rather
  // than falling back to giaddr, because the relay said giaddr is not it.
  const auto named_link = wire::selected_link_address(query, !config.ignore_rai_link_selection);
  if (named_link) return containing(config, *named_link, classes);
  if (!query.giaddr.is_zero()) return for_relay(config, query.giaddr, classes);
  if (!query.ciaddr.is_zero()) {
    // A renewing client may reach us by unicast across routers; its ciaddr
    // names its subnet better than the link the packet arrived on.
    if (const config::Subnet* subnet = containing(config, query.ciaddr, classes)) return subnet;
  }
  return for_link(config, arrived_on, classes);
}

std::vector<const config::Subnet*> network_subnets(const config::Config& config,
                                                   const config::Subnet& selected,
                                                   const classify::ClassSet& classes) {
  std::vector<const config::Subnet*> out{&selected};
  const config::SharedNetwork* network = config.network_of(selected);
  if (network == nullptr) return out;
  const auto& ids = network->subnet_ids;
  const auto at = std::find(ids.begin(), ids.end(), selected.id);
  BS_ASSERT(at != ids.end());
  // Kea's getNextSubnet: the ones after the selected subnet, then from the
  // network's first, each only if its class guards let the client in.
  const size_t start = static_cast<size_t>(at - ids.begin());
  for (size_t step = 1; step < ids.size(); ++step) {
    const config::Subnet* subnet = config.find_subnet(ids[(start + step) % ids.size()]);
    if (subnet != nullptr && config.admits(*subnet, classes)) out.push_back(subnet);
  }
  return out;
}

const config::Subnet* network_subnet_containing(std::span<const config::Subnet* const> subnets,
                                                Ip4 address) {
  for (const config::Subnet* subnet : subnets) {
    if (subnet->contains(address)) return subnet;
  }
  return nullptr;
}

}  // namespace bs::server
