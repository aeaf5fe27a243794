// PriorityPolicy::band_of decodes the packet once more than the pipeline
// will and runs the first classification pass; both cost well under a
// microsecond per packet (bench/micro: decode, BM_Classify) and only when a
// class has a priority.
#include "server/priority.h"

#include <algorithm>
#include <memory>

#include "server/classify_query.h"

namespace bs::server {

PriorityPolicy PriorityPolicy::from_config(const config::Config& config) {
  const bool any = std::any_of(config.client_classes.begin(), config.client_classes.end(),
                               [](const config::ClientClass& c) { return c.priority > 0; });
  if (!any) return {};
  // std::function must be copyable; the classifier (and its scratch) is shared.
  auto classifier = std::make_shared<Classifier>(config);
  return PriorityPolicy([&config, classifier](const classify::PacketContext& query) {
    classify::ClassSet classes;
    classifier->classify(query, classes);
    uint8_t best = 0;
    for (const config::ClientClass& entry : config.client_classes) {
      if (entry.priority > best && classes.contains(entry.name)) best = entry.priority;
    }
    return best;
  });
}

uint8_t PriorityPolicy::band_of(const io::RxPacket& packet, std::string_view iface,
                                Ip4 local_address) const {
  if (!class_priority_) return 0;
  const auto query = wire::decode(packet.payload);
  // Malformed packets are counted where the pipeline decodes them.
  if (!query) return 0;
  if (query->message_type() == wire::MessageType::Request && !query->ciaddr.is_zero()) {
    return kRenewalBand;
  }
  const classify::PacketContext context{*query, iface, packet.source, local_address,
                                        static_cast<uint32_t>(packet.payload.size())};
  return std::min(class_priority_(context), kMaxClassBand);
}

}  // namespace bs::server
