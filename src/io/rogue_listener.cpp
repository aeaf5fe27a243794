// The Linux rogue listener: one AF_PACKET socket per served link, filtered
// in the kernel to incoming, untagged, unfragmented IPv4/UDP frames for port
// 68. Frames the host itself sends (our own OFFERs and ACKs) are dropped by
// the filter, so the server never mistakes itself for a stranger. The same
// sockets broadcast the probe query. Errors are counted, never thrown.
#include "io/rogue_listener.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include "common/byte_order.h"
#include "common/unique_fd.h"
#include "io/ip_udp.h"

namespace bs::io {
namespace {

constexpr uint16_t kClientPort = 68;
constexpr uint16_t kServerPort = 67;
constexpr uint8_t kProtocolUdp = 17;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
// Room for jumbo frames; DHCP answers are far smaller.
constexpr size_t kFrameBufferSize = 9216;
constexpr std::array<uint8_t, 6> kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// The kernel filter. Jump offsets count instructions after the jump, so
// every drop jumps to the last instruction. Tagged frames are dropped
// because on a trunk port they belong to a VLAN blackstart does not serve.
constexpr uint32_t kMoreFragmentsAndOffset = 0x3fff;
constexpr uint32_t kAcceptBytes = 0x40000;
const std::array<sock_filter, 15> kClientPortFilter = {{
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 12, 0),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 10),
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),  // EtherType
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kEtherTypeIpv4, 0, 8),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),  // IP protocol
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kProtocolUdp, 0, 6),
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),  // flags and fragment offset
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kMoreFragmentsAndOffset, 4, 0),
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),  // X = IP header length
    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),   // UDP destination port
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kClientPort, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, kAcceptBytes),
    BPF_STMT(BPF_RET | BPF_K, 0),
}};

IoError link_error(const char* what, const InterfaceInfo& link) {
  return IoError{fmt::format("rogue listener: {} on interface '{}': {}", what, link.name,
                             std::strerror(errno))};
}

// Loopback frames carry an all-zero Ethernet header, so the same offsets
// work there (the unit tests use it); anything else has no Ethernet header.
tl::expected<bool, IoError> has_ethernet_header(int fd, const InterfaceInfo& link) {
  ifreq request{};
  if (link.name.size() >= IFNAMSIZ) return false;
  std::copy(link.name.begin(), link.name.end(), request.ifr_name);
  if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
    return tl::unexpected(link_error("SIOCGIFHWADDR", link));
  }
  const auto type = request.ifr_hwaddr.sa_family;
  return type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK;
}

// Protocol 0 until the filter is attached: a socket bound to ETH_P_IP
// before that would queue unfiltered frames. An invalid fd means the link
// has no Ethernet header and is not watched.
tl::expected<UniqueFd, IoError> open_link_socket(const InterfaceInfo& link) {
  UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return tl::unexpected(IoError{fmt::format(
        "rogue listener: AF_PACKET socket: {} (needs CAP_NET_RAW)", std::strerror(errno))});
  }
  auto ethernet = has_ethernet_header(fd.get(), link);
  if (!ethernet) return tl::unexpected(ethernet.error());
  if (!*ethernet) return UniqueFd{};
  const sock_fprog program{static_cast<unsigned short>(kClientPortFilter.size()),
                           const_cast<sock_filter*>(kClientPortFilter.data())};
  if (setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) != 0) {
    return tl::unexpected(link_error("SO_ATTACH_FILTER", link));
  }
  // Spares the kernel cloning every frame we send only for the filter to
  // drop it; older kernels lack the option and the filter still drops them.
  const int on = 1;
  setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof(on));
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_IP);
  address.sll_ifindex = link.ifindex;
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return tl::unexpected(link_error("bind", link));
  }
  return fd;
}

class LinuxRogueListener final : public RogueListener {
 public:
  void add(const InterfaceInfo& info, UniqueFd fd) { links_.push_back({info, std::move(fd)}); }
  size_t poll(std::vector<SniffedFrame>& out, size_t max_count) override;
  bool send_probe(int ifindex, std::span<const uint8_t> payload) override;
  std::vector<int> watched() const override;
  RogueListenerCounters counters() const override { return counters_; }

 private:
  struct Link {
    InterfaceInfo info;
    UniqueFd fd;
  };
  size_t drain(const Link& link, std::vector<SniffedFrame>& out, size_t limit);
  void fail(uint64_t& counter) {
    ++counter;
    counters_.last_errno = errno;
  }

  std::vector<Link> links_;
  Bytes buffer_ = Bytes(kFrameBufferSize);
  RogueListenerCounters counters_;
  size_t first_link_ = 0;  // rotates, so one flooded link cannot starve the rest
  uint16_t next_ip_id_ = 1;
};

size_t LinuxRogueListener::poll(std::vector<SniffedFrame>& out, size_t max_count) {
  size_t appended = 0;
  for (size_t i = 0; i < links_.size() && appended < max_count; ++i) {
    appended += drain(links_[(first_link_ + i) % links_.size()], out, max_count - appended);
  }
  if (!links_.empty()) first_link_ = (first_link_ + 1) % links_.size();
  return appended;
}

