// Network byte order (big-endian) loads and stores for the codecs that read
// and write packets by hand: DHCP, IPv4/UDP, ARP, ICMP. Callers check
// lengths first; these only move bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/types.h"

namespace bs {

inline uint16_t load_be16(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

inline uint32_t load_be32(std::span<const uint8_t> bytes, size_t at) {
  return (uint32_t{load_be16(bytes, at)} << 16) | load_be16(bytes, at + 2);
}

inline void store_be16(uint8_t* at, uint16_t value) {
  at[0] = static_cast<uint8_t>(value >> 8);
  at[1] = static_cast<uint8_t>(value);
}

inline void store_be32(uint8_t* at, uint32_t value) {
  store_be16(at, static_cast<uint16_t>(value >> 16));
  store_be16(at + 2, static_cast<uint16_t>(value));
}

inline void append_be16(Bytes& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

inline void append_be32(Bytes& out, uint32_t value) {
  append_be16(out, static_cast<uint16_t>(value >> 16));
  append_be16(out, static_cast<uint16_t>(value));
}

}  // namespace bs
