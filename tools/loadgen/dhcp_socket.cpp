// UDP client socket for bs-load: bound to 0.0.0.0:68 on one interface,
// broadcast to port 67, batched I/O. See dhcp_socket.h.
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

#include "wire/packet.h"

namespace bs::load {

namespace {

// Large enough that a burst of replies to a full window is not dropped by
// the kernel while the generator is busy sending.
constexpr int kSocketBuffer_bytes = 8 << 20;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

tl::expected<DhcpSocket, std::string> DhcpSocket::open(const std::string& interface_name) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return tl::unexpected(errno_text("socket"));
  DhcpSocket sock(fd);
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
    return tl::unexpected(errno_text("setsockopt"));
  }
  // The FORCE variants pass the sysctl limits when run as root; the plain
  // ones are the fallback otherwise.
  const int size = kSocketBuffer_bytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface_name.c_str(),
                 static_cast<socklen_t>(interface_name.size())) != 0) {
    return tl::unexpected(errno_text(("SO_BINDTODEVICE " + interface_name).c_str()));
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(wire::kClientPort);
  local.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    return tl::unexpected(errno_text("bind 0.0.0.0:68"));
  }
  return sock;
}

DhcpSocket::DhcpSocket(DhcpSocket&& other) noexcept
    : fd_(other.fd_),
      outbox_(std::move(other.outbox_)),
      buffers_(std::move(other.buffers_)),
      send_errors_(other.send_errors_) {
  other.fd_ = -1;
}

DhcpSocket::~DhcpSocket() {
  if (fd_ >= 0) close(fd_);
}

void DhcpSocket::flush() {
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(wire::kServerPort);
  server.sin_addr.s_addr = htonl(INADDR_BROADCAST);
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
  std::array<iovec, kBatchSize> iovs{};
  std::array<mmsghdr, kBatchSize> messages{};
  while (true) {
    for (size_t i = 0; i < kBatchSize; ++i) {
      iovs[i] = {buffers_[i].data(), buffers_[i].size()};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &iovs[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = recvmmsg(fd_, messages.data(), kBatchSize, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      const Buffer& buffer = buffers_[static_cast<size_t>(i)];
      out.emplace_back(buffer.begin(), buffer.begin() + messages[static_cast<size_t>(i)].msg_len);
    }
    if (static_cast<size_t>(n) < kBatchSize) return;
  }
}

}  // namespace bs::load
