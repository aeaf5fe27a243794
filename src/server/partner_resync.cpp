// The resync after a return (partner_replicator.h, partner_link.h), keyed
// by each server's own sequence numbers, never by clocks.
//
// Entering syncing, each side sends a SyncRequest naming the last of the
// partner's changes it has durably applied. The partner answers from that
// point: pages of at most sync-page-limit changes out of its journal, each
// sent only once the previous one was acknowledged; the receiver commits a
// page in its own store (its own fsync) before the SyncAck. When the
// journal no longer reaches back to the requested point, the sender first
// dumps every row it stores, page by page, and then goes on from its
// journal where the dump began. A side leaves syncing once the partner's
// complete page is applied here and our own complete page is acknowledged
// with nothing numbered since. Changes both sides made to one address
// while apart are settled by ha/resync_rule.h.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/assert.h"
#include "ha/load_balance.h"
#include "ha/resync_rule.h"
#include "server/partner_replicator.h"

namespace bs::server {
namespace {

// A request unanswered this many contact timeouts is sent again (a frame
// may have been lost when the connection was re-made).
constexpr int64_t kRequestRetryFactor = 2;

}  // namespace

void PartnerReplicator::drive_sync(int64_t now_ms) {
  const ha::HaConfig& config = pair_.config();
  if (pair_.state() == ha::State::PartnerUnreachable || pair_.state() == ha::State::PartnerDown) {
    // Out of contact: nothing is resent into the void, and what was in
    // flight is stale by the time the pair meets again.
    forget_sync();
    return;
  }
  if (pair_.syncs_begun() != syncs_seen_) {
    syncs_seen_ = pair_.syncs_begun();
    if (pair_.state() == ha::State::Syncing) request_sync(now_ms, false);
  }
  const int64_t retry_ms =
      kRequestRetryFactor * (int64_t{config.heartbeat_delay_ms} + config.max_ack_delay_ms);
  if (inbound_.requested && !inbound_.got_page && now_ms - inbound_.requested_ms >= retry_ms) {
    request_sync(now_ms, inbound_.full);
  }
  pump_outbound(now_ms);
  if (pair_.state() == ha::State::Syncing && inbound_.done && outbound_caught_up()) {
    ++counters_.syncs_completed;
    spdlog::info("HA: resync done: {} of the partner's changes applied, ours acknowledged up to {}",
                 inbound_.applied_changes, outbound_.cursor);
    pair_.sync_done(now_ms);
  }
}

void PartnerReplicator::forget_sync() {
  outbound_ = Outbound{};
  inbound_ = Inbound{};
}

void PartnerReplicator::request_sync(int64_t now_ms, bool full) {
  // A request sent again keeps the first one's baseline: meanwhile the
  // partner acknowledged pages of ours, and a later baseline would hide
  // those changes from the conflict rule (resolve_conflicts).
  const bool again = inbound_.requested && !inbound_.done;
  const uint64_t baseline = again ? inbound_.baseline : pair_.partner_acked_sequence();
  inbound_ = Inbound{};
  inbound_.requested = true;
  inbound_.full = full;
  inbound_.baseline = baseline;
  inbound_.requested_ms = now_ms;
  send(SyncRequest{pair_.partner_applied_sequence(), full});
}

// A request (re)starts our side from the point it names: the partner may
// have restarted and lost what it had not made durable.
void PartnerReplicator::start_outbound(const SyncRequest& request) {
  if (request.applied_sequence > pair_.own_sequence()) {
    // Our own record of numbers given out was lost; never reuse one.
    pair_.skip_sequence_past(request.applied_sequence);
  }
  outbound_ = Outbound{};
  outbound_.active = true;
  outbound_.cursor = request.applied_sequence;
  outbound_.full = request.full || !journal_.covers(request.applied_sequence);
  if (!outbound_.full) return;
  ++counters_.sync_full_dumps_sent;
  outbound_.dump_snapshot = pair_.own_sequence();
  if (applier_ != nullptr) outbound_.dump_addresses = applier_->stored_addresses();
  std::sort(outbound_.dump_addresses.begin(), outbound_.dump_addresses.end());
  spdlog::info(
      "HA: resync to the partner by full dump ({} rows): it asked from {}, journal from {}",
      outbound_.dump_addresses.size(), request.applied_sequence, journal_.base());
}

bool PartnerReplicator::outbound_caught_up() const {
  return outbound_.active && outbound_.caught_up && !outbound_.full && !outbound_.in_flight &&
         outbound_.cursor >= pair_.own_sequence();
}

void PartnerReplicator::pump_outbound(int64_t now_ms) {
  if (!outbound_.active) return;
  if (outbound_.in_flight) {
    if (now_ms - outbound_.sent_ms >= pair_.config().max_ack_delay_ms) {
      outbound_.sent_ms = now_ms;
      send(*outbound_.in_flight);  // the receiver applies a page again harmlessly
    }
    return;
  }
  // While replicating, every batch is acknowledged before its ACK: the
  // journal's tail has already crossed.
  if (!outbound_.full && pair_.replicates()) {
    outbound_.cursor = std::max(outbound_.cursor, pair_.partner_acked_sequence());
  }
  if (outbound_caught_up()) return;
  if (!outbound_.full && !journal_.covers(outbound_.cursor)) {
    start_outbound(SyncRequest{outbound_.cursor, true});  // the journal moved on meanwhile
  }
  outbound_.in_flight = next_page();
  outbound_.sent_ms = now_ms;
  ++counters_.sync_pages_sent;
  note_partner_may_hold(outbound_.in_flight->changes);
  send(*outbound_.in_flight);
}

SyncPage PartnerReplicator::next_page() {
  SyncPage page;
  page.page = ++page_number_;
  const size_t limit = std::max<uint32_t>(pair_.config().sync_page_limit, 1);
  if (outbound_.full) {
    page.full = true;
    page.last_sequence = outbound_.dump_snapshot;
    const size_t end = std::min(outbound_.dump_addresses.size(), outbound_.dump_at + limit);
    for (size_t at = outbound_.dump_at; at < end; ++at) {
      const Ip4 address = outbound_.dump_addresses[at];
      // The row as it is now: one deleted since the snapshot is in the
      // journal's tail, which follows the dump. The journal's copy first:
      // it is the row as this server committed it.
      if (const ha::JournalEntry* entry = journal_.latest_of(address)) {
        if (entry->after) page.changes.push_back(LeaseChange{address, std::nullopt, entry->after});
      } else if (auto row = applier_ != nullptr ? applier_->local_row(address) : std::nullopt) {
        page.changes.push_back(LeaseChange{address, std::nullopt, std::move(row)});
      }
    }
    outbound_.in_flight_dumped = end - outbound_.dump_at;
    return page;
  }
  const auto entries = journal_.entries_after(outbound_.cursor, limit);
  for (const ha::JournalEntry& entry : entries) {
    page.changes.push_back(LeaseChange{entry.address, std::nullopt, entry.after});
  }
  page.complete = entries.size() < limit;
  page.last_sequence = page.complete ? pair_.own_sequence() : entries.back().sequence;
  return page;
}

void PartnerReplicator::handle_sync_ack(const SyncAck& ack) {
  if (!outbound_.in_flight || outbound_.in_flight->page != ack.page) return;  // stale
  const SyncPage page = std::move(*outbound_.in_flight);
  outbound_.in_flight.reset();
  // The partner applied the page, except where the conflict rule kept its
  // own version: which one it holds is not known here, so the MCLT cap
  // goes on counting from the lower bound noted when the page was sent.
  for (const LeaseChange& change : page.changes) unacked_addresses_.erase(change.address.value);
  if (page.full) {
    outbound_.dump_at += outbound_.in_flight_dumped;
    if (outbound_.dump_at >= outbound_.dump_addresses.size()) {
      outbound_.full = false;
      outbound_.dump_addresses = {};
      outbound_.cursor = outbound_.dump_snapshot;
    }
    return;
  }
  outbound_.cursor = std::max(outbound_.cursor, page.last_sequence);
  if (page.last_sequence > pair_.partner_acked_sequence()) pair_.partner_acked(page.last_sequence);
  outbound_.caught_up = page.complete;
}

// The partner's page, committed here before it is acknowledged. A journal
// page already applied (its acknowledgement was lost) is acknowledged
// again without applying it twice.
void PartnerReplicator::handle_page(SyncPage& page) {
  // Only an answer to our own request: a page from an earlier meeting
  // may be older than what the partner sends us since.
  if (!inbound_.requested) return;
  const bool duplicate = !page.full && page.last_sequence <= pair_.partner_applied_sequence();
  if (!duplicate) {
    const std::vector<LeaseChange> kept = resolve_conflicts(page.changes);
    if (!kept.empty() && (applier_ == nullptr || !applier_->apply_partner_changes(kept))) {
      ++counters_.partner_batches_refused;
      return;  // no acknowledgement: the partner sends the page again
    }
    // A journal page may carry an older version of an address than the
    // partner holds now: only a lower bound of what it holds.
    note_partner_may_hold(kept);
    for (const LeaseChange& change : kept) unacked_addresses_.erase(change.address.value);
    inbound_.applied_changes += kept.size();
    if (!page.full && page.last_sequence > pair_.partner_applied_sequence()) {
      pair_.partner_update_applied(page.last_sequence);
    }
  }
  ++counters_.sync_pages_applied;
  inbound_.got_page = true;
  if (page.complete) inbound_.done = true;
  send(SyncAck{page.page});
}

// An address changed here since the partner last acknowledged our changes
// (the baseline) and in the page as well was changed on both sides while
// apart: the rule decides which version both keep. Without a journal
// reaching back to the baseline, any difference counts as such a change.
std::vector<LeaseChange> PartnerReplicator::resolve_conflicts(
    std::span<const LeaseChange> changes) {
  std::vector<LeaseChange> kept;
  kept.reserve(changes.size());
  const bool known = journal_.covers(inbound_.baseline);
  const int64_t now_s = clock_.now_s();
  const ha::HaConfig& config = pair_.config();
  for (const LeaseChange& change : changes) {
    const std::optional<Lease> mine =
        applier_ != nullptr ? applier_->local_row(change.address) : std::nullopt;
    const bool changed_here = known ? journal_.last_change_of(change.address) > inbound_.baseline
                                    : mine.has_value() && mine != change.after;
    if (!changed_here) {
      kept.push_back(change);
      continue;
    }
    const bool i_own = ha::address_owner(config.mode, config.standby_share_percent,
                                         change.address) == pair_.role();
    if (ha::resolve_conflict(mine, change.after, i_own, now_s) == ha::Keep::Theirs) {
      ++counters_.sync_conflicts_taken;
      kept.push_back(change);
    } else {
      ++counters_.sync_conflicts_kept;
    }
  }
  return kept;
}

tl::expected<uint64_t, std::string> PartnerReplicator::command_sync(const std::string& server_name,
                                                                    uint32_t max_period_s) {
  const std::string& partner = pair_.config().partner().name;
  if (!server_name.empty() && server_name != partner) {
    return tl::unexpected("'" + server_name + "' is not this server's partner ('" + partner + "')");
  }
  const auto since_ms = since_contact_ms();
  const int64_t contact_timeout_ms =
      int64_t{pair_.config().heartbeat_delay_ms} + pair_.config().max_ack_delay_ms;
  if (!since_ms || *since_ms > contact_timeout_ms) {
    return tl::unexpected("the partner " + partner + " is not reachable");
  }
  const int64_t deadline_ms = clock_.monotonic_ms() + int64_t{max_period_s} * 1000;
  request_sync(clock_.monotonic_ms(), true);
  // Bounded by the deadline; each round waits for frames or returns them.
  constexpr int kRoundMs = 100;
  while (!inbound_.done) {
    const int64_t left_ms = deadline_ms - clock_.monotonic_ms();
    if (left_ms <= 0) {
      return tl::unexpected("the partner's leases did not all arrive within " +
                            std::to_string(max_period_s) + " s (" +
                            std::to_string(inbound_.applied_changes) + " applied so far)");
    }
    poll(static_cast<int>(std::min<int64_t>(left_ms, kRoundMs)));
  }
  return inbound_.applied_changes;
}

}  // namespace bs::server
