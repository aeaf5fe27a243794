// Subnet selection (RFC 2131 4.3.1 "the network from which the message
// arrived", RFC 3046 giaddr). Relayed traffic first matches a subnet's
// explicit relay addresses, then the subnet that contains giaddr.
#include "server/subnet_select.h"

#include <algorithm>

namespace bs::server {
namespace {

const config::Subnet* containing(const config::Config& config, Ip4 address,
                                 const classify::ClassSet& classes) {
  for (const auto& subnet : config.subnets) {
    if (subnet.contains(address) && subnet.client_classes.allows(classes)) return &subnet;
  }
  return nullptr;
}

const config::Subnet* for_relay(const config::Config& config, Ip4 giaddr,
                                const classify::ClassSet& classes) {
  for (const auto& subnet : config.subnets) {
    const auto& relays = subnet.relay_addresses;
    if (std::find(relays.begin(), relays.end(), giaddr) != relays.end() &&
        subnet.client_classes.allows(classes)) {
      return &subnet;
    }
  }
  return containing(config, giaddr, classes);
}

const config::Subnet* for_link(const config::Config& config, const io::InterfaceInfo& link,
                               const classify::ClassSet& classes) {
  for (const auto& subnet : config.subnets) {
    if (!subnet.interface.empty() && subnet.interface == link.name &&
        subnet.client_classes.allows(classes)) {
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
  if (!query.giaddr.is_zero()) return for_relay(config, query.giaddr, classes);
  if (!query.ciaddr.is_zero()) {
    // A renewing client may reach us by unicast across routers; its ciaddr
    // names its subnet better than the link the packet arrived on.
    if (const config::Subnet* subnet = containing(config, query.ciaddr, classes)) return subnet;
  }
  return for_link(config, arrived_on, classes);
}

}  // namespace bs::server
