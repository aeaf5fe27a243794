// Which configured subnet a query belongs to: the link the relay or client
// names (option 82 sub-option 5, option 118), the relay's giaddr, the
// client's ciaddr, or the link it arrived on, in that order (as Kea does).
#pragma once

#include <span>
#include <vector>

#include "classify/class_set.h"
#include "config/config.h"
#include "io/transport.h"
#include "wire/packet.h"

namespace bs::server {

// Subnets whose client-class guard does not let `classes` in are skipped.
const config::Subnet* select_subnet(const config::Config& config, const wire::Packet& query,
                                    const io::InterfaceInfo& arrived_on,
                                    const classify::ClassSet& classes);

// The subnets a query that selected `selected` may get an address from, in
// Kea's order: `selected`, then the rest of its shared network (those after
// it, then those before it) that admit `classes`. Just `selected` when it is
// in no shared network.
std::vector<const config::Subnet*> network_subnets(const config::Config& config,
                                                   const config::Subnet& selected,
                                                   const classify::ClassSet& classes);
// The one of `subnets` that contains `address`, if any.
const config::Subnet* network_subnet_containing(std::span<const config::Subnet* const> subnets,
                                                Ip4 address);

}  // namespace bs::server
