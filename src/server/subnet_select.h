// Which configured subnet a query belongs to: the relay's giaddr, the
// client's ciaddr, or the link it arrived on, in that order (as Kea does).
#pragma once

#include "classify/class_set.h"
#include "config/config.h"
#include "io/transport.h"
#include "wire/packet.h"

namespace bs::server {

// Subnets whose client-class guard does not let `classes` in are skipped.
const config::Subnet* select_subnet(const config::Config& config, const wire::Packet& query,
                                    const io::InterfaceInfo& arrived_on,
                                    const classify::ClassSet& classes);

}  // namespace bs::server
