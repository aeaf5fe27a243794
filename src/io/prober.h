// The conflict-probe seam: ask a link whether some device already uses an
// address before the server hands it out. On a directly attached link the
// question is an ARP request, and the answer names the device's MAC, so a
// client answering for its own address is told apart from a stranger. For a
// relayed subnet only an ICMP echo can cross the router, and an answer says
// only that something holds the address. The prober sends and collects; the
// server decides what an answer or a silence means, and when to give up.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"
#include "io/transport.h"

namespace bs::io {

using MacAddress = std::array<uint8_t, 6>;

enum class ProbeMethod : uint8_t {
  Arp,   // who-has on the link `ifindex`
  Icmp,  // echo request routed by the IP stack
};

struct ProbeRequest {
  Ip4 address;
  ProbeMethod method = ProbeMethod::Arp;
  int ifindex = 0;  // Arp only: the link to ask on
};

struct ProbeAnswer {
  Ip4 address;
  std::optional<MacAddress> mac;  // the responder's MAC, ARP only
};

struct ProberCounters {
  uint64_t sent = 0;
  uint64_t send_errors = 0;
  uint64_t answers = 0;
  uint64_t ignored = 0;  // frames that were not an answer to a probe of ours
  int last_errno = 0;
};

class Prober {
 public:
  virtual ~Prober() = default;
  // Sends one probe; false if it could not be sent (counted, never thrown).
  virtual bool send(const ProbeRequest& request) = 0;
  // Appends up to max_count answers that arrived since the last call; never
  // blocks. An address may be reported more than once.
  virtual size_t poll(std::vector<ProbeAnswer>& out, size_t max_count) = 0;
  virtual ProberCounters counters() const { return {}; }
};

// ARP on every Ethernet link of `links`, ICMP through the IP stack. Needs
// CAP_NET_RAW.
tl::expected<std::unique_ptr<Prober>, IoError> open_linux_prober(
    std::span<const InterfaceInfo> links);

// Pure helpers, exposed for tests.
inline constexpr size_t kArpPacketSize = 28;
inline constexpr size_t kIcmpEchoSize = 16;  // header plus 8 bytes of payload

// An Ethernet/IPv4 ARP request asking who has `target`, from `sender_mac`
// and `sender_ip` (without the Ethernet header: AF_PACKET SOCK_DGRAM adds it).
std::array<uint8_t, kArpPacketSize> build_arp_request(const MacAddress& sender_mac, Ip4 sender_ip,
                                                      Ip4 target);
// Any ARP packet whose sender claims an IPv4 address (a reply, or a request
// or announcement from that address) reports it in use by the sender MAC.
// Empty for anything else, including probes with sender 0.0.0.0.
std::optional<ProbeAnswer> parse_arp_sender(std::span<const uint8_t> packet);

// An ICMP echo request (type 8) with the checksum filled in.
std::array<uint8_t, kIcmpEchoSize> build_icmp_echo(uint16_t identifier, uint16_t sequence);
// An IPv4 datagram as a raw ICMP socket delivers it: an echo reply (type 0)
// carrying `identifier` yields the source address.
std::optional<ProbeAnswer> parse_icmp_echo_reply(std::span<const uint8_t> datagram,
                                                 uint16_t identifier);

}  // namespace bs::io
