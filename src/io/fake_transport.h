// An in-memory Transport for scenario tests and the seeded simulation: tests
// inject received packets and read back what the server sent.
#pragma once

#include <deque>
#include <vector>

#include "io/transport.h"

namespace bs::io {

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(std::vector<InterfaceInfo> interfaces)
      : interfaces_(std::move(interfaces)) {}

  size_t receive(std::vector<RxPacket>& out, size_t max_count, int /*timeout_ms*/) override {
    size_t count = 0;
    while (count < max_count && !inbox_.empty()) {
      out.push_back(std::move(inbox_.front()));
      inbox_.pop_front();
      ++count;
    }
    return count;
  }
  void send(std::span<const TxPacket> packets) override {
    sent_.insert(sent_.end(), packets.begin(), packets.end());
  }
  const std::vector<InterfaceInfo>& interfaces() const override { return interfaces_; }

  void inject(RxPacket packet) { inbox_.push_back(std::move(packet)); }
  size_t pending() const { return inbox_.size(); }
  // Hands over everything sent so far and forgets it.
  std::vector<TxPacket> take_sent() {
    std::vector<TxPacket> out;
    out.swap(sent_);
    return out;
  }

 private:
  std::vector<InterfaceInfo> interfaces_;
  std::deque<RxPacket> inbox_;
  std::vector<TxPacket> sent_;
};

}  // namespace bs::io
