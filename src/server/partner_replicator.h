// The HA pair's replication, on the packet thread: it owns the pair's
// state machine (ha/pair_state.h) and the partner link, sends each
// committed batch to the partner as one message and waits for the
// partner's acknowledgement, at most max-ack-delay.
//
// The wait cannot deadlock: two servers that send each other a batch at
// the same instant both wait in replicate(), and while waiting each one
// keeps serving the partner's incoming frames (it commits the partner's
// batch and acknowledges it), so each one's acknowledgement arrives. A
// server never waits for anything while applying the partner's batch, so
// the waits do not nest. And every wait ends at max-ack-delay regardless.
//
// A batch that is not acknowledged in time stays committed locally, its
// ACKs are withheld (the clients retransmit), and the pair turns
// partner-unreachable, where the MCLT cap applies; nothing is queued to be
// ACKed later.
//
// Every change this server commits is numbered and kept in its journal
// (ha/journal.h), paired or not; when the partner has not acknowledged a
// change, the journal is made durable before the change's ACK leaves.
// When the pair meets again (syncing), each side asks for the other's
// changes after the last it applied and sends its own, page by page
// (partner_resync.cpp); a side leaves syncing once it has applied all of
// the partner's and the partner has acknowledged all of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alloc/lease.h"
#include "common/clock.h"
#include "ha/journal.h"
#include "ha/pair_state.h"
#include "server/partner_link.h"

namespace bs::server {

// Where the partner's batches go: this server's engine and store.
class PartnerApplier {
 public:
  virtual ~PartnerApplier() = default;
  // Makes the partner's changes durable here (one commit); false if the
  // store failed (the partner then gets no acknowledgement).
  virtual bool apply_partner_changes(std::span<const LeaseChange> changes) = 0;
  // The row stored here for `address` (the resync's conflict check).
  virtual std::optional<Lease> local_row(Ip4 address) const {
    (void)address;
    return std::nullopt;
  }
  // Every address with a stored row (a full dump's list), in any order.
  virtual std::vector<Ip4> stored_addresses() const { return {}; }
};

struct ReplicationCounters {
  uint64_t batches_sent = 0;
  uint64_t batches_acked = 0;
  uint64_t batches_timed_out = 0;
  uint64_t partner_batches_applied = 0;
  uint64_t partner_batches_refused = 0;  // the store failed: not acknowledged
  uint64_t sequence_gaps = 0;            // partner batches after missing ones
  uint64_t frames_received = 0;
  uint64_t syncs_completed = 0;
  uint64_t sync_pages_sent = 0;
  uint64_t sync_pages_applied = 0;
  uint64_t sync_full_dumps_sent = 0;  // the journal did not reach back far enough
  uint64_t sync_conflicts_kept = 0;   // both changed an address: ours kept
  uint64_t sync_conflicts_taken = 0;  // both changed an address: the partner's taken
  uint64_t journal_failures = 0;
};

class PartnerReplicator {
 public:
  PartnerReplicator(const ha::HaConfig& config, PartnerLink& link, const Clock& clock,
                    const ha::Persisted& restored = {});

  void set_applier(PartnerApplier* applier) { applier_ = applier; }
  ha::PairState& pair() { return pair_; }
  const ha::PairState& pair() const { return pair_; }
  const ReplicationCounters& counters() const { return counters_; }

  // The journal of own changes; memory-only until the daemon gives it
  // its file.
  void set_journal(ha::Journal journal) { journal_ = std::move(journal); }
  const ha::Journal& journal() const { return journal_; }

