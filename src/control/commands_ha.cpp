// Kea's HA commands for a blackstart pair (issue 12): ha-heartbeat,
// ha-maintenance-start, ha-maintenance-cancel, ha-continue, ha-sync, and
// blackstart's own ha-partner-down; and the "high-availability" block of
// status-get, in Kea's shape with blackstart's replication figures added.
// All of it runs on the pipeline thread, where the pair's state lives.
#include <string>

#include "common/clock.h"
#include "control/command_handlers.h"
#include "control/controller.h"

namespace bs::control {
namespace {

server::PartnerReplicator& partner_of(Controller& controller) {
  server::PartnerReplicator* partner = controller.server().partner();
  if (partner == nullptr) {
    throw CommandError("this server has no HA partner (no libdhcp_ha entry in its config)");
  }
  return *partner;
}

// The server names whose clients this server serves now (Kea's scopes).
Json scopes(const ha::PairState& pair) {
  const ha::HaConfig& config = pair.config();
  Json out = Json::array();
  switch (pair.state()) {
    case ha::State::PartnerDown:
    case ha::State::PartnerInMaintenance:
      for (const ha::Peer& peer : config.peers) out.push_back(peer.name);
      break;
    case ha::State::Waiting:
    case ha::State::PartnerUnreachable:
    case ha::State::HotStandby:
    case ha::State::LoadBalancing:
      if (config.mode == ha::Mode::LoadBalancing || pair.role() == ha::Role::Primary) {
        out.push_back(config.self().name);
      }
      break;
    default:
      break;
  }
  return out;
}

template <class Fn>
Json run_command(Executor& executor, const Json& request, Fn fn, const std::string& done) {
  arguments_of(request, {});
  return on_pipeline<Json>(executor, [fn, done](Controller& controller) {
    auto outcome = fn(partner_of(controller));
    if (!outcome) return answer(kError, outcome.error());
    return answer(kSuccess, done);
  });
}

}  // namespace

Json ha_status(const Controller& controller) {
  const server::PartnerReplicator* partner = controller.server().partner();
  if (partner == nullptr) return Json();
  const ha::PairState& pair = partner->pair();
  const ha::HaConfig& config = pair.config();
  const auto since_ms = partner->since_contact_ms();
  const int64_t touch_ms = static_cast<int64_t>(config.heartbeat_delay_ms) +
                           static_cast<int64_t>(config.max_ack_delay_ms);
  const bool in_touch = since_ms && *since_ms <= touch_ms;
  Json remote = {{"role", std::string(ha::to_string(pair.partner_role()))},
                 {"in-touch", in_touch},
                 {"communication-interrupted", !in_touch},
                 {"unacked-clients", pair.unacked_clients()}};
  remote["age"] = since_ms ? Json(*since_ms / 1000) : Json();
  remote["last-state"] =
      pair.partner_state() ? Json(std::string(ha::to_string(*pair.partner_state()))) : Json();
  const server::ReplicationCounters& counters = partner->counters();
  Json blackstart = {{"unacked-updates", pair.unacked_updates()},
                     {"unacked-leases", partner->unacked_leases()},
                     {"own-sequence", pair.own_sequence()},
                     {"partner-acked-sequence", pair.partner_acked_sequence()},
                     {"partner-applied-sequence", pair.partner_applied_sequence()},
                     {"batches-sent", counters.batches_sent},
                     {"batches-timed-out", counters.batches_timed_out},
                     {"partner-batches-applied", counters.partner_batches_applied},
                     {"mclt-s", config.mclt_s}};
  blackstart["last-contact-ms-ago"] = since_ms ? Json(*since_ms) : Json();
  return Json::array({Json{{"ha-mode", std::string(ha::to_string(config.mode))},
                           {"ha-servers",
                            {{"local",
                              {{"role", std::string(ha::to_string(pair.role()))},
                               {"scopes", scopes(pair)},
                               {"state", std::string(ha::to_string(pair.state()))}}},
                             {"remote", remote}}},
                           {"blackstart", blackstart}}});
}

Json ha_heartbeat(Executor& executor, const Json& request) {
  arguments_of(request, {});
  return on_pipeline<Json>(executor, [](Controller& controller) {
    const ha::PairState& pair = partner_of(controller).pair();
    return answer(kSuccess, "HA peer status returned.",
                  Json{{"state", std::string(ha::to_string(pair.state()))},
                       {"date-time", format_utc(controller.now_s(), "%a, %d %b %Y %H:%M:%S GMT")},
                       {"scopes", scopes(pair)},
                       {"unsent-update-count", pair.unacked_updates()}});
  });
}

Json ha_maintenance_start(Executor& executor, const Json& request) {
  return run_command(
      executor, request,
      [](server::PartnerReplicator& partner) { return partner.command_maintenance_start(); },
      "Server is now in the partner-in-maintenance state and its partner in the "
      "in-maintenance state. The partner can be shut down safely.");
}

Json ha_maintenance_cancel(Executor& executor, const Json& request) {
  return run_command(
      executor, request,
      [](server::PartnerReplicator& partner) { return partner.command_maintenance_cancel(); },
      "Server maintenance successfully canceled.");
}

Json ha_partner_down(Executor& executor, const Json& request) {
  return run_command(
      executor, request,
      [](server::PartnerReplicator& partner) { return partner.command_partner_down(); },
      "Server is now in the partner-down state; the partner's free addresses are used after "
      "MCLT.");
}

// blackstart's state machine never pauses (Kea's "state-machine" pausing
// is accepted with a warning), so there is nothing to continue.
Json ha_continue(Executor& executor, const Json& request) {
  arguments_of(request, {});
  on_pipeline<bool>(executor, [](Controller& controller) {
    partner_of(controller);
    return true;
  });
  return answer(kSuccess, "HA state machine is not paused.");
}

// Kea's ha-sync: this server fetches the partner's leases (all of them,
// then what changed meanwhile) and answers once the last page is
// committed here, or after max-period seconds (Kea's default, 60).
Json ha_sync(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"server-name", "max-period"};
  const Json args = arguments_of(request, kKeys);
  std::string server_name;
  if (const auto it = args.find("server-name"); it != args.end()) {
    if (!it->is_string()) throw CommandError("'server-name' must be a string");
    server_name = it->get<std::string>();
  }
  constexpr uint32_t kDefaultPeriodS = 60;
  constexpr uint32_t kLongestPeriodS = 3600;
  uint32_t max_period_s = kDefaultPeriodS;
  if (const auto it = args.find("max-period"); it != args.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
        it->get<int64_t>() > kLongestPeriodS) {
      throw CommandError("'max-period' must be a number of seconds, 1 to 3600");
    }
    max_period_s = it->get<uint32_t>();
  }
  return on_pipeline<Json>(executor, [server_name, max_period_s](Controller& controller) {
    auto synced = partner_of(controller).command_sync(server_name, max_period_s);
    if (!synced) return answer(kError, synced.error());
    return answer(kSuccess, "Lease database synchronization complete: " + std::to_string(*synced) +
                                " changes applied.");
  });
}

}  // namespace bs::control
