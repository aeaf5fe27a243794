// Small value types shared by every module: IPv4 addresses, hardware
// addresses and byte strings. Pure values, no I/O; all integers are host order.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bs {

using Bytes = std::vector<uint8_t>;

// An IPv4 address in host byte order. 0 means "unset" in DHCP fields.
struct Ip4 {
  uint32_t value = 0;
  constexpr auto operator<=>(const Ip4&) const = default;  // NOLINT(modernize-use-nullptr)
  constexpr bool is_zero() const { return value == 0; }
};

std::string to_string(Ip4 address);
std::optional<Ip4> parse_ip4(std::string_view text);
// Network mask with `prefix_len` leading ones; prefix_len must be 0..32.
uint32_t prefix_mask(int prefix_len);

// A link-layer address as carried in chaddr: hardware type plus up to 16 bytes.
struct HwAddr {
  uint8_t htype = 1;  // 1 = Ethernet (RFC 1700)
  uint8_t length = 0;
  std::array<uint8_t, 16> bytes{};

  std::span<const uint8_t> view() const { return {bytes.data(), length}; }
  bool empty() const { return length == 0; }
  bool operator==(const HwAddr& other) const;
};

// "aa:bb:cc:dd:ee:ff"; the htype is not printed.
std::string to_string(const HwAddr& hw);
// Accepts "aa:bb:..", "aa-bb-..", or plain hex; 1..16 bytes.
std::optional<HwAddr> parse_hwaddr(std::string_view text);
HwAddr make_hwaddr(std::span<const uint8_t> bytes, uint8_t htype = 1);

// Lower-case hex with ':' between bytes ("01:aa:bb"), the way Kea prints ids.
std::string to_hex_colon(std::span<const uint8_t> bytes);
// Parses hex with optional ':' / '-' / ' ' separators or a leading "0x".
std::optional<Bytes> parse_hex(std::string_view text);

}  // namespace bs

template <>
struct std::hash<bs::Ip4> {
  size_t operator()(bs::Ip4 address) const noexcept { return std::hash<uint32_t>{}(address.value); }
};
