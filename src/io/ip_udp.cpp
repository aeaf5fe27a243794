// IPv4 + UDP header construction for AF_PACKET sends (see ip_udp.h). Fields
// are written byte by byte in network order so the code needs no packed
// structs and no assumptions about host endianness.
#include "io/ip_udp.h"

#include <algorithm>

#include "common/byte_order.h"

namespace bs::io {
namespace {

constexpr uint8_t kProtocolUdp = 17;

void write_ipv4_header(uint8_t* at, const UdpEndpoints& ends, uint16_t total_size, uint16_t ip_id) {
  at[0] = 0x45;  // version 4, header length 5 words
  at[1] = 0;     // DSCP/ECN
  store_be16(at + 2, total_size);
  store_be16(at + 4, ip_id);
  store_be16(at + 6, 0);  // flags and fragment offset: a DHCP reply is never split here
  at[8] = kDefaultTtl;
  at[9] = kProtocolUdp;
  store_be16(at + 10, 0);
  store_be32(at + 12, ends.source.value);
  store_be32(at + 16, ends.destination.value);
  store_be16(at + 10, checksum_finish(checksum_accumulate({at, kIpv4HeaderSize})));
}

// The UDP checksum covers a pseudo-header with the addresses, protocol and
// length, then the UDP header and payload.
uint16_t udp_checksum(const UdpEndpoints& ends, std::span<const uint8_t> udp_part) {
  uint8_t pseudo[12] = {};
  store_be32(pseudo, ends.source.value);
  store_be32(pseudo + 4, ends.destination.value);
  pseudo[9] = kProtocolUdp;
  store_be16(pseudo + 10, static_cast<uint16_t>(udp_part.size()));
  const uint16_t sum = checksum_finish(checksum_accumulate(udp_part, checksum_accumulate(pseudo)));
  // Zero means "no checksum" in UDP over IPv4, so a computed zero is sent as
  // its ones'-complement twin (RFC 768).
  return sum == 0 ? 0xffff : sum;
}

}  // namespace

uint32_t checksum_accumulate(std::span<const uint8_t> bytes, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    sum += static_cast<uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    // Fold early so the 32-bit sum cannot overflow on a 64 KiB datagram.
    sum = (sum & 0xffff) + (sum >> 16);
  }
  if (i < bytes.size()) sum += static_cast<uint32_t>(bytes[i] << 8);
  return sum;
}

uint16_t checksum_finish(uint32_t sum) {
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

Bytes build_ipv4_udp(const UdpEndpoints& ends, std::span<const uint8_t> payload, uint16_t ip_id) {
  if (payload.size() > kMaxUdpPayloadSize) return {};
  const size_t udp_size = kUdpHeaderSize + payload.size();
  const size_t total_size = kIpv4HeaderSize + udp_size;
  Bytes out(total_size);
  write_ipv4_header(out.data(), ends, static_cast<uint16_t>(total_size), ip_id);
  uint8_t* udp = out.data() + kIpv4HeaderSize;
  store_be16(udp, ends.source_port);
  store_be16(udp + 2, ends.destination_port);
  store_be16(udp + 4, static_cast<uint16_t>(udp_size));
  store_be16(udp + 6, 0);
  std::copy(payload.begin(), payload.end(), udp + kUdpHeaderSize);
  store_be16(udp + 6, udp_checksum(ends, {udp, udp_size}));
  return out;
}

}  // namespace bs::io
