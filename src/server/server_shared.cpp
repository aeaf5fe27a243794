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
// Conflicts are kept rare by spreading: each server's search for a free
// address starts at a place derived from its own identity and the client's
// (install_search_spread), instead of every server taking the lowest free
// address of the same pool and colliding on each new lease.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <unordered_set>

#include "server/server.h"

namespace bs::server {

namespace {

// FNV-1a, folded over each piece of the server's identity.
void mix_into(uint64_t& hash, std::span<const uint8_t> bytes) {
  for (const uint8_t byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
}

}  // namespace

// The seed is this server's identity as the other servers would tell it
// apart: its host name and its links' addresses (a server identifier is
// unique on a link; the host name separates servers whose links happen to
// be numbered alike). The same server keeps its seed across restarts, so
// a client's search starts at the same place again.
void Server::install_search_spread() {
  if (!store_.shared() || !options_.spread_when_shared) return;
  uint64_t seed = 0xcbf29ce484222325ULL;
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) {
    mix_into(seed, std::span(reinterpret_cast<const uint8_t*>(host.data()),
                             std::char_traits<char>::length(host.data())));
  }
  for (const io::InterfaceInfo& link : transport_.interfaces()) {
    const std::array<uint8_t, 4> address{static_cast<uint8_t>(link.address.value >> 24),
                                         static_cast<uint8_t>(link.address.value >> 16),
                                         static_cast<uint8_t>(link.address.value >> 8),
                                         static_cast<uint8_t>(link.address.value)};
    mix_into(seed, address);
  }
  engine_->set_search_spread(seed);
  spdlog::info("shared lease database: searches for free addresses start at seed {:016x}", seed);
}

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
