// The partner link over TCP (partner_tcp.h).
#include "server/partner_tcp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/byte_order.h"
#include "io/socket_address.h"

namespace bs::server {
namespace {

constexpr int64_t kReconnectEvery_ms = 1000;
constexpr size_t kMaxBacklogBytes = 2 * kMaxFrameBytes;
constexpr size_t kReadChunk = 65536;

int tcp_socket() { return ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

}  // namespace

tl::expected<std::unique_ptr<PartnerTcpLink>, std::string> PartnerTcpLink::open(
    Ip4 self_address, uint16_t self_port, Ip4 partner_address, uint16_t partner_port,
    const Clock& clock) {
  UniqueFd listener(tcp_socket());
  if (!listener.valid()) return tl::unexpected(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const sockaddr_in sa = io::socket_address(self_address, self_port);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0 ||
      ::listen(listener.get(), 4) != 0) {
    return tl::unexpected("HA partner link: cannot listen on " + to_string(self_address) + ":" +
                          std::to_string(self_port) + ": " + std::strerror(errno));
  }
  sockaddr_in bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &length);
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event event{};
  event.events = EPOLLIN;
  if (!epoll.valid() || ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listener.get(), &event) != 0) {
    return tl::unexpected(std::string("HA partner link: epoll: ") + std::strerror(errno));
  }
  return std::unique_ptr<PartnerTcpLink>(new PartnerTcpLink(std::move(listener), std::move(epoll),
                                                            ntohs(bound.sin_port), partner_address,
                                                            partner_port, clock));
}

PartnerTcpLink::PartnerTcpLink(UniqueFd listener, UniqueFd epoll, uint16_t listening_port,
                               Ip4 partner_address, uint16_t partner_port, const Clock& clock)
    : listener_(std::move(listener)),
      epoll_(std::move(epoll)),
      listening_port_(listening_port),
      partner_address_(partner_address),
      partner_port_(partner_port),
      clock_(clock) {}

void PartnerTcpLink::try_connect() {
  if (outgoing_.valid()) return;
  const int64_t now_ms = clock_.monotonic_ms();
  if (now_ms - last_connect_ms_ < kReconnectEvery_ms) return;
  last_connect_ms_ = now_ms;
  UniqueFd fd(tcp_socket());
  if (!fd.valid()) return;
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const sockaddr_in sa = io::socket_address(partner_address_, partner_port_);
  const int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa));
  if (rc != 0 && errno != EINPROGRESS) return;
  connecting_ = rc != 0;
  outgoing_ = std::move(fd);
  ++counters_.connects;
}

// Level-triggered: wait_fd() stays readable while a watched descriptor is
// ready, so a frame receive() left unread still wakes the next wait.
void PartnerTcpLink::sync_watch() {
  const int incoming = incoming_.valid() ? incoming_.get() : -1;
  if (incoming != watched_incoming_) {
    epoll_event event{};
    event.events = EPOLLIN;
    if (incoming >= 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, incoming, &event);
    watched_incoming_ = incoming;
  }
  const int outgoing = outgoing_.valid() ? outgoing_.get() : -1;
  // Writable is news only while connecting or with a backlog; a connection
  // closed by the partner reads as an error or hang-up either way.
  const uint32_t events = (connecting_ || !out_.empty()) ? uint32_t{EPOLLOUT} : 0u;
  if (outgoing != watched_outgoing_ || events != watched_outgoing_events_) {
    epoll_event event{};
    event.events = events;
    if (outgoing >= 0) {
      const int op = outgoing == watched_outgoing_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
      ::epoll_ctl(epoll_.get(), op, outgoing, &event);
    }
    watched_outgoing_ = outgoing;
    watched_outgoing_events_ = events;
  }
}

void PartnerTcpLink::drop_outgoing() {
  if (outgoing_.valid()) ++counters_.disconnects;
  watched_outgoing_ = -1;  // closing it takes it out of the epoll set
  outgoing_.reset();
  connecting_ = false;
  out_.clear();  // a frame half written is lost with its connection
}

void PartnerTcpLink::drop_incoming() {
  if (incoming_.valid()) ++counters_.disconnects;
  watched_incoming_ = -1;
  incoming_.reset();
  in_.clear();
}

