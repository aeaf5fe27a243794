// Sharing the lease database with other servers (a PostgreSQL store). The
// engine decides alone and in memory, so its view of the table must follow
// what the other servers write. Two ways, both here:
// - Between batches, the rows other servers announced since the last batch
//   (the store's NOTIFY/LISTEN, pg_store.h) are reread and installed, so an
//   address another server took is not offered again; after a reconnection
//   (announcements missed) everything is reread once.
// - A change the database refused because another server changed the
//   address first is reverted by the commit stage; here the database's row
//   is installed and the client's query is handled again against it. For a
//   REQUEST of an address now held by another client that is a NAK, so the
//   client rediscovers at once and is offered the next free address.
#include <spdlog/spdlog.h>

#include <unordered_set>

#include "server/server.h"

namespace bs::server {

void Server::learn_from_store() {
  if (!store_.shared()) return;
  if (resync_pending_) {
    resync_from_store();
    return;
  }
  auto updates = store_.poll_changes();
  if (!updates) {
    // Once per lost connection (the store drops it, and polls without one
    // say nothing); the next commit reconnects, or reports the outage.
    spdlog::warn("lease store {}: connection lost between batches ({}); reconnecting",
                 store_.describe(), updates.error().message);
    return;
  }
  if (updates->lost_track) {
    resync_pending_ = true;
    resync_from_store();
    return;
  }
  for (const store::RowUpdate& row : updates->rows) learn_row(row.address, row.current);
}

// Rereads every row: O(leases), only after a reconnection. Rows this
// server holds that the table no longer has are dropped too.
void Server::resync_from_store() {
  auto rows = store_.load_all();
  if (!rows) {
    spdlog::debug("lease store {}: cannot reread leases: {}", store_.describe(),
                  rows.error().message);
    return;  // resync_pending_ stays: the next batch tries again
  }
  resync_pending_ = false;
  std::unordered_set<uint32_t> present;
  present.reserve(rows->size());
  for (const Lease& lease : *rows) {
    present.insert(lease.address.value);
    learn_row(lease.address, lease);
  }
  std::vector<Ip4> gone;
  engine_->for_each_row([&](const Lease& row) {
    if (!present.contains(row.address.value)) gone.push_back(row.address);
  });
  for (const Ip4 address : gone) learn_row(address, std::nullopt);
  spdlog::info("lease store {}: reread {} leases after reconnecting", store_.describe(),
               rows->size());
}

// Makes the engine's row at `address` the database's (none: no row). An
// offer this server holds there is withdrawn (a client that asks for it
// is then refused), never an ACK: those were already committed.
void Server::learn_row(Ip4 address, const std::optional<Lease>& current) {
  const Lease* row = engine_->find_row(address);
  const int64_t now_s = clock_.now_s();
  if (current) {
    if (row != nullptr && *row == *current) return;
    (void)engine_->put_lease(*current, now_s);
  } else {
    if (row == nullptr) return;
    (void)engine_->remove_lease(address, now_s);
  }
  ++counters_.rows_learnt;
}

// After the batch's commit: the conflicted changes were reverted and their
// ACKs dropped; learn the database's rows and answer those clients again.
// Handling a query again yields a NAK or nothing; if it yields a change
// (the same client got the address from another server meanwhile), the
// change is undone and the client's retransmission is answered from the
// learnt row in a later batch.
void Server::answer_conflicted() {
  const std::span<const LeaseChange> changes = commit_->changes();
  for (const store::CommitConflict& conflict : commit_->conflicts()) {
    learn_row(changes[conflict.index].address, conflict.current);
  }
  for (auto& [index, query] : promised_queries_) {
    if (!commit_->conflicted(index)) continue;
    const io::InterfaceInfo* link = find_link(query.received.ifindex);
    if (link == nullptr) continue;
    HandlerResult result = handler_->handle(query.packet, *link, batch_now_s_, &query.received);
    count_outcome(result, query, batch_now_s_);
    if (auto* reply = std::get_if<Reply>(&result)) {
      commit_->add(std::move(*reply));
    } else if (auto* promise = std::get_if<Promise>(&result)) {
      engine_->revert(promise->change);
      counters_.drop(DropReason::CommitFailed);
    }
  }
  commit_->send_unpromised(counters_);
}

}  // namespace bs::server
