// The Linux transport. Each configured interface gets its own UDP socket
// bound to 0.0.0.0:67 and to the device, so the interface a query came from
// is known and broadcasts leave through the right link. Replies to clients
// without an address go out of one AF_PACKET socket with hand-built headers
// (see ip_udp.h), addressed to the client's MAC, because the IP stack would
// ARP for an address the client does not hold yet. Sockets are non-blocking
// and batched with recvmmsg/sendmmsg; errors are counted, never thrown.
#include <fmt/format.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/unique_fd.h"
#include "io/interfaces.h"
#include "io/ip_udp.h"
#include "io/socket_address.h"
#include "io/transport.h"

namespace bs::io {
namespace {

constexpr size_t kBatchSize = 64;
// Ethernet DHCP traffic fits in 1500 bytes; the slack covers jumbo-frame
// links without making every slot 64 KiB.
constexpr size_t kRxBufferSize = 9216;
constexpr Ip4 kLimitedBroadcast{0xffffffffu};

struct alignas(cmsghdr) ControlBuffer {
  uint8_t bytes[CMSG_SPACE(sizeof(in_pktinfo))];
};

IoError errno_error(const char* what, const std::string& name) {
  return IoError{fmt::format("{} on interface '{}': {}", what, name, std::strerror(errno))};
}

bool enable(int fd, int level, int option) {
  const int on = 1;
  return setsockopt(fd, level, option, &on, sizeof(on)) == 0;
}

tl::expected<UniqueFd, IoError> open_udp_socket(const InterfaceInfo& info, uint16_t port) {
  UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return tl::unexpected(errno_error("socket(AF_INET)", info.name));
  if (!enable(fd.get(), SOL_SOCKET, SO_REUSEADDR) || !enable(fd.get(), SOL_SOCKET, SO_BROADCAST) ||
      !enable(fd.get(), IPPROTO_IP, IP_PKTINFO)) {
    return tl::unexpected(errno_error("setsockopt", info.name));
  }
  // Bound to the device, several sockets can share 0.0.0.0:67, and each
  // receives only its own link's traffic, broadcasts included.
  if (setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, info.name.c_str(),
                 static_cast<socklen_t>(info.name.size())) != 0) {
    return tl::unexpected(errno_error("SO_BINDTODEVICE", info.name));
  }
  // A boot storm arrives while the pipeline waits for an fsync; the socket
  // buffer is the queue in front of it. FORCE lifts rmem_max as root; the
  // plain call is the fallback without CAP_NET_ADMIN.
  const int receive_buffer_bytes = kReceiveBufferBytes;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer_bytes,
                 sizeof(receive_buffer_bytes)) != 0) {
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes,
               sizeof(receive_buffer_bytes));
  }
  const sockaddr_in any = socket_address(Ip4{}, port);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), sizeof(any)) != 0) {
    return tl::unexpected(IoError{fmt::format("bind 0.0.0.0:{} on interface '{}': {}", port,
                                              info.name, std::strerror(errno))});
  }
  return fd;
}

// Preallocated recvmmsg state: one slot per message of a batch.
struct RxSlots {
  std::array<mmsghdr, kBatchSize> headers{};
  std::array<iovec, kBatchSize> vectors{};
  std::array<sockaddr_in, kBatchSize> peers{};
  std::array<ControlBuffer, kBatchSize> controls{};
  std::vector<uint8_t> buffers = std::vector<uint8_t>(kBatchSize * kRxBufferSize);

  // recvmmsg overwrites the lengths, so they are reset before every call.
  void prepare(size_t count) {
    for (size_t i = 0; i < count; ++i) {
      vectors[i] = iovec{buffers.data() + i * kRxBufferSize, kRxBufferSize};
      msghdr& header = headers[i].msg_hdr;
      header = msghdr{};
      header.msg_name = &peers[i];
      header.msg_namelen = sizeof(sockaddr_in);
      header.msg_iov = &vectors[i];
      header.msg_iovlen = 1;
      header.msg_control = controls[i].bytes;
      header.msg_controllen = sizeof(controls[i].bytes);
      headers[i].msg_len = 0;
    }
  }
};

