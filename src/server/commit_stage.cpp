// The commit stage (commit_stage.h). The assertions here are the
// durability rule stated as code: an ACK that gives an address leaves only
// from send_kept, only after a commit that reached the required level, and
// only with the bytes on the wire naming the address its change committed.
#include "server/commit_stage.h"

#include <algorithm>
#include <chrono>

#include "common/assert.h"
#include "common/byte_order.h"
#include "server/partner_replicator.h"

namespace bs::server {
namespace {

constexpr size_t kYiaddrOffset = 16;  // BOOTP fixed header: op..ciaddr before it

// The yiaddr the encoded reply carries: what the client will take as its
// address, read from the bytes about to leave rather than from our notes.
Ip4 yiaddr_on_wire(const io::TxPacket& packet) {
  BS_ASSERT(packet.payload.size() >= kYiaddrOffset + 4);
  return Ip4{load_be32(packet.payload, kYiaddrOffset)};
}

// The REQUEST→ACK delay of each ACK about to leave, measured just before
// the send (one clock read for the batch).
void observe_delays(const std::vector<Reply>& acks, PipelineHistograms& histograms) {
  const int64_t now_ns = steady_now_ns();
  for (const Reply& ack : acks) {
    if (ack.query_received_ns == 0) continue;
    const double delay_s = static_cast<double>(now_ns - ack.query_received_ns) * 1e-9;
    histograms.request_to_ack_s.observe(delay_s);
    histograms.request_to_ack_max_s = std::max(histograms.request_to_ack_max_s, delay_s);
  }
}

}  // namespace

void revert_newest_first(alloc::Engine& engine, std::span<const LeaseChange> changes) {
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) engine.revert(*it);
}

CommitStage::CommitStage(store::LeaseStore& store, io::Transport& transport)
    : store_(store), transport_(transport) {}

void CommitStage::add(Reply&& reply) {
  BS_ASSERT(reply.type != wire::MessageType::Ack || reply.yiaddr.is_zero());
  unpromised_.push_back(std::move(reply));
}

size_t CommitStage::add(Promise&& promise) {
  const size_t index = changes_.size();
  if (promise.ack) {
    BS_ASSERT(promise.ack->type == wire::MessageType::Ack);
    acks_.push_back(WaitingAck{std::move(*promise.ack), index});
  }
  changes_.push_back(std::move(promise.change));
  return index;
}

void CommitStage::send_unpromised(Counters& counters) {
  for (const Reply& reply : unpromised_) {
    BS_ASSERT(reply.type != wire::MessageType::Ack || yiaddr_on_wire(reply.packet).is_zero());
  }
  send(unpromised_, counters);
}

tl::expected<void, store::StoreError> CommitStage::commit(alloc::Engine& engine) {
  if (!begin()) return {};
  commit_in_store();
  return settle(engine);
}

bool CommitStage::begin() {
  required_ = Durability::Local;
  if (changes_.empty()) {
    BS_ASSERT(acks_.empty());
    reached_ = Durability::Local;  // nothing needed making durable
    return false;
  }
  // Decided before the local commit: a batch begun as a pair is held to
  // the pair's level even if the partner fails while it is on its way.
  if (replicator_ != nullptr && replicator_->required()) required_ = Durability::LocalAndPartner;
  return true;
}

void CommitStage::commit_in_store() {
  const auto started = std::chrono::steady_clock::now();
  stored_ = store_.commit_each(changes_, conflicts_);
  store_duration_s_ = seconds_since(started);
}

tl::expected<void, store::StoreError> CommitStage::settle(alloc::Engine& engine) {
  BS_ASSERT(!changes_.empty());
  if (stored_) {
    reached_ = Durability::Local;
    if (!conflicts_.empty()) withdraw_conflicted(engine);
    // Only what is durable here goes to the partner, so the partner never
    // holds a lease this server lost. Unpaired, the changes still enter
    // the HA journal, for the resync when the partner is back.
    if (replicator_ != nullptr && replicate_committed() &&
        required_ == Durability::LocalAndPartner) {
      reached_ = Durability::LocalAndPartner;
    }
    // Committed while the pair was not replicating: the partner has not
    // heard of these (status counts them; a resync owes them).
    if (replicator_ != nullptr && required_ == Durability::Local) {
      for (size_t i = 0; i < changes_.size(); ++i) {
        if (!conflicted(i)) replicator_->note_local_only({&changes_[i], 1});
      }
    }
    return stored_;
  }
  conflicts_.clear();
  // Nothing of the batch is durable: undo it in memory and promise nothing.
  // Clients retransmit and get a fresh chance.
  reached_ = Durability::None;
  revert_newest_first(engine, changes_);
  return stored_;
}

