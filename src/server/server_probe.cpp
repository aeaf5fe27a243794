// Conflict probing in the pipeline (the probe stage is probe_stage.h). A
// reply whose address is uncertain (probe_policy.h) is held with its
// decoded query instead of being sent; the prober asks the link. Silence
// until the timeout releases the reply into the current batch (an ACK
// still waits for the commit). An answer from another device marks the
// address declined for the probation period, as a DHCPDECLINE would, and
// the query is handled again, from the packet decoded the first time, so
// the client gets the next address without waiting for its own
// retransmission. The client answering for itself (its chaddr in the ARP
// reply) releases the reply.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/assert.h"
#include "server/server.h"

namespace bs::server {
namespace {

std::string describe_responder(const io::ProbeAnswer& answer) {
  if (!answer.mac) return "an ICMP echo reply";
  return fmt::format("MAC {:02x}", fmt::join(*answer.mac, ":"));
}

// The change a held outcome applied in the engine, if any.
const LeaseChange* held_change(const HeldOutcome& held) {
  const auto* promise = std::get_if<Promise>(&held);
  return promise != nullptr ? &promise->change : nullptr;
}

}  // namespace

void Server::hold_or_file(HeldOutcome&& held, DecodedQuery&& query, uint8_t probe_attempt) {
  const Reply* reply = reply_of(held);
  if (reply == nullptr || !reply->probe || !probes_.active()) {
    file(std::move(held), query);
    return;
  }
  const ProbeNeed need = *reply->probe;
  PendingProbe entry{.request = need.request,
                     .subnet_id = need.subnet_id,
                     .held = std::move(held),
                     .query = std::move(query),
                     .deadline_ms = clock_.monotonic_ms() + config_.probing.timeout_ms,
                     .attempt = probe_attempt};
  switch (probes_.park(entry)) {
    case ProbeStage::Parked::Waiting:
      return;
    case ProbeStage::Parked::Duplicate:
      if (const LeaseChange* change = held_change(entry.held)) engine_->revert(*change);
      return;
    case ProbeStage::Parked::Full:
      if (const LeaseChange* change = held_change(entry.held)) engine_->revert(*change);
      counters_.drop(DropReason::ProbeBacklog);
      return;
    case ProbeStage::Parked::NotSent:
      // An unsendable probe cannot be waited for; say so and go on without it.
      input_log_.warn(
          "probe-send",
          fmt::format("conflict probe for {} not sent", to_string(need.request.address)),
          clock_.monotonic_ms());
      file(std::move(entry.held), entry.query);
      return;
  }
}

void Server::run_probe_stage(int64_t now_s) {
  if (!probes_.active()) return;
  // Handling a conflict may probe the next address, and a device that
  // answers at once (or a cached ARP entry) is heard on the next poll: a
  // few rounds settle those here instead of one batch later each.
  for (uint8_t round = 0; round <= kMaxProbeAttempts; ++round) {
    probe_results_.clear();
    if (!probes_.poll_answers(probe_results_, clock_.monotonic_ms())) break;
    settle(probe_results_, now_s);
  }
  probe_results_.clear();
  probes_.take_expired(clock_.monotonic_ms(), probe_results_);
  settle(probe_results_, now_s);
  probe_results_.clear();
}

void Server::settle(ProbeResults& results, int64_t now_s) {
  for (PendingProbe& entry : results.released) file(std::move(entry.held), entry.query);
  for (ProbeConflict& conflict : results.conflicted) {
    PendingProbe& entry = conflict.entry;
    mark_conflict(entry, conflict.answer, now_s);
    if (entry.attempt + 1 >= kMaxProbeAttempts) {
      counters_.drop(DropReason::ProbeConflict);
      continue;
    }
    const io::InterfaceInfo* link = find_link(entry.query.received.ifindex);
    if (link == nullptr) {
      counters_.drop(DropReason::UnknownInterface);
      continue;
    }
    handle(std::move(entry.query), *link, now_s, static_cast<uint8_t>(entry.attempt + 1));
  }
}

// The address is quarantined like a declined one: durable (a restart must
// not offer it either) and free again after the probation period.
void Server::mark_conflict(const PendingProbe& entry, const io::ProbeAnswer& answer,
                           int64_t now_s) {
  const Ip4 address = entry.request.address;
  if (const LeaseChange* change = held_change(entry.held)) {
    const Lease* now = engine_->find_by_address(address);
    // Only undo what is still ours to undo; an admin edit in between wins.
    if (now != nullptr && change->after && *now == *change->after) engine_->revert(*change);
  }
  Lease mark;
  mark.address = address;
  if (answer.mac) mark.hw_address = make_hwaddr(*answer.mac);
  mark.hostname = kConflictMarkHostname;
  mark.subnet_id = entry.subnet_id;
  mark.cltt_s = now_s;
  mark.valid_lifetime_s = config_.decline_probation_period_s;
  mark.state = LeaseState::Declined;
  commit_->add(Promise{engine_->put_lease(mark, now_s), std::nullopt});
  const std::string text =
      fmt::format("{} answered a conflict probe ({}): marked in use for {} s", to_string(address),
                  describe_responder(answer), config_.decline_probation_period_s);
  input_log_.warn("probe-conflict", text, clock_.monotonic_ms());
  events_.add(Event{.at_s = now_s,
                    .kind = EventKind::Conflict,
                    .address = address,
                    .hw_address = mark.hw_address,
                    .client_id = {},
                    .text = text});
}

// Before a reload swaps the engine: held changes were never committed, so
// they are undone (newest first) rather than carried into the new engine.
void Server::abandon_probes() {
  std::vector<LeaseChange> changes;
  for (const PendingProbe& entry : probes_.take_all()) {
    if (const LeaseChange* change = held_change(entry.held)) changes.push_back(*change);
  }
  revert_newest_first(*engine_, changes);
}

int Server::receive_timeout_ms() const {
  // With an HA partner the loop also serves the partner link between
  // batches: a link whose descriptor the transport watches wakes the wait
  // itself, and a heartbeat due sooner shortens it; any other link is
  // polled every few milliseconds.
  int idle_ms = options_.receive_timeout_ms;
  if (replicator_) {
    idle_ms =
        partner_wakes_
            ? static_cast<int>(std::clamp<int64_t>(replicator_->ms_until_heartbeat(), 0, idle_ms))
            : std::min(idle_ms, kPartnerPollMs);
  }
  const auto deadline_ms = probes_.next_deadline_ms();
  if (!deadline_ms) return idle_ms;
  const int64_t wait_ms = std::max<int64_t>(1, *deadline_ms - clock_.monotonic_ms() + 1);
  return static_cast<int>(std::min<int64_t>(wait_ms, idle_ms));
}

}  // namespace bs::server
