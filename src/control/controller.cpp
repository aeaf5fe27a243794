// The pipeline-side state of the control API: rates, event totals, store
// health, and reloading the configuration.
#include "control/controller.h"

#include <spdlog/spdlog.h>

#include <numeric>

#include "control/log_severity.h"

namespace bs::control {
namespace {

// Rates are averaged over this window, sampled about once a second.
constexpr int64_t kSampleEvery_ms = 1000;
constexpr size_t kSamplesKept = 11;  // 10 s window

uint64_t total_drops(const server::Counters& counters) {
  return std::accumulate(counters.drops.begin(), counters.drops.end(), uint64_t{0});
}

}  // namespace

const char* version() {
#ifdef BS_VERSION
  return BS_VERSION;
#else
  return "unknown";
#endif
}

Controller::Controller(server::Server& server, const Clock& clock, RunningConfig running,
                       std::string store_description)
    : server_(server),
      clock_(clock),
      running_(std::move(running)),
      started_at_s_(clock.now_s()),
      reloaded_at_s_(started_at_s_) {
  store_.description = std::move(store_description);
  commits_seen_ = server_.counters().commits;
  failures_seen_ = server_.counters().commit_failures;
  tick();
}

void Controller::tick() {
  count_new_events();
  track_store_health();
  const int64_t at_ms = clock_.monotonic_ms();
  if (!samples_.empty() && at_ms - samples_.back().at_ms < kSampleEvery_ms) return;
  const server::Counters& counters = server_.counters();
  samples_.push_back(
      Sample{at_ms, counters.packets_received, counters.packets_sent, total_drops(counters)});
  if (samples_.size() > kSamplesKept) samples_.pop_front();
}

void Controller::count_new_events() {
  const server::EventLog& log = server_.events();
  const uint64_t fresh = log.total() - events_seen_;
  // The ring holds thousands of events and this runs after every batch, so
  // nothing is missed unless one batch alone overflows it.
  const size_t visible = std::min<uint64_t>(fresh, log.all().size());
  for (auto it = log.all().end() - static_cast<std::ptrdiff_t>(visible); it != log.all().end();
       ++it) {
    ++events_by_kind_[server::to_string(it->kind)];
    if (it->kind == server::EventKind::StorageError) {
      store_.last_error = it->text;
      store_.last_error_at_s = it->at_s;
    }
  }
  events_seen_ = log.total();
}

void Controller::track_store_health() {
  const server::Counters& counters = server_.counters();
  if (counters.commit_failures > failures_seen_) {
    store_.healthy = false;
  } else if (counters.commits > commits_seen_) {
    store_.healthy = true;
  }
  failures_seen_ = counters.commit_failures;
  commits_seen_ = counters.commits;
}

Rates Controller::rates() const {
  if (samples_.size() < 2) return {};
  const Sample& first = samples_.front();
  const Sample& last = samples_.back();
  const double seconds = static_cast<double>(last.at_ms - first.at_ms) / 1000.0;
  if (seconds <= 0) return {};
  return Rates{static_cast<double>(last.received - first.received) / seconds,
               static_cast<double>(last.sent - first.sent) / seconds,
               static_cast<double>(last.dropped - first.dropped) / seconds};
}

RecoveryView Controller::recovery_view() const {
  if (!server_.in_recovery()) return {false, 0, "off: the last shutdown was clean"};
  const int64_t left_s = std::max<int64_t>(0, server_.recovery_until_s() - clock_.now_s());
  return {true, server_.recovery_until_s(),
          fmt::format("after an unclean shutdown the server may have forgotten leases; "
                      "addresses it believes free are probed before use for another {} s",
                      left_s)};
}

StatusSnapshot Controller::snapshot() const {
  StatusSnapshot out;
  out.version = version();
  out.config_path = running_.path;
  out.now_s = clock_.now_s();
  out.started_at_s = started_at_s_;
  out.reloaded_at_s = reloaded_at_s_;
  out.counters = server_.counters();
  out.histograms = server_.histograms();
  for (const config::Subnet& subnet : server_.config().subnets) {
    out.subnets.push_back(
        SubnetView{subnet.id, to_string(subnet.prefix) + "/" + std::to_string(subnet.prefix_len),
                   server_.engine().stats(subnet.id, out.now_s)});
  }
  out.events_by_kind = events_by_kind_;
  out.lease_records = server_.engine().lease_count();
  out.rates = rates();
  out.store = store_;
  out.recovery = recovery_view();
  out.rogues = server_.rogues().servers();
  out.rogue_sightings = server_.rogues().sightings_total();
  out.reloads_ok = reloads_ok_;
  out.reloads_failed = reloads_failed_;
  out.last_reload_error = last_reload_error_;
  out.ha = ha_view();
  return out;
}

std::optional<HaView> Controller::ha_view() const {
  const server::PartnerReplicator* partner = server_.partner();
  if (partner == nullptr) return std::nullopt;
  const ha::PairState& pair = partner->pair();
  const ha::HaConfig& config = pair.config();
  const server::ReplicationCounters& counters = partner->counters();
  HaView view;
  view.mode = std::string(ha::to_string(config.mode));
  view.role = std::string(ha::to_string(pair.role()));
  view.state = std::string(ha::to_string(pair.state()));
  view.partner_role = std::string(ha::to_string(pair.partner_role()));
  if (pair.partner_state()) view.partner_state = std::string(ha::to_string(*pair.partner_state()));
  view.last_contact_ms_ago = partner->since_contact_ms();
  // In touch: heard within the time the state machine allows for silence.
  const int64_t touch_ms = static_cast<int64_t>(config.heartbeat_delay_ms) +
                           static_cast<int64_t>(config.max_ack_delay_ms);
  view.in_touch = view.last_contact_ms_ago && *view.last_contact_ms_ago <= touch_ms;
  view.own_sequence = pair.own_sequence();
  view.partner_acked_sequence = pair.partner_acked_sequence();
  view.unacked_updates = pair.unacked_updates();
  view.unacked_leases = partner->unacked_leases();
  view.batches_sent = counters.batches_sent;
  view.batches_timed_out = counters.batches_timed_out;
  view.partner_batches_applied = counters.partner_batches_applied;
  view.sequence_gaps = counters.sequence_gaps;
  view.mclt_capped = server_.counters().ha_mclt_capped;
  view.mclt_s = config.mclt_s;
  return view;
}

void Controller::reload_failed(const std::string& error) {
  ++reloads_failed_;
  last_reload_error_ = error;
  spdlog::error("configuration reload refused, the running configuration stays: {}", error);
  server::Event event;
  event.at_s = clock_.now_s();
  event.kind = server::EventKind::ConfigReload;
  event.text = "reload refused, running configuration kept: " + error;
  server_.record_event(std::move(event));
}

tl::expected<std::string, std::string> Controller::reload_from_file() {
  auto next = load_running_config(running_.path);
  if (!next) {
    reload_failed(next.error().to_string());
    return tl::unexpected(next.error().to_string());
  }
  if (auto change = restart_only_change(running_.config, next->config)) {
    const std::string error = running_.path + ": " + *change + "; restart blackstart to apply it";
    reload_failed(error);
    return tl::unexpected(error);
  }
  server_.reload(next->config);
  apply_log_severity(next->config.log_severity);
  running_ = std::move(*next);
  reloaded_at_s_ = clock_.now_s();
  ++reloads_ok_;
  last_reload_error_.clear();
  return fmt::format("configuration reloaded from {}: {} subnets", running_.path,
                     running_.config.subnets.size());
}

}  // namespace bs::control
