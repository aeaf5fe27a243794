// Prometheus text format for the pipeline's counters, pool use, latency and
// batch-size histograms, and the power-cut signals (conflicts, rogue
// servers, recovery mode, lease-store health), and the HA pair's states
// and replication lag when there is a partner.
#include "control/metrics.h"

#include <fmt/format.h>

#include <array>
#include <iterator>

#include "control/status_json.h"

namespace bs::control {
namespace {

// Label values for wire::DecodeError, in enum order.
constexpr std::array<const char*, 9> kDecodeErrors = {
    "too_short",        "too_long",    "bad_op",       "bad_hlen",        "bad_magic_cookie",
    "option_truncated", "missing_end", "bad_overload", "bad_message_type"};
static_assert(kDecodeErrors.size() == wire::kDecodeErrorCount);

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }
  template <class T>
  void sample(std::string_view name, std::string_view labels, T value) {
    if (labels.empty()) {
      fmt::format_to(std::back_inserter(out_), "{} {}\n", name, value);
    } else {
      fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name, labels, value);
    }
  }
  template <class T>
  void single(std::string_view name, std::string_view type, std::string_view help, T value) {
    family(name, type, help);
    sample(name, "", value);
  }
  void histogram(std::string_view name, std::string_view help, const server::Histogram& h) {
    family(name, "histogram", help);
    const std::string bucket = std::string(name) + "_bucket";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h.upper_bounds().size(); ++i) {
      cumulative += h.counts()[i];
      sample(bucket, fmt::format("le=\"{}\"", h.upper_bounds()[i]), cumulative);
    }
    sample(bucket, "le=\"+Inf\"", h.count());
    sample(std::string(name) + "_sum", "", h.sum());
    sample(std::string(name) + "_count", "", h.count());
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

uint64_t event_total(const StatusSnapshot& s, const char* kind) {
  const auto it = s.events_by_kind.find(kind);
  return it == s.events_by_kind.end() ? 0 : it->second;
}

void write_packets(Writer& w, const StatusSnapshot& s) {
  w.family("blackstart_packets_received_total", "counter",
           "DHCP packets received, by message type (unknown: no or bad option 53).");
  for (size_t i = 0; i < s.counters.received_by_type.size(); ++i) {
    w.sample("blackstart_packets_received_total", fmt::format("type=\"{}\"", message_type_name(i)),
             s.counters.received_by_type[i]);
  }
  w.family("blackstart_packets_sent_total", "counter", "DHCP packets sent, by message type.");
  for (size_t i = 1; i < s.counters.sent_by_type.size(); ++i) {
    w.sample("blackstart_packets_sent_total", fmt::format("type=\"{}\"", message_type_name(i)),
             s.counters.sent_by_type[i]);
  }
  w.family("blackstart_packets_dropped_total", "counter",
           "Packets dropped or left unanswered, by reason.");
  for (size_t i = 0; i < server::kDropReasonCount; ++i) {
    w.sample("blackstart_packets_dropped_total",
             fmt::format("reason=\"{}\"", server::to_string(static_cast<server::DropReason>(i))),
             s.counters.drops[i]);
  }
  w.family("blackstart_decode_errors_total", "counter", "Malformed packets, by what was wrong.");
  for (size_t i = 0; i < kDecodeErrors.size(); ++i) {
    w.sample("blackstart_decode_errors_total", fmt::format("error=\"{}\"", kDecodeErrors[i]),
             s.counters.decode_errors[i]);
  }
}

