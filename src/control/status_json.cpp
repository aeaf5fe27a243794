// JSON views of a StatusSnapshot and of events.
#include "control/status_json.h"

#include <unistd.h>

#include <array>
#include <ctime>

#include "common/text.h"

namespace bs::control {
namespace {

using Json = nlohmann::json;

constexpr std::array<const char*, 9> kMessageTypes = {
    "unknown", "discover", "offer", "request", "decline", "ack", "nak", "release", "inform"};

// Kea timestamps statistics; blackstart samples them when asked.
std::string kea_timestamp(int64_t unix_s) {
  const auto t = static_cast<std::time_t>(unix_s);
  std::tm local{};
  localtime_r(&t, &local);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S.000000", &local);
  return text;
}

uint64_t event_count(const StatusSnapshot& snapshot, const char* kind) {
  const auto it = snapshot.events_by_kind.find(kind);
  return it == snapshot.events_by_kind.end() ? 0 : it->second;
}

Json drops_to_json(const server::Counters& counters) {
  Json drops = Json::object();
  for (size_t i = 0; i < server::kDropReasonCount; ++i) {
    drops[server::to_string(static_cast<server::DropReason>(i))] = counters.drops[i];
  }
  return drops;
}

Json rogues_to_json(const std::vector<server::RogueServer>& rogues) {
  Json out = Json::array();
  for (const server::RogueServer& rogue : rogues) {
    out.push_back(Json{{"server", to_string(rogue.server)},
                       {"hw-address", to_string(rogue.hw_address)},
                       {"first-interface", escape_invalid_utf8(rogue.first_interface)},
                       {"last-interface", escape_invalid_utf8(rogue.last_interface)},
                       {"first-seen", rogue.first_seen_s},
                       {"last-seen", rogue.last_seen_s},
                       {"offers", rogue.offers},
                       {"acks", rogue.acks},
                       {"answered-clients", rogue.answered_clients}});
  }
  return out;
}

}  // namespace

const char* message_type_name(size_t index) {
  return index < kMessageTypes.size() ? kMessageTypes[index] : "unknown";
}

Json ha_to_json(const HaView& ha) {
  Json out = {{"mode", ha.mode},
              {"role", ha.role},
              {"state", ha.state},
              {"partner-role", ha.partner_role},
              {"in-touch", ha.in_touch},
              {"own-sequence", ha.own_sequence},
              {"partner-acked-sequence", ha.partner_acked_sequence},
              {"unacked-updates", ha.unacked_updates},
              {"unacked-leases", ha.unacked_leases},
              {"batches-sent", ha.batches_sent},
              {"batches-timed-out", ha.batches_timed_out},
              {"partner-batches-applied", ha.partner_batches_applied},
              {"sequence-gaps", ha.sequence_gaps},
              {"mclt-capped", ha.mclt_capped},
              {"mclt-s", ha.mclt_s}};
  out["partner-state"] = ha.partner_state.empty() ? Json() : Json(ha.partner_state);
  out["last-contact-s-ago"] =
      ha.last_contact_ms_ago ? Json(*ha.last_contact_ms_ago / 1000) : Json();
  return out;
}

Json status_to_json(const StatusSnapshot& s) {
  uint64_t dropped = 0;
  for (uint64_t count : s.counters.drops) dropped += count;
  Json events = Json::object();
  for (const auto& [kind, count] : s.events_by_kind) events[kind] = count;
  Json out{
      {"pid", ::getpid()},
      {"version", s.version},
      {"now", s.now_s},
      {"uptime", s.now_s - s.started_at_s},
      {"reload", s.now_s - s.reloaded_at_s},
      {"config-file", escape_invalid_utf8(s.config_path)},
      {"multi-threading-enabled", false},
      {"recovery-mode",
       {{"active", s.recovery.active},
        {"until", s.recovery.until_s},
        {"detail", escape_invalid_utf8(s.recovery.detail)}}},
      {"lease-store",
       {{"healthy", s.store.healthy},
        {"description", escape_invalid_utf8(s.store.description)},
        {"commits", s.counters.commits},
        {"commit-failures", s.counters.commit_failures},
        {"last-error", escape_invalid_utf8(s.store.last_error)},
        {"last-error-at", s.store.last_error_at_s}}},
      {"packets",
       {{"received", s.counters.packets_received},
        {"sent", s.counters.packets_sent},
        {"dropped", dropped},
        {"received-per-second", s.rates.received_per_s},
        {"sent-per-second", s.rates.sent_per_s},
        {"dropped-per-second", s.rates.dropped_per_s}}},
      {"drops", drops_to_json(s.counters)},
      {"events", events},
      {"conflicts", event_count(s, "conflict")},
      {"conflict-probes",
       {{"sent", s.counters.probes_sent},
        {"conflicts", s.counters.probe_conflicts},
        {"answered-by-client", s.counters.probe_self_answers},
        {"timed-out", s.counters.probe_timeouts},
        {"pending", s.counters.probes_pending}}},
      {"rogue-servers", s.rogues.size()},
      {"rogue-server-sightings", s.rogue_sightings},
      {"rogue-server-list", rogues_to_json(s.rogues)},
      {"declines", s.counters.declines},
      {"naks", s.counters.naks},
      {"lease-records", s.lease_records},
      {"reloads",
       {{"ok", s.reloads_ok},
        {"failed", s.reloads_failed},
        {"last-error", escape_invalid_utf8(s.last_reload_error)}}},
  };
  // blackstart's flat form; status-get also carries Kea's
  // "high-availability" list (commands_ha.cpp).
  if (s.ha) out["ha"] = ha_to_json(*s.ha);
  return out;
}

Json subnets_to_json(const StatusSnapshot& s) {
  Json out = Json::array();
  for (const SubnetView& subnet : s.subnets) {
    const alloc::PoolStats& p = subnet.stats;
    const uint64_t used = p.assigned + p.offered + p.declined;
    out.push_back(
        Json{{"id", subnet.id},
             {"subnet", subnet.prefix},
             {"total", p.total},
             {"assigned", p.assigned},
             {"offered", p.offered},
             {"declined", p.declined},
             {"reserved", p.reserved},
             {"free", p.free},
             {"utilization",
              p.total == 0 ? 0.0 : static_cast<double>(used) / static_cast<double>(p.total)}});
  }
  return out;
}

Json statistics_to_json(const StatusSnapshot& s) {
  const std::string at = kea_timestamp(s.now_s);
  Json out = Json::object();
  const auto put = [&](const std::string& name, uint64_t value) {
    out[name] = Json::array({Json::array({value, at})});
  };
  put("pkt4-received", s.counters.packets_received);
  put("pkt4-sent", s.counters.packets_sent);
  for (size_t i = 0; i < s.counters.received_by_type.size(); ++i) {
    put(std::string("pkt4-") + message_type_name(i) + "-received", s.counters.received_by_type[i]);
  }
  for (size_t i = 1; i < s.counters.sent_by_type.size(); ++i) {
    put(std::string("pkt4-") + message_type_name(i) + "-sent", s.counters.sent_by_type[i]);
  }
  put("pkt4-parse-failed", s.counters.dropped(server::DropReason::Malformed));
  uint64_t dropped = 0;
  for (uint64_t count : s.counters.drops) dropped += count;
  put("pkt4-receive-drop", dropped);
  uint64_t declined = 0;
  for (const SubnetView& subnet : s.subnets) {
    const std::string prefix = "subnet[" + std::to_string(subnet.id) + "].";
    put(prefix + "total-addresses", subnet.stats.total);
    put(prefix + "assigned-addresses", subnet.stats.assigned);
    put(prefix + "declined-addresses", subnet.stats.declined);
    declined += subnet.stats.declined;
  }
  put("declined-addresses", declined);
  put("blackstart.commits", s.counters.commits);
  put("blackstart.commit-failures", s.counters.commit_failures);
  put("blackstart.leases-committed", s.counters.leases_committed);
  put("blackstart.conflicts", event_count(s, "conflict"));
  put("blackstart.rogue-server-sightings", s.rogue_sightings);
  for (size_t i = 0; i < server::kDropReasonCount; ++i) {
    put(std::string("blackstart.drop.") + server::to_string(static_cast<server::DropReason>(i)),
        s.counters.drops[i]);
  }
  return out;
}

Json event_to_json(const server::Event& event) {
  Json out = {{"at", event.at_s},
              {"kind", server::to_string(event.kind)},
              {"text", escape_invalid_utf8(event.text)}};
  if (!event.address.is_zero()) out["ip-address"] = to_string(event.address);
  if (!event.hw_address.empty()) out["hw-address"] = to_string(event.hw_address);
  if (!event.client_id.empty()) out["client-id"] = to_hex_colon(event.client_id);
  return out;
}

}  // namespace bs::control
