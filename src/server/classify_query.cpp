// Client classification passes (see classify_query.h). Kea keeps the
// classes of a query in assignment order, and that order decides which
// class's options and BOOTP fields win; ClassSet keeps the same order.
#include "server/classify_query.h"

#include "wire/packet.h"

namespace bs::server {

namespace {

// Kea's classifyPacket: every query is in ALL, and a client sending a
// vendor class (option 60) is in VENDOR_CLASS_<its bytes>.
void add_builtins(const wire::Packet& packet, classify::ClassSet& classes) {
  classes.clear();
  classes.add(classify::kAll);
  if (const wire::Option* vendor = packet.find(wire::opt::kVendorClassId)) {
    classes.add_vendor_class(
        std::string_view(reinterpret_cast<const char*>(vendor->data.data()), vendor->data.size()));
  }
}

}  // namespace

void Classifier::classify(const classify::PacketContext& packet, classify::ClassSet& classes) {
  add_builtins(packet.packet, classes);
  evaluate_pass(packet, false, classes);
}

void Classifier::after_host_lookup(const classify::PacketContext& packet,
                                   const config::Reservation* host, classify::ClassSet& classes) {
  if (host != nullptr && !host->client_classes.empty()) {
    // Kea removes the evaluated classes, adds the reserved ones and
    // evaluates again; before this step the set holds nothing else than
    // the built-ins and that first pass, so starting over is the same.
    add_builtins(packet.packet, classes);
    for (const std::string& name : host->client_classes) classes.add(name);
    evaluate_pass(packet, false, classes);
  }
  classes.add(host != nullptr ? classify::kKnown : classify::kUnknown);
  evaluate_pass(packet, true, classes);
}

void Classifier::evaluate_required(const classify::PacketContext& packet,
                                   const config::Subnet& subnet, const config::Pool* pool,
                                   classify::ClassSet& classes) {
  const config::SharedNetwork* network = config_.network_of(subnet);
  const std::vector<std::string>* scopes[] = {
      network != nullptr ? &network->required_classes : nullptr, &subnet.required_classes,
      pool != nullptr ? &pool->required_classes : nullptr};
  if (config_.additional_classes_pool_first) std::swap(scopes[0], scopes[2]);
  for (const std::vector<std::string>* names : scopes) {
    if (names != nullptr) evaluate_named(packet, *names, classes);
  }
}

void Classifier::evaluate_pass(const classify::PacketContext& packet, bool depends_on_known,
                               classify::ClassSet& classes) {
  for (const config::ClientClass& client_class : config_.client_classes) {
    if (!client_class.test || client_class.only_if_required ||
        client_class.depends_on_known != depends_on_known) {
      continue;
    }
    if (client_class.test->matches(packet, classes, scratch_)) classes.add(client_class.name);
  }
}

void Classifier::evaluate_named(const classify::PacketContext& packet,
                                const std::vector<std::string>& names,
                                classify::ClassSet& classes) {
  for (const std::string& name : names) {
    const config::ClientClass* client_class = config_.find_class(name);
    if (client_class == nullptr || !client_class->test) continue;
    if (client_class->test->matches(packet, classes, scratch_)) classes.add(client_class->name);
  }
}

std::optional<config::LifetimeTriplet> class_lifetime(const config::Config& config,
                                                      const classify::ClassSet& classes) {
  for (std::string_view name : classes.names()) {
    const config::ClientClass* client_class = config.find_class(name);
    if (client_class != nullptr && client_class->lifetime) return client_class->lifetime;
  }
  return std::nullopt;
}

}  // namespace bs::server
