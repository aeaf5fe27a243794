// Relay agent information (option 82, RFC 3046) read from a decoded packet:
// the sub-options blackstart acts on. Pure, no allocation; a truncated
// sub-option ends the walk, so a malformed option 82 reads as "absent".
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "common/types.h"
#include "wire/packet.h"

namespace bs::wire {

namespace relay {
inline constexpr uint8_t kCircuitId = 1;      // RFC 3046 2.1
inline constexpr uint8_t kRemoteId = 2;       // RFC 3046 2.2
inline constexpr uint8_t kLinkSelection = 5;  // RFC 3527
}  // namespace relay

// Calls `visit(code, value)` for each well-formed sub-option of the
// query's option 82, in order; the walk stops at the first truncated one.
// One walk for callers that want several sub-options.
template <typename Visit>
void for_each_relay_sub_option(const Packet& packet, Visit&& visit) {
  const Option* option = packet.find(opt::kRelayAgentInfo);
  if (option == nullptr) return;
  const std::span<const uint8_t> data = option->data;
  size_t at = 0;
  while (at + 2 <= data.size()) {
    const size_t length = data[at + 1];
    if (at + 2 + length > data.size()) return;
    visit(data[at], std::span<const uint8_t>(data.data() + at + 2, length));
    at += 2 + length;
  }
}

// The value of sub-option `code` of the query's option 82, if present.
std::optional<std::span<const uint8_t>> relay_sub_option(const Packet& packet, uint8_t code);

// The address that names the client's link when it is not the one the
// packet came from: the relay's link-selection sub-option (RFC 3527), else
// the client's subnet selection option 118 (RFC 3011), in Kea's order.
// `honour_link_selection` false is Kea's "ignore-rai-link-selection".
// Either must be exactly 4 bytes to count.
std::optional<Ip4> selected_link_address(const Packet& packet, bool honour_link_selection);

}  // namespace bs::wire
