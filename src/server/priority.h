// Which intake band a received packet joins (intake_queue.h). Without
// priority classes in the configuration every packet is in band 0 and the
// intake keeps arrival order. With them:
// - a renewal (a REQUEST carrying ciaddr: RENEWING or REBINDING) joins the
//   top band, so a working device keeps its place ahead of newcomers; a
//   renewal is cheap and its rate is bounded by the lease time;
// - a query from a client in a priority class joins that class's band
//   (1 to kMaxClassBand; the highest of its classes wins);
// - everything else joins band 0.
#pragma once

#include <cstdint>
#include <functional>

#include "io/transport.h"
#include "wire/packet.h"

namespace bs::server {

class PriorityPolicy {
 public:
  static constexpr uint8_t kRenewalBand = 7;
  static constexpr uint8_t kMaxClassBand = 6;
  // The highest priority of the classes a decoded query belongs to, 0 if none.
  using ClassPriority = std::function<uint8_t(const wire::Packet& query, int ifindex)>;

  PriorityPolicy() = default;  // off: every packet in band 0
  explicit PriorityPolicy(ClassPriority class_priority)
      : class_priority_(std::move(class_priority)) {}

  bool enabled() const { return static_cast<bool>(class_priority_); }
  uint8_t band_of(const io::RxPacket& packet) const;

 private:
  ClassPriority class_priority_;
};

}  // namespace bs::server