size_t LinuxRogueListener::drain(const Link& link, std::vector<SniffedFrame>& out, size_t limit) {
  size_t appended = 0;
  while (appended < limit) {
    sockaddr_ll from{};
    socklen_t from_size = sizeof(from);
    // MSG_TRUNC makes the result the frame's real length, so a truncated
    // frame is recognised instead of parsed short.
    const ssize_t got =
        recvfrom(link.fd.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT | MSG_TRUNC,
                 reinterpret_cast<sockaddr*>(&from), &from_size);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fail(counters_.receive_errors);
      break;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;  // the filter should have said so
    const auto size = static_cast<size_t>(got);
    auto frame = size > buffer_.size()
                     ? std::nullopt
                     : parse_client_port_frame({buffer_.data(), size}, link.info.ifindex);
    if (!frame) {
      ++counters_.frames_malformed;
      continue;
    }
    out.push_back(std::move(*frame));
    ++counters_.frames;
    ++appended;
  }
  return appended;
}

bool LinuxRogueListener::send_probe(int ifindex, std::span<const uint8_t> payload) {
  const auto link = std::find_if(links_.begin(), links_.end(),
                                 [ifindex](const Link& l) { return l.info.ifindex == ifindex; });
  if (link == links_.end()) return false;
  const Bytes frame = build_probe_frame(link->info.mac, payload, next_ip_id_++);
  if (frame.empty()) {
    errno = EMSGSIZE;
    fail(counters_.probe_errors);
    return false;
  }
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_IP);
  to.sll_ifindex = ifindex;
  to.sll_halen = 6;
  std::copy(kBroadcastMac.begin(), kBroadcastMac.end(), to.sll_addr);
  const ssize_t sent = sendto(link->fd.get(), frame.data(), frame.size(), MSG_DONTWAIT,
                              reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  if (sent != static_cast<ssize_t>(frame.size())) {
    fail(counters_.probe_errors);
    return false;
  }
  ++counters_.probes_sent;
  return true;
}

std::vector<int> LinuxRogueListener::watched() const {
  std::vector<int> out;
  for (const Link& link : links_) out.push_back(link.info.ifindex);
  return out;
}

}  // namespace

std::optional<SniffedFrame> parse_client_port_frame(std::span<const uint8_t> frame, int ifindex) {
  if (frame.size() < kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize) return std::nullopt;
  if (load_be16(frame, 12) != kEtherTypeIpv4) return std::nullopt;
  const auto ip = frame.subspan(kEthernetHeaderSize);
  const size_t header_size = static_cast<size_t>(ip[0] & 0x0f) * 4;
  const size_t total_size = load_be16(ip, 2);
  // Ethernet pads short frames, so the IP length, not the frame's, counts.
  if ((ip[0] >> 4) != 4 || header_size < kIpv4HeaderSize || total_size > ip.size() ||
      header_size + kUdpHeaderSize > total_size) {
    return std::nullopt;
  }
  if (ip[9] != kProtocolUdp || (load_be16(ip, 6) & kMoreFragmentsAndOffset) != 0)
    return std::nullopt;
  const auto udp = ip.subspan(header_size, total_size - header_size);
  const size_t udp_size = load_be16(udp, 4);
  if (load_be16(udp, 2) != kClientPort || udp_size < kUdpHeaderSize || udp_size > udp.size()) {
    return std::nullopt;
  }
  SniffedFrame out;
  out.ifindex = ifindex;
  std::copy_n(frame.begin() + 6, 6, out.source_mac.begin());
  out.source = Ip4{load_be32(ip, 12)};
  out.destination = Ip4{load_be32(ip, 16)};
  out.source_port = load_be16(udp, 0);
  out.payload.assign(udp.begin() + kUdpHeaderSize,
                     udp.begin() + static_cast<std::ptrdiff_t>(udp_size));
  return out;
}

Bytes build_probe_frame(const std::array<uint8_t, 6>& source_mac, std::span<const uint8_t> payload,
                        uint16_t ip_id) {
  const Bytes datagram =
      build_ipv4_udp({Ip4{0}, kClientPort, Ip4{0xffffffffu}, kServerPort}, payload, ip_id);
  if (datagram.empty()) return {};
  Bytes frame;
  frame.reserve(kEthernetHeaderSize + datagram.size());
  frame.insert(frame.end(), kBroadcastMac.begin(), kBroadcastMac.end());
  frame.insert(frame.end(), source_mac.begin(), source_mac.end());
  frame.push_back(static_cast<uint8_t>(kEtherTypeIpv4 >> 8));
  frame.push_back(static_cast<uint8_t>(kEtherTypeIpv4 & 0xff));
  frame.insert(frame.end(), datagram.begin(), datagram.end());
  return frame;
}

tl::expected<std::unique_ptr<RogueListener>, IoError> open_linux_rogue_listener(
    std::span<const InterfaceInfo> links) {
  auto listener = std::make_unique<LinuxRogueListener>();
  for (const InterfaceInfo& link : links) {
    auto fd = open_link_socket(link);
    if (!fd) return tl::unexpected(fd.error());
    if (fd->valid()) listener->add(link, std::move(*fd));
  }
  return std::unique_ptr<RogueListener>(std::move(listener));
}

}  // namespace bs::io
