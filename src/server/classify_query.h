// Kea's client classification of one query, in Kea 2.2's order
// (dhcp4_srv.cc): the built-in classes and the classes whose test does not
// depend on KNOWN/UNKNOWN before the subnet is chosen; after the host
// reservation lookup, the reservation's classes, KNOWN or UNKNOWN and the
// classes depending on them; once the lease is chosen, the classes the
// shared network, subnet and pool require. Also what classes give a reply:
// their BOOTP fields and their valid lifetime. No allocation per packet: the class
// names point into the configuration and the expressions evaluate into
// one EvalScratch owned here.
#pragma once

#include <optional>

#include "classify/class_set.h"
#include "classify/expression.h"
#include "config/config.h"

namespace bs::server {

class Classifier {
 public:
  explicit Classifier(const config::Config& config) : config_(config) {}

  // ALL, VENDOR_CLASS_<option 60>, then, in config order, every class with
  // a test that is neither only-if-required nor dependent on KNOWN/UNKNOWN.
  void classify(const classify::PacketContext& packet, classify::ClassSet& classes);

  // After the reservation lookup in the chosen subnet (`host` null when the
  // client has none). A reservation with classes redoes the first pass
  // after adding them, as Kea does, so a test like "not member('X')" sees
  // them; then KNOWN or UNKNOWN and the classes that depend on it.
  void after_host_lookup(const classify::PacketContext& packet, const config::Reservation* host,
                         classify::ClassSet& classes);

  // Kea 2.2's requiredClassify: the classes named by the "require-client-classes"
  // of the subnet's shared network, then the subnet's, then the pool's, each
  // evaluated once the lease is chosen. A named class without a test is not
  // assigned (Kea 2.2).
  void evaluate_required(const classify::PacketContext& packet, const config::Subnet& subnet,
                         const config::Pool* pool, classify::ClassSet& classes);

 private:
  void evaluate_pass(const classify::PacketContext& packet, bool depends_on_known,
                     classify::ClassSet& classes);
  void evaluate_named(const classify::PacketContext& packet, const std::vector<std::string>& names,
                      classify::ClassSet& classes);

  const config::Config& config_;
  classify::EvalScratch scratch_;
};

// The lifetime of the first of the query's classes that sets one (Kea's
// getValidLft), replacing the subnet's.
std::optional<config::LifetimeTriplet> class_lifetime(const config::Config& config,
                                                      const classify::ClassSet& classes);

}  // namespace bs::server
