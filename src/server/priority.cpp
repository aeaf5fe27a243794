// PriorityPolicy::band_of decodes the packet once more than the pipeline
// will; that costs well under a microsecond and only when priority classes
// are configured (bench/micro measures decode).
#include "server/priority.h"

#include <algorithm>

namespace bs::server {

uint8_t PriorityPolicy::band_of(const io::RxPacket& packet) const {
  if (!class_priority_) return 0;
  const auto query = wire::decode(packet.payload);
  // Malformed packets are counted where the pipeline decodes them.
  if (!query) return 0;
  if (query->message_type() == wire::MessageType::Request && !query->ciaddr.is_zero()) {
    return kRenewalBand;
  }
  return std::min(class_priority_(*query, packet.ifindex), kMaxClassBand);
}

}  // namespace bs::server
