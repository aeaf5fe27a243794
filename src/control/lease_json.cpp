// Lease -> JSON in Kea's lease4-get shape.
#include "control/lease_json.h"

#include "common/text.h"

namespace bs::control {

nlohmann::json lease_to_json(const Lease& lease) {
  nlohmann::json out = {
      {"ip-address", to_string(lease.address)},
      {"hw-address", to_string(lease.hw_address)},
      {"subnet-id", lease.subnet_id},
      {"valid-lft", lease.valid_lifetime_s},
      {"cltt", lease.cltt_s},
      {"expire", lease.expires_at_s()},
      {"hostname", escape_invalid_utf8(lease.hostname)},
      {"state", static_cast<int>(lease.state)},
      {"state-name", to_string(lease.state)},
      {"fqdn-fwd", false},
      {"fqdn-rev", false},
  };
  if (!lease.client_id.empty()) out["client-id"] = to_hex_colon(lease.client_id);
  return out;
}

}  // namespace bs::control
