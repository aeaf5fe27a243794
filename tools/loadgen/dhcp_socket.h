// The load generator's one socket: UDP port 68 on one interface, as a
// client without an address would use it. Everything is sent to the limited
// broadcast address and the server is asked (broadcast flag) to broadcast
// its reply, so one socket serves thousands of simulated clients. Sends and
// receives are batched with sendmmsg/recvmmsg.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"

namespace bs::load {

class DhcpSocket {
 public:
  static tl::expected<DhcpSocket, std::string> open(const std::string& interface_name);
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

  uint64_t send_errors() const { return send_errors_; }

 private:
  static constexpr size_t kBatchSize = 64;
  static constexpr size_t kMaxDatagram_bytes = 1500;
  using Buffer = std::array<uint8_t, kMaxDatagram_bytes>;

  explicit DhcpSocket(int fd) : fd_(fd), buffers_(kBatchSize) {}

  int fd_ = -1;
  std::vector<Bytes> outbox_;
  std::vector<Buffer> buffers_;  // recvmmsg targets, kept between calls
  uint64_t send_errors_ = 0;
};

}  // namespace bs::load
