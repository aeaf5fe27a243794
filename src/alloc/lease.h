// The lease record shared by the allocation engine and the lease stores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/types.h"

namespace bs {

// Numbering follows Kea's lease states (0 default, 1 declined, 2 expired-
// reclaimed) so exported data reads the same. Offered exists only in memory:
// an offer is not a promise and is never written to the store.
enum class LeaseState : uint8_t {
  Assigned = 0,
  Declined = 1,
  Reclaimed = 2,
  Offered = 3,
};
const char* to_string(LeaseState state);

struct Lease {
  Ip4 address;
  HwAddr hw_address;
  Bytes client_id;       // option 61 as received, empty if none
  std::string hostname;  // option 12 or the reservation's hostname
  uint32_t subnet_id = 0;
  uint32_t valid_lifetime_s = 0;
  int64_t cltt_s = 0;  // client last transaction time, Unix seconds
  LeaseState state = LeaseState::Assigned;

  int64_t expires_at_s() const { return cltt_s + valid_lifetime_s; }
  bool bound_at(int64_t now_s) const {
    return state == LeaseState::Assigned && expires_at_s() > now_s;
  }
  bool operator==(const Lease&) const = default;
};

// One durable mutation. `after` empty means the row is deleted. `before`
// lets the engine undo the change in memory if the store cannot commit it.
struct LeaseChange {
  Ip4 address;
  std::optional<Lease> before;
  std::optional<Lease> after;
};

}  // namespace bs
