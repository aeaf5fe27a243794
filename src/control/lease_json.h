// Leases as the control API shows them: Kea's lease4-get field names
// ("ip-address", "hw-address", "valid-lft", "cltt", "state" 0/1/2), plus
// "expire" and "state-name" for people reading the answer. The hostname is
// the client's bytes with invalid UTF-8 shown as \xNN (common/text.h).
#pragma once

#include <nlohmann/json.hpp>

#include "alloc/lease.h"

namespace bs::control {

nlohmann::json lease_to_json(const Lease& lease);

}  // namespace bs::control