int arrival_ifindex(msghdr& header, int fallback) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      return info.ipi_ifindex;
    }
  }
  return fallback;
}

// One message staged for sendmmsg; `frame` holds a hand-built datagram.
struct TxSlot {
  union {
    sockaddr_in in;
    sockaddr_ll link;
  } address{};
  iovec vector{};
  ControlBuffer control{};
  Bytes frame;
};

class LinuxTransport final : public Transport {
 public:
  LinuxTransport(uint16_t server_port, UniqueFd packet_fd, UniqueFd epoll_fd)
      : server_port_(server_port),
        packet_fd_(std::move(packet_fd)),
        epoll_fd_(std::move(epoll_fd)) {}

  tl::expected<void, IoError> add_link(const InterfaceInfo& info, UniqueFd udp_fd);
  size_t receive(std::vector<RxPacket>& out, size_t max_count, int timeout_ms) override;
  void send(std::span<const TxPacket> packets) override;
  const std::vector<InterfaceInfo>& interfaces() const override { return infos_; }
  TransportCounters counters() const override { return counters_; }
  bool watch(int fd) override;

 private:
  size_t drain(size_t link, std::vector<RxPacket>& out, size_t limit);
  void collect(size_t link, size_t count, std::vector<RxPacket>& out);
  void stage(const TxPacket& packet, size_t link);
  void stage_udp(const TxPacket& packet, size_t link, Ip4 destination, bool broadcast);
  void stage_link_unicast(const TxPacket& packet, size_t link);
  TxSlot& next_slot(int fd);
  void flush();
  void fail(int error_number, uint64_t& counter);
  const InterfaceInfo* find(int ifindex, size_t& link) const;

  uint16_t server_port_;
  UniqueFd packet_fd_;
  UniqueFd epoll_fd_;
  std::vector<InterfaceInfo> infos_;
  std::vector<UniqueFd> udp_fds_;  // parallel to infos_
  TransportCounters counters_;
  RxSlots rx_;
  std::vector<epoll_event> ready_;  // kept to spare an allocation per receive
  std::array<TxSlot, kBatchSize> tx_slots_{};
  std::array<mmsghdr, kBatchSize> tx_headers_{};
  size_t tx_count_ = 0;
  int tx_fd_ = -1;
  uint16_t next_ip_id_ = 1;
  size_t watched_ = 0;  // foreign descriptors in the epoll set (watch)
};

// Marks a watched descriptor's epoll event apart from the links' indexes.
constexpr uint64_t kWatchedFd = UINT64_MAX;

bool LinuxTransport::watch(int fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWatchedFd;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) != 0) return false;
  ++watched_;
  return true;
}

tl::expected<void, IoError> LinuxTransport::add_link(const InterfaceInfo& info, UniqueFd udp_fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = infos_.size();
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, udp_fd.get(), &event) != 0) {
    return tl::unexpected(errno_error("epoll_ctl", info.name));
  }
  int granted = 0;
  socklen_t length = sizeof(granted);
  if (getsockopt(udp_fd.get(), SOL_SOCKET, SO_RCVBUF, &granted, &length) == 0 && granted > 0 &&
      (counters_.receive_buffer_bytes == 0 || granted < counters_.receive_buffer_bytes)) {
    counters_.receive_buffer_bytes = granted;
  }
  infos_.push_back(info);
  udp_fds_.push_back(std::move(udp_fd));
  return {};
}

void LinuxTransport::fail(int error_number, uint64_t& counter) {
  ++counter;
  counters_.last_errno = error_number;
}