void write_pools(Writer& w, const StatusSnapshot& s) {
  w.family("blackstart_leases", "gauge", "Pool addresses in use, by subnet and lease state.");
  for (const SubnetView& subnet : s.subnets) {
    const auto labels = [&](const char* state) {
      return fmt::format("subnet=\"{}\",prefix=\"{}\",state=\"{}\"", subnet.id, subnet.prefix,
                         state);
    };
    w.sample("blackstart_leases", labels("assigned"), subnet.stats.assigned);
    w.sample("blackstart_leases", labels("offered"), subnet.stats.offered);
    w.sample("blackstart_leases", labels("declined"), subnet.stats.declined);
  }
  w.family("blackstart_pool_addresses", "gauge",
           "Pool addresses by use: total, free, and reserved-but-idle.");
  for (const SubnetView& subnet : s.subnets) {
    const auto labels = [&](const char* use) {
      return fmt::format("subnet=\"{}\",prefix=\"{}\",use=\"{}\"", subnet.id, subnet.prefix, use);
    };
    w.sample("blackstart_pool_addresses", labels("total"), subnet.stats.total);
    w.sample("blackstart_pool_addresses", labels("free"), subnet.stats.free);
    w.sample("blackstart_pool_addresses", labels("reserved"), subnet.stats.reserved);
  }
  w.single("blackstart_lease_records", "gauge",
           "Addresses with a lease record in memory (any state, any subnet).", s.lease_records);
}

void write_store(Writer& w, const StatusSnapshot& s) {
  w.single("blackstart_commits_total", "counter", "Lease store transactions committed.",
           s.counters.commits);
  w.single("blackstart_commit_failures_total", "counter",
           "Lease store commits that failed (their ACKs were withheld).",
           s.counters.commit_failures);
  w.single("blackstart_leases_committed_total", "counter", "Lease changes made durable.",
           s.counters.leases_committed);
  w.single("blackstart_store_conflicts_total", "counter",
           "Lease changes a shared database refused because another server changed the address "
           "first (the client was answered again from the database's row).",
           s.counters.store_conflicts);
  w.single("blackstart_store_rows_learnt_total", "counter",
           "Lease rows reread after another server sharing the database changed them.",
           s.counters.rows_learnt);
  w.single("blackstart_lease_store_healthy", "gauge",
           "1 if the latest lease store commit succeeded, else 0.", s.store.healthy ? 1 : 0);
  w.histogram("blackstart_allocation_duration_seconds",
              "Time to handle one query: subnet selection, allocation, reply building.",
              s.histograms.handle_s);
  w.histogram("blackstart_commit_duration_seconds",
              "Time of one lease store commit of a batch, fsync included.", s.histograms.commit_s);
  w.histogram("blackstart_commit_batch_leases", "Lease changes per commit (group commit).",
              s.histograms.commit_batch_size);
  w.histogram("blackstart_request_to_ack_seconds",
              "From reading a query to sending the ACK that grants its lease: intake wait, "
              "handling, the batch's commit (fsync) and the send.",
              s.histograms.request_to_ack_s);
  w.single("blackstart_request_to_ack_max_seconds", "gauge",
           "The longest query-to-ACK delay since start.", s.histograms.request_to_ack_max_s);
}

void write_signals(Writer& w, const StatusSnapshot& s) {
  w.single("blackstart_declines_total", "counter", "DHCPDECLINEs accepted: an address in use.",
           s.counters.declines);
  w.single("blackstart_naks_total", "counter", "DHCPNAKs sent.", s.counters.naks);
  w.single("blackstart_conflicts_total", "counter", "Addresses found in use by an unknown device.",
           event_total(s, "conflict"));
  w.family("blackstart_conflict_probes_total", "counter",
           "Conflict probes by outcome: sent, conflict (another device answered), "
           "self (the client answered), timeout (silence: the address was given out).");
  w.sample("blackstart_conflict_probes_total", "result=\"sent\"", s.counters.probes_sent);
  w.sample("blackstart_conflict_probes_total", "result=\"conflict\"", s.counters.probe_conflicts);
  w.sample("blackstart_conflict_probes_total", "result=\"self\"", s.counters.probe_self_answers);
  w.sample("blackstart_conflict_probes_total", "result=\"timeout\"", s.counters.probe_timeouts);
  w.single("blackstart_conflict_probes_pending", "gauge",
           "Replies parked while their address is probed.", s.counters.probes_pending);
  w.single("blackstart_rogue_server_sightings_total", "counter",
           "OFFERs and ACKs from other DHCP servers seen on served links.", s.rogue_sightings);
  w.single("blackstart_rogue_servers", "gauge", "Distinct foreign DHCP servers seen since start.",
           s.rogues.size());
  w.single("blackstart_script_events_dropped_total", "counter",
           "run_script lease events lost because the script queue was full (script not run).",
           s.counters.script_events_dropped);
  w.single("blackstart_recovery_mode", "gauge",
           "1 while recovering from an unclean shutdown, else 0.", s.recovery.active ? 1 : 0);
  w.family("blackstart_events_total", "counter", "Events recorded, by kind.");
  for (const auto& [kind, count] : s.events_by_kind) {
    w.sample("blackstart_events_total", fmt::format("kind=\"{}\"", kind), count);
  }
  w.family("blackstart_config_reloads_total", "counter", "Configuration reloads, by outcome.");
  w.sample("blackstart_config_reloads_total", "result=\"ok\"", s.reloads_ok);
  w.sample("blackstart_config_reloads_total", "result=\"failed\"", s.reloads_failed);
}

