// Replication to the HA partner (partner_replicator.h).
#include "server/partner_replicator.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/assert.h"

namespace bs::server {

PartnerReplicator::PartnerReplicator(const ha::HaConfig& config, PartnerLink& link,
                                     const Clock& clock, const ha::Persisted& restored)
    : pair_(config, clock.monotonic_ms(), restored),
      link_(link),
      clock_(clock),
      // Until the daemon gives it its file, the journal reaches back to
      // nothing given out before this start: a partner asking for older
      // changes gets a full dump, not an empty page.
      journal_(ha::kJournalEntries, pair_.own_sequence()) {}

bool PartnerReplicator::send(LinkMessage message) {
  last_sent_ms_ = clock_.monotonic_ms();
  return link_.send(LinkFrame{pair_.state(), std::move(message)});
}

void PartnerReplicator::sync_journal() {
  if (!journal_.sync()) ++counters_.journal_failures;
}

bool PartnerReplicator::replicate(std::span<const LeaseChange> changes, bool wait) {
  BS_ASSERT(!changes.empty());
  UpdateBatch batch;
  batch.first_sequence = pair_.own_sequence() + 1;
  for (const LeaseChange& change : changes) {
    journal_.append(pair_.next_sequence(), change.address, change.after);
    if (wait) batch.changes.push_back(LeaseChange{change.address, std::nullopt, change.after});
  }
  if (!wait) {
    sync_journal();
    return false;
  }
  const uint64_t last = pair_.own_sequence();
  ++counters_.batches_sent;
  note_partner_may_hold(changes);
  const int64_t deadline_ms = clock_.monotonic_ms() + pair_.config().max_ack_delay_ms;
  if (send(std::move(batch))) {
    // Bounded by the deadline; each round either gets frames or waits.
    while (pair_.partner_acked_sequence() < last) {
      const int64_t now_ms = clock_.monotonic_ms();
      if (now_ms >= deadline_ms) break;
      frames_.clear();
      link_.receive(frames_, static_cast<int>(deadline_ms - now_ms));
      for (LinkFrame& frame : frames_) handle(frame, clock_.monotonic_ms());
    }
  }
  if (pair_.partner_acked_sequence() >= last) {
    if (!journal_.flush()) ++counters_.journal_failures;
    ++counters_.batches_acked;
    note_partner_holds(changes);
    return true;
  }
  sync_journal();
  ++counters_.batches_timed_out;
  note_local_only(changes);
  pair_.update_timed_out(clock_.monotonic_ms());
  spdlog::warn("HA: partner did not acknowledge updates up to {} within {} ms; state {}", last,
               pair_.config().max_ack_delay_ms, ha::to_string(pair_.state()));
  return false;
}

void PartnerReplicator::poll(int timeout_ms) {
  frames_.clear();
  link_.receive(frames_, timeout_ms);
  for (LinkFrame& frame : frames_) handle(frame, clock_.monotonic_ms());
  const int64_t now_ms = clock_.monotonic_ms();
  if (now_ms - last_sent_ms_ >= pair_.config().heartbeat_delay_ms) send(Heartbeat{});
  pair_.tick(now_ms);
  drive_sync(now_ms);
}

void PartnerReplicator::note_local_only(std::span<const LeaseChange> changes) {
  for (const LeaseChange& change : changes) unacked_addresses_.insert(change.address.value);
}

void PartnerReplicator::note_partner_holds(std::span<const LeaseChange> changes) {
  for (const LeaseChange& change : changes) {
    unacked_addresses_.erase(change.address.value);
    if (change.after && change.after->state == LeaseState::Assigned) {
      acked_expiry_s_[change.address.value] = change.after->expires_at_s();
    } else {
      acked_expiry_s_.erase(change.address.value);
    }
  }
}

// What the partner holds is only known once it acknowledged it; a change
// on its way may already have reached it, so from the moment one is sent
// the cap counts from the shorter of the old row and the new one (a
// release the partner applied leaves it nothing to protect). Only ever
// lowers: an address with no entry counts as held for 0 s.
void PartnerReplicator::note_partner_may_hold(std::span<const LeaseChange> changes) {
  for (const LeaseChange& change : changes) {
    const auto it = acked_expiry_s_.find(change.address.value);
    if (it == acked_expiry_s_.end()) continue;
    const bool holds = change.after && change.after->state == LeaseState::Assigned;
    const int64_t new_expiry_s = holds ? change.after->expires_at_s() : 0;
    if (new_expiry_s <= 0) {
      acked_expiry_s_.erase(it);
    } else {
      it->second = std::min(it->second, new_expiry_s);
    }
  }
}

int64_t PartnerReplicator::partner_acked_expiry_s(Ip4 address) const {
  const auto it = acked_expiry_s_.find(address.value);
  return it == acked_expiry_s_.end() ? 0 : it->second;
}

tl::expected<void, std::string> PartnerReplicator::command_partner_down() {
  return pair_.partner_down_command(clock_.monotonic_ms());
}

tl::expected<void, std::string> PartnerReplicator::command_maintenance_start() {
  auto started = pair_.maintenance_start(clock_.monotonic_ms());
  if (started) send(MaintenanceNotify{});
  return started;
}

tl::expected<void, std::string> PartnerReplicator::command_maintenance_cancel() {
  return pair_.maintenance_cancel(clock_.monotonic_ms());
}

std::optional<int64_t> PartnerReplicator::since_contact_ms() const {
  const auto last = pair_.last_contact_ms();
  if (!last) return std::nullopt;
  return clock_.monotonic_ms() - *last;
}

int64_t PartnerReplicator::ms_until_heartbeat() const {
  const int64_t due_ms = last_sent_ms_ + pair_.config().heartbeat_delay_ms;
  return std::max<int64_t>(due_ms - clock_.monotonic_ms(), 0);
}

void PartnerReplicator::handle(LinkFrame& frame, int64_t now_ms) {
  ++counters_.frames_received;
  const uint64_t syncs_before = pair_.syncs_begun();
  pair_.contact(now_ms, frame.sender_state);
  // A new meeting: whatever the last one left in flight belongs to it
  // (a page resent now could carry an older version of an address than
  // the partner got since); each side asks afresh.
  if (pair_.syncs_begun() != syncs_before) forget_sync();
  if (auto* batch = std::get_if<UpdateBatch>(&frame.message)) {
    handle_update(*batch);
  } else if (const auto* ack = std::get_if<UpdateAck>(&frame.message)) {
    if (ack->last_sequence <= pair_.own_sequence()) pair_.partner_acked(ack->last_sequence);
  } else if (std::holds_alternative<MaintenanceNotify>(frame.message)) {
    pair_.maintenance_notify(now_ms);
  } else if (const auto* request = std::get_if<SyncRequest>(&frame.message)) {
    start_outbound(*request);
  } else if (auto* page = std::get_if<SyncPage>(&frame.message)) {
    handle_page(*page);
  } else if (const auto* sync_ack = std::get_if<SyncAck>(&frame.message)) {
    handle_sync_ack(*sync_ack);
  }
}

// The partner's batch: committed here with one fsync, then acknowledged.
// A batch sent again (its acknowledgement was lost) is acknowledged again
// without applying it twice. A gap (batches lost while the link was down)
// is applied and counted: what the gap held was either never ACKed to a
// client or granted apart under the MCLT cap from the sender's own share;
// the resync after a return brings those over (partner_resync.cpp).
void PartnerReplicator::handle_update(UpdateBatch& batch) {
  const uint64_t last = batch.first_sequence + batch.changes.size() - 1;
  const ha::UpdateFit fit = pair_.fit_partner_update(batch.first_sequence);
  if (fit == ha::UpdateFit::Duplicate) {
    if (last <= pair_.partner_applied_sequence()) send(UpdateAck{last});
    return;
  }
  if (applier_ == nullptr || !applier_->apply_partner_changes(batch.changes)) {
    ++counters_.partner_batches_refused;
    return;
  }
  if (fit == ha::UpdateFit::Gap) ++counters_.sequence_gaps;
  pair_.partner_update_applied(last);
  note_partner_holds(batch.changes);
  ++counters_.partner_batches_applied;
  send(UpdateAck{last});
}

}  // namespace bs::server