bool PartnerTcpLink::send(const LinkFrame& frame) {
  try_connect();
  if (!outgoing_.valid()) return false;
  encode_frame(frame, clock_.now_s(), out_);
  if (out_.size() > kMaxBacklogBytes) {
    drop_outgoing();
    return false;
  }
  flush();
  sync_watch();
  return outgoing_.valid();
}

void PartnerTcpLink::flush() {
  if (!outgoing_.valid() || connecting_ || out_.empty()) return;
  const ssize_t sent = ::send(outgoing_.get(), out_.data(), out_.size(), MSG_NOSIGNAL);
  if (sent < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) drop_outgoing();
    return;
  }
  out_.erase(out_.begin(), out_.begin() + sent);
}

void PartnerTcpLink::accept_incoming() {
  sockaddr_in peer{};
  socklen_t length = sizeof(peer);
  UniqueFd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &length,
                        SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!fd.valid()) return;
  if (ntohl(peer.sin_addr.s_addr) != partner_address_.value) {
    ++counters_.refused_peers;
    return;
  }
  // The partner reconnected: its new connection replaces the old one.
  drop_incoming();
  incoming_ = std::move(fd);
  ++counters_.accepts;
}

void PartnerTcpLink::read_incoming(std::vector<LinkFrame>& out, size_t& count) {
  std::array<uint8_t, kReadChunk> chunk{};
  for (;;) {
    const ssize_t got = ::recv(incoming_.get(), chunk.data(), chunk.size(), 0);
    if (got == 0) {
      drop_incoming();
      return;
    }
    if (got < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) drop_incoming();
      break;
    }
    in_.insert(in_.end(), chunk.begin(), chunk.begin() + got);
    if (static_cast<size_t>(got) < chunk.size()) break;
  }
  size_t at = 0;
  while (in_.size() - at >= 4) {
    const uint32_t length = load_be32(in_, at);
    if (length > kMaxFrameBytes) {
      ++counters_.broken_frames;
      drop_incoming();
      return;
    }
    if (in_.size() - at - 4 < length) break;
    auto frame =
        decode_frame(std::span<const uint8_t>(in_).subspan(at + 4, length), clock_.now_s());
    if (!frame) {
      ++counters_.broken_frames;
      drop_incoming();
      return;
    }
    out.push_back(std::move(*frame));
    ++count;
    at += 4 + length;
  }
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(at));
}

size_t PartnerTcpLink::receive(std::vector<LinkFrame>& out, int timeout_ms) {
  const size_t count = poll_once(out, timeout_ms);
  sync_watch();
  return count;
}

size_t PartnerTcpLink::poll_once(std::vector<LinkFrame>& out, int timeout_ms) {
  try_connect();
  std::array<pollfd, 3> fds{};
  nfds_t used = 0;
  fds[used++] = pollfd{listener_.get(), POLLIN, 0};
  const nfds_t incoming_at = used;
  if (incoming_.valid()) fds[used++] = pollfd{incoming_.get(), POLLIN, 0};
  const nfds_t outgoing_at = used;
  if (outgoing_.valid()) {
    const bool wants_write = connecting_ || !out_.empty();
    fds[used++] = pollfd{outgoing_.get(), static_cast<short>(wants_write ? POLLOUT : 0), 0};
  }
  if (::poll(fds.data(), used, timeout_ms) <= 0) return 0;
  size_t count = 0;
  if (outgoing_at < used && fds[outgoing_at].revents != 0) {
    if ((fds[outgoing_at].revents & (POLLERR | POLLHUP)) != 0) {
      drop_outgoing();
    } else if (connecting_) {
      int error = 0;
      socklen_t length = sizeof(error);
      ::getsockopt(outgoing_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        drop_outgoing();
      } else {
        connecting_ = false;
      }
    }
    flush();
  }
  if (incoming_at < used && incoming_.valid() && fds[incoming_at].revents != 0) {
    read_incoming(out, count);
  }
  if ((fds[0].revents & POLLIN) != 0) accept_incoming();
  return count;
}

}  // namespace bs::server
