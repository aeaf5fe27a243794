// Config reload. The packet loop calls it between batches, so every packet
// of a batch is handled under one config: those already in flight finished
// under the old one. The new engine is built from the new config and loaded
// with every stored lease of the old engine, exactly as a restart would load
// them from the store; leases that no longer fall in any pool are kept but
// never offered. Held offers are in memory only and are not carried over: a
// client in mid-handshake simply gets its REQUEST checked against the new
// tables. The DECLINE limiter and the starvation guard keep their counts
// across the swap (Dhcp4Handler::carry_over).
#include <spdlog/spdlog.h>

#include "server/server.h"

namespace bs::server {

void Server::reload(const config::Config& next) {
  settle_in_flight();
  abandon_probes();
  auto engine = std::make_unique<alloc::Engine>(next);
  std::vector<Lease> rows;
  rows.reserve(engine_->lease_count());
  engine_->for_each_row([&rows](const Lease& lease) { rows.push_back(lease); });
  const int64_t now_s = clock_.now_s();
  engine->load(rows, now_s);
  config_ = next;
  // The handler refers to config_ (same object, new value) and to the engine.
  auto handler = std::make_unique<Dhcp4Handler>(config_, *engine);
  handler->carry_over(std::move(*handler_));
  handler_ = std::move(handler);
  handler_->set_recovery(addresses_uncertain());
  priority_ = PriorityPolicy::from_config(config_);
  probes_.resize(config_.probing.max_pending);
  engine_ = std::move(engine);
  install_allocation_filter();
  install_search_spread();
  spdlog::info("configuration reloaded: {} subnets, {} leases carried over", config_.subnets.size(),
               rows.size());
  Event reloaded;
  reloaded.at_s = now_s;
  reloaded.kind = EventKind::ConfigReload;
  reloaded.text = fmt::format("configuration reloaded: {} subnets, {} leases kept",
                              config_.subnets.size(), rows.size());
  events_.add(std::move(reloaded));
}

}  // namespace bs::server
