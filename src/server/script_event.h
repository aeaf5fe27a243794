// What libdhcp_run_script's built-in equivalent is told about a lease event,
// and the pure translation into Kea's script calls: the hook-point name as
// the script's one argument and Kea's environment variables (LEASE4_*,
// QUERY4_*, SUBNET4_*, PKT4_*), spelled and formatted as Kea's run_script
// does. The pipeline only copies the raw query and the committed change into
// a ScriptEvent; decoding and formatting happen on the runner's thread, so
// none of this costs the packet path more than a copy.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc/lease.h"
#include "common/types.h"
#include "io/transport.h"

namespace bs::server {

struct ScriptEvent {
  io::RxPacket query;  // the raw query whose reply promised `change`
  std::string interface_name;
  Ip4 interface_address;  // the server's address on that link
  std::array<uint8_t, 6> interface_mac{};
  LeaseChange change;  // committed (durable) before the event exists
  // The subnet of the lease, 0/empty when the lease names none.
  uint32_t subnet_id = 0;
  Ip4 subnet_prefix;
  int subnet_prefix_len = 0;
};

// One run of the script: argv[1] and the whole environment (Kea passes
// nothing else, not even PATH).
struct ScriptCall {
  std::string hook;              // "leases4_committed", "lease4_renew", ...
  std::vector<std::string> env;  // "NAME=value"
};

// The calls Kea's run_script would make for this event, in Kea's order:
// a REQUEST renewing the client's own lease gives lease4_renew then
// leases4_committed, any other granting REQUEST leases4_committed, a
// RELEASE lease4_release, a DECLINE lease4_decline. Anything else (an
// undecodable copy, an INFORM) gives none.
std::vector<ScriptCall> script_calls(const ScriptEvent& event);

}  // namespace bs::server
