// Option 82 sub-options (RFC 3046) and the link a query names (RFC 3527
// link selection, RFC 3011 subnet selection), including malformed input.
#include "wire/relay_agent.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace bs::wire {
namespace {

Packet with_relay_info(Bytes info) {
  Packet packet;
  packet.set(opt::kRelayAgentInfo, std::move(info));
  return packet;
}

Bytes as_bytes(std::optional<std::span<const uint8_t>> value) {
  if (!value) return {};
  return Bytes(value->begin(), value->end());
}

TEST(RelayAgentTest, FindsEachSubOption) {
  const Packet packet = with_relay_info({1, 2, 'a', 'b', 2, 1, 'r', 5, 4, 198, 18, 4, 0});
  EXPECT_EQ(as_bytes(relay_sub_option(packet, relay::kCircuitId)), (Bytes{'a', 'b'}));
  EXPECT_EQ(as_bytes(relay_sub_option(packet, relay::kRemoteId)), (Bytes{'r'}));
  EXPECT_EQ(as_bytes(relay_sub_option(packet, relay::kLinkSelection)), (Bytes{198, 18, 4, 0}));
  EXPECT_FALSE(relay_sub_option(packet, 9));
}

TEST(RelayAgentTest, ATruncatedSubOptionEndsTheWalk) {
  // The remote-id claims 9 bytes but 2 are left; the link selection after
  // the truncation point is not trusted.
  const Packet packet = with_relay_info({1, 1, 'a', 2, 9, 'r', 'r'});
  EXPECT_TRUE(relay_sub_option(packet, relay::kCircuitId));
  EXPECT_FALSE(relay_sub_option(packet, relay::kRemoteId));
  EXPECT_FALSE(relay_sub_option(Packet{}, relay::kCircuitId));
  EXPECT_FALSE(relay_sub_option(with_relay_info({1}), relay::kCircuitId));
}

TEST(RelayAgentTest, OneWalkVisitsEachWellFormedSubOptionInOrder) {
  const Packet packet = with_relay_info({2, 1, 'r', 1, 2, 'a', 'b', 1, 1, 'c', 7, 9, 'x'});
  std::vector<std::pair<uint8_t, Bytes>> seen;
  for_each_relay_sub_option(packet, [&](uint8_t code, std::span<const uint8_t> value) {
    seen.emplace_back(code, Bytes(value.begin(), value.end()));
  });
  const std::vector<std::pair<uint8_t, Bytes>> expected = {
      {2, {'r'}}, {1, {'a', 'b'}}, {1, {'c'}}};  // the truncated 7 is not visited
  EXPECT_EQ(seen, expected);
  // A repeated sub-option: the first one counts.
  EXPECT_EQ(as_bytes(relay_sub_option(packet, relay::kCircuitId)), (Bytes{'a', 'b'}));
}

TEST(RelayAgentTest, LinkSelectionThenOption118) {
  Packet packet = with_relay_info({5, 4, 198, 18, 4, 0});
  packet.set(opt::kSubnetSelection, Bytes{198, 18, 3, 0});
  EXPECT_EQ(selected_link_address(packet, true), parse_ip4("198.18.4.0"));
  EXPECT_EQ(selected_link_address(packet, false), parse_ip4("198.18.3.0"));
  packet.remove(opt::kRelayAgentInfo);
  EXPECT_EQ(selected_link_address(packet, true), parse_ip4("198.18.3.0"));
}

TEST(RelayAgentTest, OnlyFourByteAddressesCount) {
  Packet packet = with_relay_info({5, 3, 198, 18, 4});
  EXPECT_FALSE(selected_link_address(packet, true));
  packet.set(opt::kSubnetSelection, Bytes{198, 18, 3, 0, 0});
  EXPECT_FALSE(selected_link_address(packet, true));
  packet.set(opt::kSubnetSelection, Bytes{198, 18, 3, 0});
  EXPECT_EQ(selected_link_address(packet, true), parse_ip4("198.18.3.0"));
}

}  // namespace
}  // namespace bs::wire
