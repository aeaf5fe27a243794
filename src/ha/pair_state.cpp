// The pair's state machine (pair_state.h). Each rule is one function; the
// transitions are all in enter()'s callers, so the table of what leads
// where is readable from this file alone.
#include "ha/pair_state.h"

#include <algorithm>
#include <array>

#include "common/assert.h"

namespace bs::ha {
namespace {

constexpr std::array<std::pair<State, std::string_view>, 9> kStateNames = {{
    {State::Waiting, "waiting"},
    {State::Syncing, "syncing"},
    {State::Ready, "ready"},
    {State::HotStandby, "hot-standby"},
    {State::LoadBalancing, "load-balancing"},
    {State::PartnerUnreachable, "partner-unreachable"},
    {State::PartnerDown, "partner-down"},
    {State::InMaintenance, "in-maintenance"},
    {State::PartnerInMaintenance, "partner-in-maintenance"},
}};

constexpr int64_t kMsPerSecond = 1000;

// FNV-1a over the client's identifier: the unacked-client set keeps 8
// bytes per client, not the identifier.
uint64_t client_hash(const ClientKey& key) {
  std::span<const uint8_t> bytes = key.client_id.empty() ? key.hw_address : key.client_id;
  uint64_t hash = 14695981039346656037ULL;
  for (uint8_t byte : bytes) hash = (hash ^ byte) * 1099511628211ULL;
  return hash;
}

// A partner in one of these states is not serving on its own: it expects
// our updates and will not hand out addresses we do not hear about.
bool partner_in_step(State partner) {
  return partner == State::Ready || is_normal(partner) || partner == State::InMaintenance ||
         partner == State::PartnerInMaintenance;
}

}  // namespace

std::string_view to_string(State state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) return name;
  }
  return "waiting";
}

