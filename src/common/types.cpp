// Formatting and parsing for the shared value types.
#include "common/types.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace bs {

std::string to_string(Ip4 address) {
  const uint32_t v = address.value;
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff) + "." +
         std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

std::optional<Ip4> parse_ip4(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  char buffer[16] = {};
  std::copy(text.begin(), text.end(), buffer);
  in_addr parsed{};
  if (inet_pton(AF_INET, buffer, &parsed) != 1) return std::nullopt;
  return Ip4{ntohl(parsed.s_addr)};
}

uint32_t prefix_mask(int prefix_len) {
  if (prefix_len <= 0) return 0;
  if (prefix_len >= 32) return 0xffffffffu;
  return ~((1u << (32 - prefix_len)) - 1u);
}

bool HwAddr::operator==(const HwAddr& other) const {
  return htype == other.htype && length == other.length &&
         std::equal(bytes.begin(), bytes.begin() + length, other.bytes.begin());
}

std::string to_hex_colon(std::span<const uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out.push_back(':');
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0xf]);
  }
  return out;
}

std::string to_string(const HwAddr& hw) { return to_hex_colon(hw.view()); }

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> parse_hex(std::string_view text) {
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  Bytes out;
  std::string digits;
  // Separators split bytes, so "1:2:3" means 01 02 03 as Kea reads it.
  auto flush_group = [&](std::string& group) -> bool {
    if (group.empty()) return true;
    if (group.size() % 2 == 1) group.insert(group.begin(), '0');
    for (size_t i = 0; i < group.size(); i += 2) {
      out.push_back(static_cast<uint8_t>(hex_value(group[i]) * 16 + hex_value(group[i + 1])));
    }
    group.clear();
    return true;
  };
  bool saw_separator = false;
  for (char c : text) {
    if (c == ':' || c == '-' || c == ' ') {
      if (digits.empty()) return std::nullopt;
      if (digits.size() > 2) return std::nullopt;
      saw_separator = true;
      flush_group(digits);
      continue;
    }
    if (hex_value(c) < 0) return std::nullopt;
    digits.push_back(c);
  }
  if (saw_separator && (digits.empty() || digits.size() > 2)) return std::nullopt;
  flush_group(digits);
  return out;
}

HwAddr make_hwaddr(std::span<const uint8_t> bytes, uint8_t htype) {
  HwAddr hw;
  hw.htype = htype;
  hw.length = static_cast<uint8_t>(std::min<size_t>(bytes.size(), hw.bytes.size()));
  std::copy_n(bytes.begin(), hw.length, hw.bytes.begin());
  return hw;
}

std::optional<HwAddr> parse_hwaddr(std::string_view text) {
  auto bytes = parse_hex(text);
  if (!bytes || bytes->empty() || bytes->size() > 16) return std::nullopt;
  return make_hwaddr(*bytes);
}

}  // namespace bs
