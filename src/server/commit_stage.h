// The commit stage: the last stage of a batch, where the durability rule is
// kept. Replies that promise nothing (OFFER, NAK) are sent before the
// commit; every lease change of the batch is made durable in one store
// transaction (group commit); only then do the ACKs that promised those
// changes leave, each checked against its committed change on the way out.
// If the commit fails, the changes are undone in memory, newest first, and
// the ACKs are withheld.
//
// Durability is a level, not a yes/no, because an HA pair (issue 12) needs
// a second copy before an ACK: the partner's own commit. With a partner
// replicator attached and the pair replicating, the stage requires
// LocalAndPartner: after the local commit the batch goes to the partner as
// one message, and the ACKs leave only once the partner acknowledged it
// (partner_replicator.h). Otherwise it requires Local.
//
// The commit itself is three calls so that the store's part can run on the
// committer thread (committer.h) while the pipeline handles the next batch:
// begin() on the pipeline thread, commit_in_store() on either, settle() on
// the pipeline thread. commit() is the three in a row.
#pragma once

#include <cstdint>
#include <span>
#include <tl/expected.hpp>
#include <vector>

#include "alloc/engine.h"
#include "io/transport.h"
#include "server/counters.h"
#include "server/handoff.h"
#include "server/histogram.h"
#include "store/lease_store.h"

namespace bs::server {

// Where a batch's changes are durable, in increasing order of safety.
enum class Durability : uint8_t {
  None,             // nowhere: the commit failed and the batch was reverted
  Local,            // this server's lease store committed it (one fsync)
  LocalAndPartner,  // and the HA partner committed it (its own fsync) and said so
};

class PartnerReplicator;

// Undoes `changes` in the engine, newest first, so that two changes of the
// same address unwind to what was there before the first. The one way the
// pipeline, the admin path and the probe stage undo uncommitted changes.
void revert_newest_first(alloc::Engine& engine, std::span<const LeaseChange> changes);

class CommitStage {
 public:
  CommitStage(store::LeaseStore& store, io::Transport& transport);

  // The HA pair's replication; null: a server on its own.
  void attach_partner(PartnerReplicator* replicator) { replicator_ = replicator; }

  // Filed during the batch. A Reply promises nothing, so an ACK here must
  // give no address (INFORM's); an ACK that gives one comes in a Promise.
  void add(Reply&& reply);
  // Returns the index of the promise's change in changes().
  size_t add(Promise&& promise);

  std::span<const LeaseChange> changes() const { return changes_; }
  size_t acks_waiting() const { return acks_.size(); }

  // The three steps of a batch, in this order, then clear().
  // 1. Replies that promise nothing leave at once.
  void send_unpromised(Counters& counters);
  // 2. One transaction for every change of the batch (none: nothing to
  // do). On failure the changes are reverted in `engine` and the ACKs are
  // dropped; the store's error is returned for the caller to report.
  // A store shared with other servers may leave some changes out because
  // another server changed those addresses first: the batch still commits,
  // the conflicted changes are reverted in `engine` and their ACKs dropped,
  // and conflicts() lists them (with the database's row, for the caller to
  // learn) until clear().
  tl::expected<void, store::StoreError> commit(alloc::Engine& engine);
  // commit() in three parts. begin(): false if there is nothing to commit
  // (then settle() is not needed). commit_in_store() touches only the store
  // and this stage's changes, so it may run on another thread while the
  // pipeline fills a second stage; settle() reads its outcome back.
  bool begin();
  void commit_in_store();
  tl::expected<void, store::StoreError> settle(alloc::Engine& engine);
  // How long commit_in_store's store call took, fsync included.
  double store_duration_s() const { return store_duration_s_; }
  // An earlier batch this one was handled on top of failed to commit: undo
  // this batch's changes (before the earlier batch's own, newest first),
  // drop its ACKs as commit_failed and commit nothing.
  void abandon(alloc::Engine& engine, Counters& counters);
  Durability durability() const { return reached_; }
  std::span<const store::CommitConflict> conflicts() const { return conflicts_; }
  bool conflicted(size_t change_index) const;
  Durability required() const { return required_; }
  // 3. The ACKs, if the batch reached the required durability. Each one
  // is paired with its change: same address, a lease granted, committed.
  // With `histograms`, each ACK's delay since its query was read is observed.
  void send_kept(Counters& counters, PipelineHistograms* histograms = nullptr);
  void clear();

 private:
  struct WaitingAck {
    Reply ack;
    size_t change_index;
  };
  void send(std::vector<Reply>& replies, Counters& counters);
  void withdraw_conflicted(alloc::Engine& engine);
  bool replicate_committed();

  store::LeaseStore& store_;
  io::Transport& transport_;
  PartnerReplicator* replicator_ = nullptr;
  // Decided per batch at its commit: LocalAndPartner while the pair
  // replicates, Local otherwise.
  Durability required_ = Durability::Local;
  Durability reached_ = Durability::None;
  // Per batch; reused so the hot path does not allocate.
  std::vector<LeaseChange> changes_;
  std::vector<LeaseChange> committed_;  // changes_ less the conflicted, for the partner
  std::vector<WaitingAck> acks_;
  std::vector<Reply> unpromised_;
  std::vector<Reply> kept_;
  std::vector<io::TxPacket> outgoing_;
  std::vector<store::CommitConflict> conflicts_;
  // commit_in_store's outcome, for settle().
  tl::expected<void, store::StoreError> stored_;
  double store_duration_s_ = 0;
};

}  // namespace bs::server
