// Which server of a pair a client belongs to, and which server owns a free
// address. Clients: RFC 3074's hash of the client identifier (option 61),
// else of chaddr, the way Kea's load-balancing assigns them, so a client
// lands on the same server under Kea and blackstart. Addresses: a fixed
// arithmetic split (no hand-split pools), so each server knows without
// asking which free addresses it may hand out while the partner is away.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "common/types.h"
#include "ha/ha_config.h"

namespace bs::ha {

// RFC 3074 section 6's hash: a Pearson hash over the key, last byte first,
// seeded with the key's length.
uint8_t load_balance_hash(std::span<const uint8_t> key);

// The identifier a client is balanced by: option 61's data if non-empty,
// else the hardware address. Neither: no bucket (Kea drops such queries in
// load-balancing).
struct ClientKey {
  std::span<const uint8_t> client_id;
  std::span<const uint8_t> hw_address;
};

// The role whose clients `key` is in: in load-balancing, hash mod 2 with
// the primary first (as Kea orders its active servers); in hot-standby,
// always the primary.
std::optional<Role> client_owner(Mode mode, const ClientKey& key);

// The role that owns `address` while it is free. Load-balancing: even
// addresses the primary, odd the secondary. Hot-standby: the standby owns
// the addresses whose value mod 100 is below `standby_share_percent`, the
// primary the rest. Deterministic, so both servers agree without a message.
Role address_owner(Mode mode, uint32_t standby_share_percent, Ip4 address);

}  // namespace bs::ha
