// The bytes of conflict probes and their answers: ARP (RFC 826) and ICMP
// echo (RFC 792). Pure, so every length and field check is unit tested
// without a socket; the frames come from the network and are untrusted.
#include <cstring>

#include "common/byte_order.h"
#include "io/ip_udp.h"
#include "io/prober.h"

namespace bs::io {
namespace {

constexpr uint16_t kArpHardwareEthernet = 1;
constexpr uint16_t kArpProtocolIpv4 = 0x0800;
constexpr uint16_t kArpRequest = 1;
constexpr uint8_t kIcmpEchoReply = 0;
constexpr uint8_t kIcmpEchoRequest = 8;
constexpr uint8_t kIpProtocolIcmp = 1;

}  // namespace

std::array<uint8_t, kArpPacketSize> build_arp_request(const MacAddress& sender_mac, Ip4 sender_ip,
                                                      Ip4 target) {
  std::array<uint8_t, kArpPacketSize> packet{};
  store_be16(&packet[0], kArpHardwareEthernet);
  store_be16(&packet[2], kArpProtocolIpv4);
  packet[4] = 6;  // hardware address length
  packet[5] = 4;  // protocol address length
  store_be16(&packet[6], kArpRequest);
  std::memcpy(&packet[8], sender_mac.data(), sender_mac.size());
  store_be32(&packet[14], sender_ip.value);
  // Target hardware address (18..23) stays zero: that is what we ask for.
  store_be32(&packet[24], target.value);
  return packet;
}

std::optional<ProbeAnswer> parse_arp_sender(std::span<const uint8_t> packet) {
  if (packet.size() < kArpPacketSize) return std::nullopt;
  if (load_be16(packet, 0) != kArpHardwareEthernet || load_be16(packet, 2) != kArpProtocolIpv4 ||
      packet[4] != 6 || packet[5] != 4) {
    return std::nullopt;
  }
  const Ip4 sender{load_be32(packet, 14)};
  // RFC 5227 probes come from 0.0.0.0: a device asking, not claiming.
  if (sender.is_zero()) return std::nullopt;
  ProbeAnswer answer{sender, MacAddress{}};
  std::memcpy(answer.mac->data(), &packet[8], answer.mac->size());
  return answer;
}

std::array<uint8_t, kIcmpEchoSize> build_icmp_echo(uint16_t identifier, uint16_t sequence) {
  std::array<uint8_t, kIcmpEchoSize> packet{};
  packet[0] = kIcmpEchoRequest;
  store_be16(&packet[4], identifier);
  store_be16(&packet[6], sequence);
  // Payload: a fixed marker, so a capture shows who sent the echo.
  std::memcpy(&packet[8], "bs-probe", 8);
  store_be16(&packet[2], checksum_finish(checksum_accumulate(packet)));
  return packet;
}

std::optional<ProbeAnswer> parse_icmp_echo_reply(std::span<const uint8_t> datagram,
                                                 uint16_t identifier) {
  if (datagram.size() < kIpv4HeaderSize) return std::nullopt;
  if ((datagram[0] >> 4) != 4) return std::nullopt;
  const size_t header_bytes = static_cast<size_t>(datagram[0] & 0x0f) * 4;
  if (header_bytes < kIpv4HeaderSize || datagram.size() < header_bytes + 8) return std::nullopt;
  if (datagram[9] != kIpProtocolIcmp) return std::nullopt;
  const auto icmp = datagram.subspan(header_bytes);
  if (icmp[0] != kIcmpEchoReply || icmp[1] != 0) return std::nullopt;
  if (load_be16(icmp, 4) != identifier) return std::nullopt;
  return ProbeAnswer{Ip4{load_be32(datagram, 12)}, std::nullopt};
}

}  // namespace bs::io
