// When an address is uncertain enough to probe before handing it out, and
// how to probe it. Pure decisions over the engine's records, kept apart
// from the handler so each rule has a test of its own. The rules follow
// the issue of the day after the power cut: after an unclean shutdown the
// server may have forgotten anything; an address declined or held by
// another client within its last lifetime may still be in use; and an
// address a returning client claims but the server never gave it may
// belong to someone else.
#pragma once

#include <cstdint>
#include <optional>

#include "alloc/engine.h"
#include "config/config.h"
#include "io/prober.h"
#include "io/transport.h"
#include "wire/packet.h"

namespace bs::server {

// The hostname of the declined row a probe conflict leaves behind. Not a
// valid hostname, so it cannot be a client's; it tells the row apart from
// a client's own DECLINE, and lease listings show what happened.
inline constexpr const char* kConflictMarkHostname = "(probe conflict)";

// A client claiming (INIT-REBOOT/RENEW) an address quarantined because
// this very device answered a probe for it: the answer proved the device
// uses the address, so it is adopted instead of NAKed. After a power cut
// this is the forgotten client itself, found by a probe for someone else.
bool is_own_conflict_mark(const Lease& row, const alloc::ClientIdentity& client);

// What the handler asks the pipeline to do before a reply may leave.
struct ProbeNeed {
  io::ProbeRequest request;
  uint32_t subnet_id = 0;
};

// Before an OFFER of `address`; `row` is the stored record there, if any.
bool offer_needs_probe(const config::ConflictProbing& probing, bool recovery, const Lease* row,
                       const alloc::ClientIdentity& client, int64_t now_s);

// Before ACKing an INIT-REBOOT/RENEWING/REBINDING client for an address the
// engine just assigned; `before` is what the address held until then.
bool adoption_needs_probe(const config::ConflictProbing& probing,
                          const std::optional<Lease>& before, const alloc::ClientIdentity& client);

// ARP when the address is on the link the query came in on and no relay
// is involved; ICMP echo otherwise.
io::ProbeRequest probe_request_for(Ip4 address, const wire::Packet& query,
                                   const io::InterfaceInfo& link);

}  // namespace bs::server