size_t LinuxTransport::receive(std::vector<RxPacket>& out, size_t max_count, int timeout_ms) {
  if (max_count == 0 || infos_.empty()) return 0;
  ready_.resize(infos_.size() + watched_);
  const int ready =
      epoll_wait(epoll_fd_.get(), ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
  if (ready < 0 && errno != EINTR) fail(errno, counters_.receive_errors);
  size_t appended = 0;
  for (int i = 0; i < ready && appended < max_count; ++i) {
    const uint64_t link = ready_[static_cast<size_t>(i)].data.u64;
    if (link == kWatchedFd) continue;  // its owner reads it; the wait just ends
    appended += drain(static_cast<size_t>(link), out, max_count - appended);
  }
  return appended;
}

// Reads until the socket is empty or `limit` packets were appended.
size_t LinuxTransport::drain(size_t link, std::vector<RxPacket>& out, size_t limit) {
  const size_t before = out.size();
  while (out.size() - before < limit) {
    const size_t want = std::min(limit - (out.size() - before), kBatchSize);
    rx_.prepare(want);
    const int got = recvmmsg(udp_fds_[link].get(), rx_.headers.data(), static_cast<unsigned>(want),
                             MSG_DONTWAIT, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fail(errno, counters_.receive_errors);
      break;
    }
    collect(link, static_cast<size_t>(got), out);
    if (static_cast<size_t>(got) < want) break;
  }
  return out.size() - before;
}

void LinuxTransport::collect(size_t link, size_t count, std::vector<RxPacket>& out) {
  for (size_t i = 0; i < count; ++i) {
    msghdr& header = rx_.headers[i].msg_hdr;
    if ((header.msg_flags & MSG_TRUNC) != 0) {
      ++counters_.receive_truncated;
      continue;
    }
    const uint8_t* data = rx_.buffers.data() + i * kRxBufferSize;
    RxPacket packet;
    packet.payload.assign(data, data + rx_.headers[i].msg_len);
    packet.ifindex = arrival_ifindex(header, infos_[link].ifindex);
    packet.source = Ip4{ntohl(rx_.peers[i].sin_addr.s_addr)};
    packet.source_port = ntohs(rx_.peers[i].sin_port);
    out.push_back(std::move(packet));
    ++counters_.received;
  }
}

const InterfaceInfo* LinuxTransport::find(int ifindex, size_t& link) const {
  for (link = 0; link < infos_.size(); ++link) {
    if (infos_[link].ifindex == ifindex) return &infos_[link];
  }
  return nullptr;
}

void LinuxTransport::send(std::span<const TxPacket> packets) {
  for (const TxPacket& packet : packets) {
    size_t link = 0;
    if (find(packet.ifindex, link) == nullptr) {
      fail(ENODEV, counters_.send_errors);
      continue;
    }
    stage(packet, link);
  }
  flush();
}

void LinuxTransport::stage(const TxPacket& packet, size_t link) {
  switch (packet.delivery) {
    case Delivery::UdpUnicast:
      if (packet.destination.is_zero()) {
        fail(EDESTADDRREQ, counters_.send_errors);
        return;
      }
      stage_udp(packet, link, packet.destination, false);
      return;
    case Delivery::Broadcast:
      stage_udp(packet, link, kLimitedBroadcast, true);
      return;
    case Delivery::LinkUnicast:
      stage_link_unicast(packet, link);
      return;
  }
  fail(EINVAL, counters_.send_errors);
}

// Starts a new sendmmsg batch when the target socket changes or the batch is
// full, so consecutive replies through one socket leave in one system call.
TxSlot& LinuxTransport::next_slot(int fd) {
  if (tx_count_ == kBatchSize || (tx_count_ > 0 && tx_fd_ != fd)) flush();
  tx_fd_ = fd;
  tx_headers_[tx_count_] = mmsghdr{};
  return tx_slots_[tx_count_++];
}

void LinuxTransport::stage_udp(const TxPacket& packet, size_t link, Ip4 destination,
                               bool broadcast) {
  TxSlot& slot = next_slot(udp_fds_[link].get());
  msghdr& header = tx_headers_[tx_count_ - 1].msg_hdr;
  slot.address.in = socket_address(destination, packet.destination_port);
  slot.vector = iovec{const_cast<uint8_t*>(packet.payload.data()), packet.payload.size()};
  header.msg_name = &slot.address.in;
  header.msg_namelen = sizeof(sockaddr_in);
  header.msg_iov = &slot.vector;
  header.msg_iovlen = 1;
  // IP_PKTINFO picks the source address, which matters when the server
  // answers from a secondary address ("eth0/198.18.0.9").
  header.msg_control = slot.control.bytes;
  header.msg_controllen = sizeof(slot.control.bytes);
  cmsghdr* control = CMSG_FIRSTHDR(&header);
  control->cmsg_level = IPPROTO_IP;
  control->cmsg_type = IP_PKTINFO;
  control->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_ifindex = broadcast ? infos_[link].ifindex : 0;
  const Ip4 source = packet.source.is_zero() ? infos_[link].address : packet.source;
  info.ipi_spec_dst.s_addr = htonl(source.value);
  std::memcpy(CMSG_DATA(control), &info, sizeof(info));
}

void LinuxTransport::stage_link_unicast(const TxPacket& packet, size_t link) {
  const HwAddr& hw = packet.destination_hw;
  if (hw.htype != 1 || hw.length != 6 || packet.destination.is_zero()) {
    // Not an Ethernet address we can write into a frame: broadcast still
    // reaches the client, just less politely.
    ++counters_.link_unicast_fallbacks;
    stage_udp(packet, link, kLimitedBroadcast, true);
    return;
  }
  const Ip4 source = packet.source.is_zero() ? infos_[link].address : packet.source;
  Bytes frame = build_ipv4_udp({source, server_port_, packet.destination, packet.destination_port},
                               packet.payload, next_ip_id_++);
  if (frame.empty()) {
    fail(EMSGSIZE, counters_.send_errors);
    return;
  }
  TxSlot& slot = next_slot(packet_fd_.get());
  msghdr& header = tx_headers_[tx_count_ - 1].msg_hdr;
  slot.frame = std::move(frame);
  slot.address.link = sockaddr_ll{};
  slot.address.link.sll_family = AF_PACKET;
  slot.address.link.sll_protocol = htons(ETH_P_IP);
  slot.address.link.sll_ifindex = infos_[link].ifindex;
  slot.address.link.sll_halen = 6;
  std::copy_n(hw.bytes.begin(), 6, slot.address.link.sll_addr);
  slot.vector = iovec{slot.frame.data(), slot.frame.size()};
  header.msg_name = &slot.address.link;
  header.msg_namelen = sizeof(sockaddr_ll);
  header.msg_iov = &slot.vector;
  header.msg_iovlen = 1;
}

// A failed message is counted and skipped; the rest of the batch still goes.
void LinuxTransport::flush() {
  size_t offset = 0;
  while (offset < tx_count_) {
    const int sent = sendmmsg(tx_fd_, tx_headers_.data() + offset,
                              static_cast<unsigned>(tx_count_ - offset), MSG_DONTWAIT);
    if (sent > 0) {
      counters_.sent += static_cast<uint64_t>(sent);
      offset += static_cast<size_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    fail(sent < 0 ? errno : EIO, counters_.send_errors);
    ++offset;
  }
  tx_count_ = 0;
}

tl::expected<std::unique_ptr<LinuxTransport>, IoError> make_transport(uint16_t server_port) {
  // Protocol 0: this socket only sends, so it never copies received traffic.
  UniqueFd packet_fd(socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!packet_fd.valid()) {
    return tl::unexpected(IoError{fmt::format(
        "AF_PACKET socket: {} (needs CAP_NET_RAW, e.g. run as root)", std::strerror(errno))});
  }
  UniqueFd epoll_fd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd.valid()) {
    return tl::unexpected(IoError{fmt::format("epoll_create1: {}", std::strerror(errno))});
  }
  return std::make_unique<LinuxTransport>(server_port, std::move(packet_fd), std::move(epoll_fd));
}

}  // namespace

tl::expected<std::unique_ptr<Transport>, IoError> open_linux_transport(
    const std::vector<std::string>& interface_names, uint16_t server_port) {
  auto infos = resolve_interfaces(interface_names);
  if (!infos) return tl::unexpected(infos.error());
  auto transport = make_transport(server_port);
  if (!transport) return tl::unexpected(transport.error());
  for (const InterfaceInfo& info : *infos) {
    auto fd = open_udp_socket(info, server_port);
    if (!fd) return tl::unexpected(fd.error());
    auto added = (*transport)->add_link(info, std::move(*fd));
    if (!added) return tl::unexpected(added.error());
  }
  return std::unique_ptr<Transport>(std::move(*transport));
}

}  // namespace bs::io
