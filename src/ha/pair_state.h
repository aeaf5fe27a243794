// The HA pair's state machine: pure and deterministic. No sockets and no
// clock: every event carries the time (monotonic milliseconds for the
// timers; wall seconds only where a lease's own expiry is compared, and
// only with this server's own clock). The daemon feeds it what the partner
// link saw (contact, acknowledgements, timeouts), what clients sent, and
// commands; it answers which clients this server serves, which free
// addresses it may hand out, how long a lease may be, and whether an ACK
// must wait for the partner. The rules, and why each is safe, are in
// docs/ARCHITECTURE.md, "High availability".
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"
#include "ha/ha_config.h"
#include "ha/load_balance.h"

namespace bs::ha {

enum class State : uint8_t {
  Waiting,               // started, partner not heard yet: own clients, own share, MCLT cap
  Syncing,               // exchanging what each missed; only a server that was serving goes on
  Ready,                 // synced; waits for the partner to be ready too
  HotStandby,            // normal operation, hot-standby mode
  LoadBalancing,         // normal operation, load-balancing mode
  PartnerUnreachable,    // contact lost: own clients, own share, MCLT cap
  PartnerDown,           // partner known down: all clients; its share after MCLT
  InMaintenance,         // told to step aside: serves nobody
  PartnerInMaintenance,  // the partner steps aside: this server serves all
};
std::string_view to_string(State state);
std::optional<State> parse_state(std::string_view text);
bool is_normal(State state);

// What survives a restart (ha_state_file.h writes it with fsync). The state
// itself is kept for the record only: a restart always begins in Waiting,
// never in partner-down.
struct Persisted {
  State last_state = State::Waiting;
  uint64_t own_sequence = 0;              // the last sequence number this server gave out
  uint64_t partner_acked_sequence = 0;    // the highest of ours the partner committed
  uint64_t partner_applied_sequence = 0;  // the highest of the partner's we committed
  bool operator==(const Persisted&) const = default;
};

// How a lease update numbered by the partner fits what we applied.
enum class UpdateFit : uint8_t { Next, Duplicate, Gap };

class PairState {
 public:
  PairState(const HaConfig& config, int64_t now_ms, const Persisted& restored = {});

  State state() const { return state_; }
  std::optional<State> partner_state() const { return partner_state_; }
  Role role() const { return role_; }
  Role partner_role() const { return partner_role_; }
  const HaConfig& config() const { return config_; }
  // Monotonic ms of the last message from the partner; nullopt: never.
  std::optional<int64_t> last_contact_ms() const { return last_contact_ms_; }
  size_t unacked_clients() const { return unacked_.size(); }
  Persisted persisted() const;
  // Counts entries into syncing, so the replicator sees each new one.
  uint64_t syncs_begun() const { return syncs_begun_; }

  // Events from the partner link and the clock.
  void contact(int64_t now_ms, State partner_state);
  void tick(int64_t now_ms);
  // A batch's update was not acknowledged within max-ack-delay.
  void update_timed_out(int64_t now_ms);
  void sync_done(int64_t now_ms);
  // A query from a client, before it is handled: in partner-unreachable a
  // partner's client that has waited longer than max-ack-delay (its secs
  // field) counts towards max-unacked-clients.
  void client_query(int64_t now_ms, const ClientKey& key, uint16_t secs);

  // Commands (the control API's ha-* commands). Errors are for the caller.
  tl::expected<void, std::string> partner_down_command(int64_t now_ms);
  tl::expected<void, std::string> maintenance_start(int64_t now_ms);
  void maintenance_notify(int64_t now_ms);  // the partner asked us to step aside
  tl::expected<void, std::string> maintenance_cancel(int64_t now_ms);

  // Decisions.
  bool serves(const ClientKey& key) const;
  bool may_allocate(Ip4 free_address, int64_t now_ms) const;
  // Whether a free address that still has another client's row (expired,
  // released, reclaimed; its lease ended at `row_end_s`, wall clock) may
  // go to a new client; `row_owner` is that row's client. A partner that
  // serves the row's client on its own may renew that lease again and
  // again, each time by up to MCLT from then (draft-12's cap), so no end
  // we know bounds it. Such a row is reused only by a replicating pair,
  // which hears every change, or in partner-down once MCLT has passed
  // since both the row's end and the declaration (draft-12's rule for
  // PARTNER-DOWN). A row of one of our own clients is free to reuse: the
  // partner serves our clients only in its own partner-down.
  bool may_reuse(const ClientKey& row_owner, int64_t row_end_s, int64_t now_s,
                 int64_t now_ms) const;
  // True when an ACK must wait for the partner's commit (LocalAndPartner).
  bool replicates() const;
  // The lease time a client may get: `desired_s`, unless the partner will
  // not have acknowledged it before the ACK leaves; then at most MCLT past
  // the expiry the partner last acknowledged for this address
  // (`partner_acked_expiry_s`, this server's clock; 0: none).
  uint32_t lease_time_s(uint32_t desired_s, int64_t now_s, int64_t partner_acked_expiry_s) const;

  // Sequence numbers of lease updates, per server, never reused.
  uint64_t next_sequence() { return ++own_sequence_; }
  uint64_t own_sequence() const { return own_sequence_; }
  // The partner has seen our numbers up to `sequence` (our own record of
  // them was lost): continue past them, never reuse one.
  void skip_sequence_past(uint64_t sequence) { own_sequence_ = std::max(own_sequence_, sequence); }
  void partner_acked(uint64_t sequence);
  uint64_t partner_acked_sequence() const { return partner_acked_sequence_; }
  // Updates this server sent that the partner has not acknowledged.
  uint64_t unacked_updates() const { return own_sequence_ - partner_acked_sequence_; }
  UpdateFit fit_partner_update(uint64_t sequence) const;
  void partner_update_applied(uint64_t sequence);
  uint64_t partner_applied_sequence() const { return partner_applied_sequence_; }

 private:
  void enter(State next, int64_t now_ms);
  State normal_state() const;
  bool normally_mine(const ClientKey& key) const;
  bool failure_detected(int64_t now_ms) const;
  int64_t contact_timeout_ms() const;

  HaConfig config_;
  Role role_;
  Role partner_role_;
  State state_ = State::Waiting;
  std::optional<State> partner_state_;
  int64_t entered_ms_ = 0;
  std::optional<int64_t> last_contact_ms_;
  std::optional<int64_t> partner_down_since_ms_;
  // Hashes of the partner's clients seen waiting; bounded by
  // max-unacked-clients + 1.
  std::vector<uint64_t> unacked_;
  // Whom a server serves while syncing: what it served before, less the
  // partner's free addresses (a returning server serves nobody).
  enum class SyncServes : uint8_t { Nobody, Own, All };
  SyncServes sync_serves_ = SyncServes::Nobody;
  uint64_t syncs_begun_ = 0;
  uint64_t own_sequence_ = 0;
  uint64_t partner_acked_sequence_ = 0;
  uint64_t partner_applied_sequence_ = 0;
};

}  // namespace bs::ha
