// Which configured subnet a query belongs to: the relay's giaddr, the
// client's ciaddr, or the link it arrived on, in that order (as Kea does).
#pragma once

#include "config/config.h"
#include "io/transport.h"
#include "wire/packet.h"

namespace bs::server {

const config::Subnet* select_subnet(const config::Config& config, const wire::Packet& query,
                                    const io::InterfaceInfo& arrived_on);

}  // namespace bs::server