  // True when this batch's ACKs need the partner's acknowledgement.
  bool required() const { return pair_.replicates(); }
  // Numbers `changes` (committed here) and journals them. With `wait`,
  // sends them as one batch and waits for the acknowledgement while
  // serving the partner's frames; true: the partner committed them.
  // Whatever the partner did not acknowledge is made durable in the
  // journal before this returns (the ACKs leave after it).
  bool replicate(std::span<const LeaseChange> changes, bool wait = true);
  // Between batches: handles what arrived (waiting up to `timeout_ms`),
  // sends a heartbeat when one is due, and ticks the state machine.
  void poll(int timeout_ms);
  // When the lease at `address` ends in the partner's copy, as far as this
  // server knows (its own clock; 0: the partner holds nothing there). What
  // the MCLT cap counts from.
  int64_t partner_acked_expiry_s(Ip4 address) const;
  // The control API's ha-* commands, at this replicator's clock.
  tl::expected<void, std::string> command_partner_down();
  // This server stays and serves all; the partner is told to step aside.
  tl::expected<void, std::string> command_maintenance_start();
  tl::expected<void, std::string> command_maintenance_cancel();
  // Kea's ha-sync: fetches all of the partner's leases (a full dump, then
  // its journal tail) and waits up to `max_period_s` for the last page.
  // Returns how many changes were applied.
  tl::expected<uint64_t, std::string> command_sync(const std::string& server_name,
                                                   uint32_t max_period_s);
  // True while this server still expects pages from the partner.
  bool sync_pending() const { return inbound_.requested && !inbound_.done; }
  // Milliseconds since the partner was last heard; nothing: never.
  std::optional<int64_t> since_contact_ms() const;
  // Changes committed here alone (while the pair was not replicating, or
  // in a batch the partner did not acknowledge in time): counted per
  // address until the partner acknowledges a newer change of it or sends
  // its own. What status shows as unacknowledged leases; since this start.
  void note_local_only(std::span<const LeaseChange> changes);
  size_t unacked_leases() const { return unacked_addresses_.size(); }
  // Until poll() owes the partner a heartbeat (0: now), so a loop that
  // sleeps until a frame or a packet arrives still sends it on time.
  int64_t ms_until_heartbeat() const;

 private:
  void handle(LinkFrame& frame, int64_t now_ms);
  void handle_update(UpdateBatch& batch);
  void note_partner_holds(std::span<const LeaseChange> changes);
  void note_partner_may_hold(std::span<const LeaseChange> changes);
  bool send(LinkMessage message);
  void sync_journal();

  // The resync (partner_resync.cpp).
  void drive_sync(int64_t now_ms);
  void forget_sync();
  void request_sync(int64_t now_ms, bool full);
  void start_outbound(const SyncRequest& request);
  void pump_outbound(int64_t now_ms);
  SyncPage next_page();
  void handle_page(SyncPage& page);
  void handle_sync_ack(const SyncAck& ack);
  std::vector<LeaseChange> resolve_conflicts(std::span<const LeaseChange> changes);
  bool outbound_caught_up() const;

  // Our changes going to the partner during a resync.
  struct Outbound {
    bool active = false;
    bool full = false;       // dumping all rows first
    bool caught_up = false;  // a complete page was acknowledged
    uint64_t cursor = 0;     // the partner has our changes up to this
    uint64_t dump_snapshot = 0;
    std::vector<Ip4> dump_addresses;
    size_t dump_at = 0;
    size_t in_flight_dumped = 0;
    std::optional<SyncPage> in_flight;
    int64_t sent_ms = 0;
  };
  // The partner's changes coming here.
  struct Inbound {
    bool requested = false;
    bool full = false;
    bool got_page = false;
    bool done = false;
    uint64_t baseline = 0;  // partner's acknowledged mark of ours when the sync began
    uint64_t applied_changes = 0;
    int64_t requested_ms = 0;
  };

  ha::PairState pair_;
  PartnerLink& link_;
  const Clock& clock_;
  PartnerApplier* applier_ = nullptr;
  ReplicationCounters counters_;
  int64_t last_sent_ms_ = 0;
  std::vector<LinkFrame> frames_;  // reused
  ha::Journal journal_;
  Outbound outbound_;
  Inbound inbound_;
  uint32_t page_number_ = 0;  // never reset, so a late SyncAck matches nothing
  uint64_t syncs_seen_ = 0;
  // Per address the partner holds a lease for; bounded by the addresses
  // in the pools (an entry is dropped when the partner's row is).
  std::unordered_map<uint32_t, int64_t> acked_expiry_s_;
  // Addresses whose latest change here the partner has not acknowledged;
  // bounded by the addresses in the pools.
  std::unordered_set<uint32_t> unacked_addresses_;
};

}  // namespace bs::server