std::optional<State> parse_state(std::string_view text) {
  for (const auto& [value, name] : kStateNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

bool is_normal(State state) { return state == State::HotStandby || state == State::LoadBalancing; }

PairState::PairState(const HaConfig& config, int64_t now_ms, const Persisted& restored)
    : config_(config),
      role_(config_.self().role),
      partner_role_(config_.partner().role),
      entered_ms_(now_ms),
      own_sequence_(restored.own_sequence),
      partner_acked_sequence_(restored.partner_acked_sequence),
      partner_applied_sequence_(restored.partner_applied_sequence) {
  BS_ASSERT(partner_acked_sequence_ <= own_sequence_);
}

Persisted PairState::persisted() const {
  return Persisted{state_, own_sequence_, partner_acked_sequence_, partner_applied_sequence_};
}

void PairState::enter(State next, int64_t now_ms) {
  if (next == state_) return;
  if (next == State::Syncing) {
    // The survivor does not stop serving while the returning server
    // catches up: it keeps the clients it had, from its own share only
    // (the partner's grants are still on their way).
    ++syncs_begun_;
    switch (state_) {
      case State::PartnerDown:
      case State::PartnerInMaintenance:
        sync_serves_ = SyncServes::All;
        break;
      case State::PartnerUnreachable:
      case State::HotStandby:
      case State::LoadBalancing:
        sync_serves_ = SyncServes::Own;
        break;
      default:
        sync_serves_ = SyncServes::Nobody;
        break;
    }
  }
  state_ = next;
  entered_ms_ = now_ms;
  unacked_.clear();
  if (next == State::PartnerDown) {
    partner_down_since_ms_ = now_ms;
  } else {
    partner_down_since_ms_.reset();
  }
}

State PairState::normal_state() const {
  return config_.mode == Mode::HotStandby ? State::HotStandby : State::LoadBalancing;
}

int64_t PairState::contact_timeout_ms() const {
  return static_cast<int64_t>(config_.heartbeat_delay_ms) + config_.max_ack_delay_ms;
}

void PairState::contact(int64_t now_ms, State partner_state) {
  last_contact_ms_ = now_ms;
  partner_state_ = partner_state;
  switch (state_) {
    case State::Waiting:
    case State::PartnerUnreachable:
    case State::PartnerDown:
      // Whatever either side granted alone must cross before both serve
      // as a pair again.
      enter(State::Syncing, now_ms);
      break;
    case State::Ready:
      if (partner_state == State::Ready || is_normal(partner_state)) enter(normal_state(), now_ms);
      break;
    case State::HotStandby:
    case State::LoadBalancing:
      // The partner served on its own (it restarted or thinks we are
      // gone): resync before serving again as a pair.
      if (!partner_in_step(partner_state)) enter(State::Syncing, now_ms);
      break;
    case State::Syncing:
    case State::InMaintenance:
    case State::PartnerInMaintenance:
      break;
  }
}

void PairState::tick(int64_t now_ms) {
  const int64_t since_ms = now_ms - last_contact_ms_.value_or(entered_ms_);
  switch (state_) {
    case State::Waiting:
    case State::Syncing:
    case State::Ready:
    case State::HotStandby:
    case State::LoadBalancing:
      if (since_ms > contact_timeout_ms()) enter(State::PartnerUnreachable, now_ms);
      break;
    case State::PartnerInMaintenance:
      // The partner agreed to step aside; its silence is its shutdown.
      if (since_ms > contact_timeout_ms()) enter(State::PartnerDown, now_ms);
      break;
    case State::PartnerUnreachable:
      if (failure_detected(now_ms)) enter(State::PartnerDown, now_ms);
      break;
    case State::PartnerDown:
    case State::InMaintenance:
      break;
  }
}

// Kea's rule, made explicit: silence for max-response-delay, and, where the
// partner has clients of its own, more than max-unacked-clients of them
// left waiting (the clients are the witness that the partner, not just the
// link, is down). A hot-standby primary's partner serves nobody, so no
// client can witness; silence decides. auto-failover false: only a command.
bool PairState::failure_detected(int64_t now_ms) const {
  if (!config_.self().auto_failover) return false;
  const int64_t silent_since_ms = last_contact_ms_.value_or(entered_ms_);
  if (now_ms - silent_since_ms < static_cast<int64_t>(config_.max_response_delay_ms)) return false;
  const bool partner_has_clients = config_.mode == Mode::LoadBalancing || role_ != Role::Primary;
  if (config_.max_unacked_clients == 0 || !partner_has_clients) return true;
  return unacked_.size() > config_.max_unacked_clients;
}

void PairState::update_timed_out(int64_t now_ms) {
  if (replicates() || state_ == State::Syncing || state_ == State::Ready) {
    enter(state_ == State::PartnerInMaintenance ? State::PartnerDown : State::PartnerUnreachable,
          now_ms);
  }
}

void PairState::sync_done(int64_t now_ms) {
  if (state_ != State::Syncing) return;
  enter(State::Ready, now_ms);
  if (partner_state_ && (*partner_state_ == State::Ready || is_normal(*partner_state_))) {
    enter(normal_state(), now_ms);
  }
}

void PairState::client_query(int64_t now_ms, const ClientKey& key, uint16_t secs) {
  (void)now_ms;
  if (state_ != State::PartnerUnreachable || normally_mine(key)) return;
  if (static_cast<int64_t>(secs) * kMsPerSecond <= config_.max_ack_delay_ms) return;
  if (unacked_.size() > config_.max_unacked_clients) return;  // already past the limit
  const uint64_t hash = client_hash(key);
  if (std::find(unacked_.begin(), unacked_.end(), hash) == unacked_.end()) unacked_.push_back(hash);
}

tl::expected<void, std::string> PairState::partner_down_command(int64_t now_ms) {
  if (state_ == State::PartnerDown) return {};
  if (last_contact_ms_ && now_ms - *last_contact_ms_ <= contact_timeout_ms() &&
      state_ != State::PartnerUnreachable) {
    return tl::unexpected(std::string("the partner is answering (state ") +
                          std::string(to_string(state_)) + "); stop it first");
  }
  enter(State::PartnerDown, now_ms);
  return {};
}

tl::expected<void, std::string> PairState::maintenance_start(int64_t now_ms) {
  if (!is_normal(state_)) {
    return tl::unexpected("maintenance needs the pair in " +
                          std::string(to_string(normal_state())) + ", this server is in " +
                          std::string(to_string(state_)));
  }
  enter(State::PartnerInMaintenance, now_ms);
  return {};
}

void PairState::maintenance_notify(int64_t now_ms) { enter(State::InMaintenance, now_ms); }

tl::expected<void, std::string> PairState::maintenance_cancel(int64_t now_ms) {
  if (state_ == State::PartnerInMaintenance) {
    // Updates kept flowing during maintenance: nothing to resync.
    enter(normal_state(), now_ms);
    return {};
  }
  if (state_ == State::InMaintenance) {
    enter(State::Waiting, now_ms);
    return {};
  }
  return tl::unexpected("not in maintenance (state " + std::string(to_string(state_)) + ")");
}

bool PairState::normally_mine(const ClientKey& key) const {
  const auto owner = client_owner(config_.mode, key);
  return owner && *owner == role_;
}

bool PairState::serves(const ClientKey& key) const {
  switch (state_) {
    case State::Waiting:
    case State::PartnerUnreachable:
    case State::HotStandby:
    case State::LoadBalancing:
      return normally_mine(key);
    case State::PartnerDown:
    case State::PartnerInMaintenance:
      return true;
    case State::Syncing:
      return sync_serves_ == SyncServes::All ||
             (sync_serves_ == SyncServes::Own && normally_mine(key));
    case State::Ready:
    case State::InMaintenance:
      return false;
  }
  return false;
}

bool PairState::may_allocate(Ip4 free_address, int64_t now_ms) const {
  const bool own =
      address_owner(config_.mode, config_.standby_share_percent, free_address) == role_;
  switch (state_) {
    case State::HotStandby:
      // Every grant reaches the standby before its ACK, and the standby
      // grants nothing: the primary may use the whole pool.
      return role_ == Role::Primary;
    case State::PartnerInMaintenance:
      return true;
    case State::LoadBalancing:
    case State::Waiting:
    case State::PartnerUnreachable:
      return own;
    case State::PartnerDown: {
      BS_ASSERT(partner_down_since_ms_.has_value());
      const int64_t mclt_ms = static_cast<int64_t>(config_.mclt_s) * kMsPerSecond;
      return own || now_ms - *partner_down_since_ms_ >= mclt_ms;
    }
    case State::Syncing:
      return own && sync_serves_ != SyncServes::Nobody;
    case State::Ready:
    case State::InMaintenance:
      return false;
  }
  return false;
}

bool PairState::may_reuse(const ClientKey& row_owner, int64_t row_end_s, int64_t now_s,
                          int64_t now_ms) const {
  if (replicates() || normally_mine(row_owner)) return true;
  if (state_ != State::PartnerDown) return false;
  BS_ASSERT(partner_down_since_ms_.has_value());
  const int64_t down_since_s = now_s - (now_ms - *partner_down_since_ms_) / kMsPerSecond;
  return std::max(row_end_s, down_since_s) + static_cast<int64_t>(config_.mclt_s) <= now_s;
}

bool PairState::replicates() const {
  return is_normal(state_) || state_ == State::PartnerInMaintenance;
}

uint32_t PairState::lease_time_s(uint32_t desired_s, int64_t now_s,
                                 int64_t partner_acked_expiry_s) const {
  if (replicates()) return desired_s;
  const int64_t acked_left_s = std::max<int64_t>(partner_acked_expiry_s - now_s, 0);
  const int64_t cap_s = acked_left_s + config_.mclt_s;
  return static_cast<uint32_t>(std::min<int64_t>(desired_s, cap_s));
}

void PairState::partner_acked(uint64_t sequence) {
  BS_ASSERT(sequence <= own_sequence_);
  partner_acked_sequence_ = std::max(partner_acked_sequence_, sequence);
}

UpdateFit PairState::fit_partner_update(uint64_t sequence) const {
  if (sequence <= partner_applied_sequence_) return UpdateFit::Duplicate;
  if (sequence == partner_applied_sequence_ + 1) return UpdateFit::Next;
  return UpdateFit::Gap;
}

void PairState::partner_update_applied(uint64_t sequence) {
  BS_ASSERT(sequence > partner_applied_sequence_);
  partner_applied_sequence_ = sequence;
}

}  // namespace bs::ha
