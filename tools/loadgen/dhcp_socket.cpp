// UDP socket for bs-load: client mode (0.0.0.0:68, broadcast to port 67) or
// relay mode (relay:67, unicast to the server's port 67), batched I/O. See
// dhcp_socket.h.
#include "dhcp_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "wire/packet.h"

namespace bs::load {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

sockaddr_in socket_address(Ip4 address, uint16_t port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  out.sin_addr.s_addr = htonl(address.value);
  return out;
}

}  // namespace

tl::expected<DhcpSocket, std::string> DhcpSocket::open(const SocketOptions& options) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return tl::unexpected(errno_text("socket"));
  const bool relay = options.relay_address.has_value();
  DhcpSocket sock(fd, relay ? options.server_address : Ip4{INADDR_BROADCAST});
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
    return tl::unexpected(errno_text("setsockopt"));
  }
  // A large buffer, so that a burst of replies is not dropped by the kernel
  // while the generator is busy sending. The FORCE variants pass the sysctl
  // limits when run as root; the plain ones are the fallback otherwise.
  const int size = options.buffer_bytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (options.timestamps && (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0 ||
                             setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on) != 0)) {
    return tl::unexpected(errno_text("SO_TIMESTAMPNS/SO_RXQ_OVFL"));
  }
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.interface_name.c_str(),
                 static_cast<socklen_t>(options.interface_name.size())) != 0) {
    return tl::unexpected(errno_text(("SO_BINDTODEVICE " + options.interface_name).c_str()));
  }
  const sockaddr_in local = relay ? socket_address(*options.relay_address, wire::kServerPort)
                                  : socket_address(Ip4{INADDR_ANY}, wire::kClientPort);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    return tl::unexpected(errno_text(relay ? "bind RELAY:67" : "bind 0.0.0.0:68"));
  }
  return sock;
}

DhcpSocket::DhcpSocket(DhcpSocket&& other) noexcept
    : fd_(other.fd_),
      destination_(other.destination_),
      outbox_(std::move(other.outbox_)),
      buffers_(std::move(other.buffers_)),
      controls_(std::move(other.controls_)),
      send_errors_(other.send_errors_),
      overflow_drops_(other.overflow_drops_) {
  other.fd_ = -1;
}

DhcpSocket::~DhcpSocket() {
  if (fd_ >= 0) close(fd_);
}

int DhcpSocket::receive_buffer_bytes() const {
  int size = 0;
  socklen_t length = sizeof size;
  if (getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, &length) != 0) return 0;
  return size;
}

void DhcpSocket::flush() {
  sockaddr_in server = socket_address(destination_, wire::kServerPort);
  size_t sent = 0;
  while (sent < outbox_.size()) {
    const size_t count = std::min(kBatchSize, outbox_.size() - sent);
    std::array<iovec, kBatchSize> iovs{};
    std::array<mmsghdr, kBatchSize> messages{};
    for (size_t i = 0; i < count; ++i) {
      iovs[i] = {outbox_[sent + i].data(), outbox_[sent + i].size()};
      messages[i].msg_hdr.msg_name = &server;
      messages[i].msg_hdr.msg_namelen = sizeof server;
      messages[i].msg_hdr.msg_iov = &iovs[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = sendmmsg(fd_, messages.data(), static_cast<unsigned>(count), 0);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
        ++send_errors_;
        ++sent;  // an unsendable datagram is dropped; the client retransmits
        continue;
      }
      break;  // the kernel is full: keep the rest for the next flush
    }
    sent += static_cast<size_t>(n);
  }
  outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<std::ptrdiff_t>(sent));
}

void DhcpSocket::receive(std::vector<Bytes>& out, int timeout_ms) {
  pollfd waiting{fd_, POLLIN, 0};
  if (poll(&waiting, 1, timeout_ms) <= 0) return;
  while (true) {
    const std::span<const Received> batch = receive_batch();
    for (const Received& datagram : batch)
      out.emplace_back(datagram.bytes.begin(), datagram.bytes.end());
    if (batch.size() < kBatchSize) return;
  }
}

std::span<const Received> DhcpSocket::receive_batch() {
  std::array<iovec, kBatchSize> iovs{};
  std::array<mmsghdr, kBatchSize> messages{};
  for (size_t i = 0; i < kBatchSize; ++i) {
    iovs[i] = {buffers_[i].data(), buffers_[i].size()};
    messages[i].msg_hdr.msg_iov = &iovs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    messages[i].msg_hdr.msg_control = controls_[i].data();
    messages[i].msg_hdr.msg_controllen = controls_[i].size();
  }
  const int n = recvmmsg(fd_, messages.data(), kBatchSize, MSG_DONTWAIT, nullptr);
  if (n <= 0) return {};
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    msghdr& header = messages[i].msg_hdr;
    Received& out = received_[i];
    out.bytes = {buffers_[i].data(), messages[i].msg_len};
    out.kernel_time_ns = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec at{};
        std::memcpy(&at, CMSG_DATA(c), sizeof at);
        out.kernel_time_ns = int64_t{at.tv_sec} * 1'000'000'000 + at.tv_nsec;
      } else if (c->cmsg_type == SO_RXQ_OVFL) {
        uint32_t dropped = 0;
        std::memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
        overflow_drops_ = dropped;
      }
    }
  }
  return {received_.data(), static_cast<size_t>(n)};
}

}  // namespace bs::load
