// Option 82 sub-option walk and the RFC 3527 / RFC 3011 link address.
#include "wire/relay_agent.h"

namespace bs::wire {
namespace {

std::optional<Ip4> four_bytes(std::span<const uint8_t> value) {
  if (value.size() != 4) return std::nullopt;
  return Ip4{(uint32_t{value[0]} << 24) | (uint32_t{value[1]} << 16) | (uint32_t{value[2]} << 8) |
             uint32_t{value[3]}};
}

}  // namespace

std::optional<std::span<const uint8_t>> relay_sub_option(const Packet& packet, uint8_t code) {
  std::optional<std::span<const uint8_t>> found;
  for_each_relay_sub_option(packet, [&](uint8_t sub_code, std::span<const uint8_t> value) {
    if (sub_code == code && !found) found = value;
  });
  return found;
}

std::optional<Ip4> selected_link_address(const Packet& packet, bool honour_link_selection) {
  if (honour_link_selection) {
    if (const auto link = relay_sub_option(packet, relay::kLinkSelection)) {
      if (const auto address = four_bytes(*link)) return address;
    }
  }
  const Option* selection = packet.find(opt::kSubnetSelection);
  if (selection == nullptr) return std::nullopt;
  return four_bytes(selection->data);
}

}  // namespace bs::wire
