// Writes the IPv4 and UDP headers for replies that bypass the kernel's IP
// stack. A client that has no address yet cannot be reached through a UDP
// socket without an ARP exchange it would never answer, so those replies go
// out of an AF_PACKET socket and the headers and checksums are built here.
// Pure functions, so they are tested without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/types.h"

namespace bs::io {

inline constexpr size_t kIpv4HeaderSize = 20;
inline constexpr size_t kUdpHeaderSize = 8;
inline constexpr uint8_t kDefaultTtl = 64;
// The largest payload whose datagram length still fits the 16-bit IPv4 field.
inline constexpr size_t kMaxUdpPayloadSize = 65535 - kIpv4HeaderSize - kUdpHeaderSize;

// Adds `bytes` as big-endian 16-bit words (an odd last byte is padded with
// zero) to a running RFC 1071 sum; chain calls to cover a pseudo-header.
uint32_t checksum_accumulate(std::span<const uint8_t> bytes, uint32_t sum = 0);
// Folds the carries and inverts: the value stored in a checksum field.
uint16_t checksum_finish(uint32_t sum);

struct UdpEndpoints {
  Ip4 source;
  uint16_t source_port = 0;
  Ip4 destination;
  uint16_t destination_port = 0;
};

// An IPv4 header without options (TTL 64, no fragmentation flags), a UDP
// header and the payload, both checksums filled in. Empty if the payload is
// larger than kMaxUdpPayloadSize.
Bytes build_ipv4_udp(const UdpEndpoints& ends, std::span<const uint8_t> payload, uint16_t ip_id);

}  // namespace bs::io
