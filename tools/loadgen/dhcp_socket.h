// The load generator's one socket, in one of two modes.
//
// Client mode: UDP port 68 on one interface, as a client without an address
// would use it. Everything is sent to the limited broadcast address and the
// server is asked (broadcast flag) to broadcast its reply, so one socket
// serves thousands of simulated clients.
//
// Relay mode: the socket is a relay agent's, bound to the relay's address
// and port 67; it sends unicast to the server's port 67 and the server
// answers the relay (giaddr) by unicast. This is how perfdhcp talks to a
// DHCPv4 server, so `bs-load bench` uses it to measure the same path.
//
// Sends and receives are batched with sendmmsg/recvmmsg. On request the
// socket also asks the kernel for each datagram's arrival time
// (SO_TIMESTAMPNS) and for the count of datagrams the kernel dropped because
// the receive buffer was full (SO_RXQ_OVFL).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"

namespace bs::load {

struct SocketOptions {
  std::string interface_name;
  // Set: relay mode, bound to this address and port 67. Unset: client mode.
  std::optional<Ip4> relay_address;
  // Where datagrams go: the server (relay mode) or broadcast (client mode).
  Ip4 server_address{0xffffffffu};
  int buffer_bytes = 8 << 20;
  // Kernel receive timestamps and receive-buffer overflow counts.
  bool timestamps = false;
};

// One received datagram; `bytes` is valid until the next receive call.
struct Received {
  std::span<const uint8_t> bytes;
  int64_t kernel_time_ns = 0;  // CLOCK_REALTIME arrival, 0 if the kernel gave none
};

class DhcpSocket {
 public:
  static tl::expected<DhcpSocket, std::string> open(const SocketOptions& options);
  static tl::expected<DhcpSocket, std::string> open(const std::string& interface_name) {
    SocketOptions options;
    options.interface_name = interface_name;
    return open(options);
  }
  DhcpSocket(DhcpSocket&& other) noexcept;
  DhcpSocket& operator=(DhcpSocket&&) = delete;
  DhcpSocket(const DhcpSocket&) = delete;
  DhcpSocket& operator=(const DhcpSocket&) = delete;
  ~DhcpSocket();

  // Queues one datagram for the next flush().
  void queue(Bytes payload) { outbox_.push_back(std::move(payload)); }
  // Sends what is queued; what the kernel does not take now stays queued.
  void flush();
  bool has_queued() const { return !outbox_.empty(); }
  // Waits up to timeout_ms for datagrams and appends them to `out`.
  void receive(std::vector<Bytes>& out, int timeout_ms);
  // Reads at most one batch that is already queued, without waiting.
  std::span<const Received> receive_batch();

  int fd() const { return fd_; }
  uint64_t send_errors() const { return send_errors_; }
  // Datagrams the kernel dropped for a full receive buffer since open
  // (needs `timestamps`; as of the last datagram received).
  uint64_t overflow_drops() const { return overflow_drops_; }
  // The receive buffer the kernel granted (it reports twice the asked size).
  int receive_buffer_bytes() const;

  static constexpr size_t kBatchSize = 64;

 private:
  static constexpr size_t kMaxDatagram_bytes = 1500;
  static constexpr size_t kControl_bytes = 64;  // one timespec and one u32 cmsg
  using Buffer = std::array<uint8_t, kMaxDatagram_bytes>;
  using Control = std::array<uint8_t, kControl_bytes>;

  DhcpSocket(int fd, Ip4 destination)
      : fd_(fd), destination_(destination), buffers_(kBatchSize), controls_(kBatchSize) {}

  int fd_ = -1;
  Ip4 destination_;
  std::vector<Bytes> outbox_;
  std::vector<Buffer> buffers_;    // recvmmsg targets, kept between calls
  std::vector<Control> controls_;  // their ancillary data
  std::array<Received, kBatchSize> received_{};
  uint64_t send_errors_ = 0;
  uint64_t overflow_drops_ = 0;
};

}  // namespace bs::load
