// The resync's conflict rule: when both servers of a pair changed the same
// address while they were apart, which version both keep. It uses no
// clock reading, so clock skew between the servers cannot change it:
// - a version still bound against one that is not (released, expired,
//   declined or deleted), whichever the clients: the bound one, since a
//   client uses it and the other protects nobody (after partner-down plus
//   MCLT a survivor may have granted an address of the other's share that
//   the other still holds as an expired row);
// - two bound versions of the same client (a renewal on each): the one
//   with more time left (each side counts time left on its own clock,
//   from ages that crossed the link);
// - otherwise (two clients both bound, or neither version bound): the
//   version of the server that owns the address in the split of free
//   addresses (load_balance.h). A server hands out a free address of the
//   other's share only in partner-down after MCLT, so this is the one that
//   may have allocated it with the right to; the other client's lease was
//   capped at MCLT and is refused at its next renewal.
// Both servers apply the same rule to the same two versions, so they end
// holding the same one; no address stays with two clients.
#pragma once

#include <cstdint>
#include <optional>

#include "alloc/lease.h"

namespace bs::ha {

enum class Keep : uint8_t { Mine, Theirs };

Keep resolve_conflict(const std::optional<Lease>& mine, const std::optional<Lease>& theirs,
                      bool i_own_address, int64_t now_s);

}  // namespace bs::ha