// The HA pair: states as labelled 0/1 gauges (one sample per state, so a
// state change is a series going to 1, not a label changing), contact age,
// and the replication lag. Only with a partner.
void write_ha(Writer& w, const HaView& ha) {
  static constexpr std::array<ha::State, 9> kStates = {
      ha::State::Waiting,     ha::State::Syncing,       ha::State::Ready,
      ha::State::HotStandby,  ha::State::LoadBalancing, ha::State::PartnerUnreachable,
      ha::State::PartnerDown, ha::State::InMaintenance, ha::State::PartnerInMaintenance};
  w.family("blackstart_ha_state", "gauge", "1 for this server's HA state, 0 for the others.");
  for (ha::State state : kStates) {
    const std::string_view name = ha::to_string(state);
    w.sample("blackstart_ha_state", fmt::format(R"(state="{}")", name), name == ha.state ? 1 : 0);
  }
  w.family("blackstart_ha_partner_state", "gauge",
           "1 for the state the partner last reported, 0 for the others (all 0: never heard).");
  for (ha::State state : kStates) {
    const std::string_view name = ha::to_string(state);
    w.sample("blackstart_ha_partner_state", fmt::format(R"(state="{}")", name),
             name == ha.partner_state ? 1 : 0);
  }
  if (ha.last_contact_ms_ago) {
    w.single("blackstart_ha_last_contact_seconds", "gauge",
             "Seconds since the partner was last heard (absent: never).",
             static_cast<double>(*ha.last_contact_ms_ago) / 1000.0);
  }
  w.single("blackstart_ha_unacked_updates", "gauge",
           "Replication lag: lease updates sent to the partner and not acknowledged "
           "(own sequence minus the partner's acknowledged one).",
           ha.unacked_updates);
  w.single("blackstart_ha_unacked_leases", "gauge",
           "Addresses whose latest change was committed here alone, not acknowledged by the "
           "partner (since this start).",
           ha.unacked_leases);
  w.single("blackstart_ha_batches_sent_total", "counter", "Committed batches sent to the partner.",
           ha.batches_sent);
  w.single("blackstart_ha_batches_timed_out_total", "counter",
           "Batches the partner did not acknowledge within max-ack-delay (ACKs withheld).",
           ha.batches_timed_out);
  w.single("blackstart_ha_partner_batches_applied_total", "counter",
           "Batches from the partner committed here.", ha.partner_batches_applied);
  w.single("blackstart_ha_mclt_capped_total", "counter",
           "Leases shortened to MCLT beyond what the partner acknowledged.", ha.mclt_capped);
}

}  // namespace

std::string format_metrics(const StatusSnapshot& s) {
  Writer w;
  w.family("blackstart_build_info", "gauge", "Always 1; the version is a label.");
  w.sample("blackstart_build_info", fmt::format("version=\"{}\"", s.version), 1);
  w.single("blackstart_start_time_seconds", "gauge", "When the daemon started, Unix seconds.",
           s.started_at_s);
  w.single("blackstart_uptime_seconds", "gauge", "Seconds since the daemon started.",
           s.now_s - s.started_at_s);
  write_packets(w, s);
  write_pools(w, s);
  write_store(w, s);
  write_signals(w, s);
  if (s.ha) write_ha(w, *s.ha);
  return w.take();
}

}  // namespace bs::control
