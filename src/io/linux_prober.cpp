// The Linux conflict prober: one AF_PACKET socket per served link for ARP
// (bound to ETH_P_ARP, so the kernel hands us only ARP frames) and one raw
// ICMP socket for echo probes through relays. Non-blocking throughout: the
// pipeline polls it between batches and never waits on it.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"
#include "io/prober.h"

namespace bs::io {
namespace {

// Room for an ICMP reply's IPv4 header with options plus the echo.
constexpr size_t kReceiveBytes = 128;

struct ArpLink {
  int ifindex = 0;
  MacAddress mac{};
  Ip4 address;
  UniqueFd fd;
};

class LinuxProber final : public Prober {
 public:
  LinuxProber(std::vector<ArpLink> links, UniqueFd icmp_fd)
      : links_(std::move(links)),
        icmp_fd_(std::move(icmp_fd)),
        identifier_(static_cast<uint16_t>(::getpid())) {}

  bool send(const ProbeRequest& request) override {
    const bool sent = request.method == ProbeMethod::Arp ? send_arp(request) : send_icmp(request);
    if (sent) {
      ++counters_.sent;
    } else {
      ++counters_.send_errors;
      counters_.last_errno = errno;
    }
    return sent;
  }

  size_t poll(std::vector<ProbeAnswer>& out, size_t max_count) override {
    size_t found = 0;
    for (ArpLink& link : links_) found += drain(link.fd.get(), true, out, max_count - found);
    if (icmp_fd_.valid()) found += drain(icmp_fd_.get(), false, out, max_count - found);
    return found;
  }

  ProberCounters counters() const override { return counters_; }

 private:
  bool send_arp(const ProbeRequest& request) {
    const ArpLink* link = find(request.ifindex);
    if (link == nullptr) {
      errno = ENODEV;
      return false;
    }
    const auto packet = build_arp_request(link->mac, link->address, request.address);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = link->ifindex;
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);
    return sendto(link->fd.get(), packet.data(), packet.size(), 0,
                  reinterpret_cast<const sockaddr*>(&to), sizeof(to)) == ssize_t(packet.size());
  }

  bool send_icmp(const ProbeRequest& request) {
    if (!icmp_fd_.valid()) {
      errno = EBADF;
      return false;
    }
    const auto packet = build_icmp_echo(identifier_, ++sequence_);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(request.address.value);
    return sendto(icmp_fd_.get(), packet.data(), packet.size(), 0,
                  reinterpret_cast<const sockaddr*>(&to), sizeof(to)) == ssize_t(packet.size());
  }

  // Reads until the socket is empty or max_count answers were found; the
  // number of reads is bounded too, so a flood of other frames cannot hold
  // the pipeline here.
  size_t drain(int fd, bool arp, std::vector<ProbeAnswer>& out, size_t max_count) {
    size_t found = 0;
    std::array<uint8_t, kReceiveBytes> buffer{};
    for (size_t reads = 0; found < max_count && reads < 4 * max_count + 16; ++reads) {
      const ssize_t got = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got < 0) break;
      const std::span<const uint8_t> bytes(buffer.data(), static_cast<size_t>(got));
      auto answer = arp ? parse_arp_sender(bytes) : parse_icmp_echo_reply(bytes, identifier_);
      if (!answer) {
        ++counters_.ignored;
        continue;
      }
      ++counters_.answers;
      out.push_back(*answer);
      ++found;
    }
    return found;
  }

  const ArpLink* find(int ifindex) const {
    for (const ArpLink& link : links_) {
      if (link.ifindex == ifindex) return &link;
    }
    return nullptr;
  }

  std::vector<ArpLink> links_;
  UniqueFd icmp_fd_;
  uint16_t identifier_;
  uint16_t sequence_ = 0;
  ProberCounters counters_;
};

// Protocol 0 at socket(), the real one at bind(): a packet socket created
// with a protocol is hooked on every interface at once, and binding it to
// one then unhooks it with a network-wide RCU wait (synchronize_net), which
// cost ~15 ms per link of the start-up (strace; the rogue listener's
// sockets, opened this way, bind in 0.1 ms). Unhooked until bind, it also
// queues no frame from another link meanwhile.
tl::expected<UniqueFd, IoError> open_arp_socket(const InterfaceInfo& link) {
  UniqueFd fd(socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return tl::unexpected(IoError{
        fmt::format("prober: AF_PACKET socket: {} (needs CAP_NET_RAW)", std::strerror(errno))});
  }
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ARP);
  address.sll_ifindex = link.ifindex;
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return tl::unexpected(IoError{
        fmt::format("prober: bind on interface '{}': {}", link.name, std::strerror(errno))});
  }
  return fd;
}

}  // namespace

tl::expected<std::unique_ptr<Prober>, IoError> open_linux_prober(
    std::span<const InterfaceInfo> links) {
  std::vector<ArpLink> arp_links;
  for (const InterfaceInfo& link : links) {
    auto fd = open_arp_socket(link);
    if (!fd) return tl::unexpected(fd.error());
    arp_links.push_back(ArpLink{link.ifindex, link.mac, link.address, std::move(*fd)});
  }
  UniqueFd icmp_fd(socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP));
  if (!icmp_fd.valid()) {
    return tl::unexpected(IoError{
        fmt::format("prober: raw ICMP socket: {} (needs CAP_NET_RAW)", std::strerror(errno))});
  }
  return std::make_unique<LinuxProber>(std::move(arp_links), std::move(icmp_fd));
}

}  // namespace bs::io
