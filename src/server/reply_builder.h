// Building replies: the fixed fields copied from the query, the options a
// client gets (RFC 2132 parameter request list, RFC 6842 client-id echo,
// RFC 3046 relay-agent echo), and where the reply is sent (RFC 2131 4.1).
#pragma once

#include <cstdint>

#include "classify/class_set.h"
#include "config/config.h"
#include "io/transport.h"
#include "wire/packet.h"

namespace bs::server {

// A reply skeleton: op, xid, flags, giaddr, chaddr copied; message type and
// server identifier set.
wire::Packet make_reply(const wire::Packet& query, wire::MessageType type, Ip4 server_id);

struct LeaseTimes {
  uint32_t valid_lifetime_s = 0;
  uint32_t renew_timer_s = 0;   // 0: option 58 is not sent
  uint32_t rebind_timer_s = 0;  // 0: option 59 is not sent
};
// T1/T2 for a lease of `valid_lifetime_s` in `subnet`, Kea's way: explicit
// renew-timer/rebind-timer, else a share of the lifetime (t1-/t2-percent,
// 50% and 87.5% by default) unless calculate-tee-times is false. Like Kea,
// T2 is only sent below the lifetime and T1 only below T2.
LeaseTimes lease_times(const config::Config& config, const config::Subnet& subnet,
                       uint32_t valid_lifetime_s);

// siaddr, sname and file from next-server, server-hostname and
// boot-file-name, field by field as Kea's setFixedFields: the
// reservation's, else the first of the query's classes that sets it, else
// the subnet's (which inherited the global ones).
void set_boot_fields(wire::Packet& reply, const config::Config& config,
                     const config::Subnet& subnet, const config::Reservation* reservation,
                     const classify::ClassSet* classes = nullptr);

// The largest DHCP payload the client accepts (option 57, at least 576 bytes
// of IP datagram), capped by an Ethernet MTU.
size_t max_reply_size(const wire::Packet& query);

// Adds configured options, Kea's precedence: reservation over pool (of the
// reply's yiaddr or ciaddr) over subnet over its shared network over the
// query's classes in the order they were assigned over global; the ones the
// client asked for (option 55), routers, domain-name-servers and domain-name
// (as Kea, asked for or not) plus always-send ones, minus never-send ones,
// while they fit in the budget left for the reply, after the query's echoed
// options (echo_query_options).
void add_configured_options(wire::Packet& reply, const wire::Packet& query,
                            const config::Config& config, const config::Subnet* subnet,
                            const config::Reservation* reservation,
                            const classify::ClassSet* classes = nullptr);

// Copies what every reply, NAKs included, must repeat from the query: option
// 61 (RFC 6842, unless echo-client-id is false), 82 (RFC 3046) and 118 (RFC
// 3011: the client discards a reply without it).
void echo_query_options(wire::Packet& reply, const wire::Packet& query,
                        const config::Config& config);

// Encodes the reply and picks its destination per RFC 2131 4.1.
io::TxPacket route_reply(const wire::Packet& query, const wire::Packet& reply,
                         const io::InterfaceInfo& link);

}  // namespace bs::server