void CommitStage::abandon(alloc::Engine& engine, Counters& counters) {
  revert_newest_first(engine, changes_);
  counters.drops[static_cast<size_t>(DropReason::CommitFailed)] += acks_.size();
  acks_.clear();
  changes_.clear();
  reached_ = Durability::None;
}

// The conflicted changes are not stored: undo them in memory (newest
// first; every later change of a conflicted address is conflicted too, so
// each address unwinds completely) and let no ACK promise them.
void CommitStage::withdraw_conflicted(alloc::Engine& engine) {
  for (auto it = conflicts_.rbegin(); it != conflicts_.rend(); ++it) {
    BS_ASSERT(it->index < changes_.size());
    engine.revert(changes_[it->index]);
  }
  std::erase_if(acks_, [&](const WaitingAck& waiting) { return conflicted(waiting.change_index); });
}

// The partner gets the changes this store kept: all of them, or (with a
// shared store that refused some) all but the conflicted ones.
bool CommitStage::replicate_committed() {
  const bool wait = required_ == Durability::LocalAndPartner;
  if (conflicts_.empty()) return replicator_->replicate(changes_, wait);
  committed_.clear();
  for (size_t i = 0; i < changes_.size(); ++i) {
    if (!conflicted(i)) committed_.push_back(changes_[i]);
  }
  return committed_.empty() || replicator_->replicate(committed_, wait);
}

bool CommitStage::conflicted(size_t change_index) const {
  for (const store::CommitConflict& conflict : conflicts_) {
    if (conflict.index == change_index) return true;
  }
  return false;
}

void CommitStage::send_kept(Counters& counters, PipelineHistograms* histograms) {
  if (acks_.empty()) return;
  if (reached_ < required_) {
    // Committed here but not acknowledged by the partner: the lease stays
    // stored (it was never promised; it expires), the client retransmits
    // and is served under the partner-unreachable rules.
    const DropReason reason =
        reached_ == Durability::None ? DropReason::CommitFailed : DropReason::PartnerUnacked;
    counters.drops[static_cast<size_t>(reason)] += acks_.size();
    acks_.clear();
    return;
  }
  kept_.clear();
  for (WaitingAck& waiting : acks_) {
    BS_ASSERT(waiting.change_index < changes_.size());
    const LeaseChange& change = changes_[waiting.change_index];
    BS_ASSERT(change.after.has_value() && change.after->state == LeaseState::Assigned);
    BS_ASSERT(change.address == waiting.ack.yiaddr && change.after->address == change.address);
    BS_ASSERT(yiaddr_on_wire(waiting.ack.packet) == change.address);
    BS_ASSERT(!conflicted(waiting.change_index));
    BS_ASSERT(reached_ >= required_);
    kept_.push_back(std::move(waiting.ack));
  }
  acks_.clear();
  if (histograms != nullptr) observe_delays(kept_, *histograms);
  send(kept_, counters);
}

void CommitStage::send(std::vector<Reply>& replies, Counters& counters) {
  if (replies.empty()) return;
  outgoing_.clear();
  for (Reply& reply : replies) {
    ++counters.sent_by_type[static_cast<size_t>(reply.type)];
    outgoing_.push_back(std::move(reply.packet));
  }
  counters.packets_sent += outgoing_.size();
  transport_.send(outgoing_);
  replies.clear();
}

void CommitStage::clear() {
  changes_.clear();
  acks_.clear();
  unpromised_.clear();
  kept_.clear();
  outgoing_.clear();
  conflicts_.clear();
  reached_ = Durability::None;
  stored_ = {};
}

}  // namespace bs::server
