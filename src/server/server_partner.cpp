// The server's side of the HA pair: the state machine's decisions applied
// to the pipeline. Before a query is handled, the pair decides whether
// this server serves the client (and counts the partner's waiting clients
// towards partner-down); before a Promise is filed, its lease time is
// capped at MCLT when the partner will not have acknowledged it before the
// ACK leaves; the partner's batches are committed here through the same
// engine and store as our own. See docs/ARCHITECTURE.md, "High
// availability".
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/assert.h"
#include "common/byte_order.h"
#include "server/server.h"

namespace bs::server {
namespace {

constexpr size_t kOptionsOffset = 240;  // BOOTP header (236) and the magic cookie
constexpr uint32_t kRenewNum = 1, kRenewDen = 2;
constexpr uint32_t kRebindNum = 7, kRebindDen = 8;

// Rewrites options 51, 58 and 59 of an encoded reply in place: the lease
// time becomes `lease_s`, T1 and T2 no more than RFC 2131's defaults for
// it. The reply was built by our own encoder, so the options are
// well-formed; the walk is bounds-checked all the same. False if option
// 51 is missing.
bool rewrite_lease_times(Bytes& payload, uint32_t lease_s) {
  bool found = false;
  size_t at = kOptionsOffset;
  while (at < payload.size()) {
    const uint8_t code = payload[at];
    if (code == wire::opt::kEnd) break;
    if (code == wire::opt::kPad) {
      ++at;
      continue;
    }
    if (at + 1 >= payload.size()) break;
    const uint8_t length = payload[at + 1];
    if (at + 2 + length > payload.size()) break;
    uint8_t* value = payload.data() + at + 2;
    if (length == 4) {
      const uint32_t old = load_be32(payload, at + 2);
      if (code == wire::opt::kLeaseTime) {
        store_be32(value, lease_s);
        found = true;
      } else if (code == wire::opt::kRenewalTime) {
        store_be32(value, std::min(old, lease_s / kRenewDen * kRenewNum));
      } else if (code == wire::opt::kRebindingTime) {
        store_be32(value, std::min(old, static_cast<uint32_t>(uint64_t{lease_s} * kRebindNum /
                                                              kRebindDen)));
      }
    }
    at += 2 + length;
  }
  return found;
}

}  // namespace

class Server::PartnerApplierAdapter final : public PartnerApplier {
 public:
  explicit PartnerApplierAdapter(Server& server) : server_(server) {}
  bool apply_partner_changes(std::span<const LeaseChange> changes) override {
    return server_.apply_partner_changes(changes);
  }
  std::optional<Lease> local_row(Ip4 address) const override {
    const Lease* row = server_.engine().find_row(address);
    return row != nullptr ? std::optional<Lease>(*row) : std::nullopt;
  }
  std::vector<Ip4> stored_addresses() const override {
    std::vector<Ip4> out;
    server_.engine().for_each_row([&](const Lease& row) { out.push_back(row.address); });
    return out;
  }

 private:
  Server& server_;
};

void Server::attach_partner(std::unique_ptr<PartnerLink> link, const ha::HaConfig& config,
                            const ha::Persisted& restored) {
  settle_in_flight();  // a pair commits one batch at a time (server.h)
  partner_link_ = std::move(link);
  replicator_ = std::make_unique<PartnerReplicator>(config, *partner_link_, clock_, restored);
  partner_applier_ = std::make_unique<PartnerApplierAdapter>(*this);
  replicator_->set_applier(partner_applier_.get());
  rogue_watch_.add_friend(config.partner().address);
  const int wait_fd = partner_link_->wait_fd();
  partner_wakes_ = wait_fd >= 0 && transport_.watch(wait_fd);
  for (CommitStage& stage : stages_) stage.attach_partner(replicator_.get());
  install_allocation_filter();
}

// The engine asks the pair before handing out a free address. Called again
// after a reload replaces the engine.
void Server::install_allocation_filter() {
  if (!replicator_) return;
  engine_->set_allocation_filter([this](Ip4 address) {
    const ha::PairState& pair = replicator_->pair();
    const int64_t now_ms = clock_.monotonic_ms();
    if (!pair.may_allocate(address, now_ms)) return false;
    const Lease* row = engine_->find_row(address);
    if (row == nullptr) return true;
    const ha::ClientKey owner{row->client_id, row->hw_address.view()};
    return pair.may_reuse(owner, row->expires_at_s(), clock_.now_s(), now_ms);
  });
}

bool Server::partner_serves(const DecodedQuery& query, int64_t now_ms) {
  const wire::Option* id = query.packet.find(wire::opt::kClientId);
  const HwAddr hw = query.packet.hw_address();
  const ha::ClientKey key{
      id != nullptr ? std::span<const uint8_t>(id->data) : std::span<const uint8_t>(), hw.view()};
  ha::PairState& pair = replicator_->pair();
  pair.client_query(now_ms, key, query.packet.secs);
  if (pair.serves(key)) return true;
  counters_.drop(DropReason::PartnersClient);
  return false;
}

// draft-ietf-dhc-failover-12's rule: a lease the partner will not have
// acknowledged before the ACK runs at most MCLT past what it did
// acknowledge. The change is capped before it is committed, so the store,
// the partner's copy and the bytes on the wire agree; except that the row
// never ends before the lease this client already has in it. If the ACK
// is lost the client keeps that lease (RFC 2131), so a row shortened below
// it would free the address while it is still in use (the HA simulation
// found this after a restart, which forgets what the partner acknowledged).
void Server::cap_for_partner(Promise& promise, int64_t now_s) {
  if (!promise.ack || !promise.change.after) return;
  Lease& lease = *promise.change.after;
  if (lease.state != LeaseState::Assigned) return;
  const ha::PairState& pair = replicator_->pair();
  const int64_t acked_expiry_s = replicator_->partner_acked_expiry_s(lease.address);
  const int64_t end_s = lease.expires_at_s();
  const auto desired_s = static_cast<uint32_t>(std::max<int64_t>(end_s - now_s, 0));
  const uint32_t allowed_s = pair.lease_time_s(desired_s, now_s, acked_expiry_s);
  if (allowed_s >= desired_s) return;
  int64_t held_s = 0;
  const std::optional<Lease>& before = promise.change.before;
  if (before && before->state == LeaseState::Assigned && before->hw_address == lease.hw_address &&
      before->client_id == lease.client_id) {
    held_s = std::clamp<int64_t>(before->expires_at_s() - now_s, 0, desired_s);
  }
  lease.cltt_s = now_s;
  lease.valid_lifetime_s = std::max(allowed_s, static_cast<uint32_t>(held_s));
  // The engine holds what the store will: the resync's conflict rule and
  // a later renewal read the engine's row.
  engine_->amend_row(lease);
  const bool rewritten = rewrite_lease_times(promise.ack->packet.payload, allowed_s);
  BS_ASSERT(rewritten);  // every ACK that grants a lease carries option 51
  ++counters_.ha_mclt_capped;
}

// The partner's batch, committed like an admin edit: in the engine, then
// in one store transaction, reverted if the store fails.
bool Server::apply_partner_changes(std::span<const LeaseChange> changes) {
  const int64_t now_s = clock_.now_s();
  std::vector<LeaseChange> applied;
  applied.reserve(changes.size());
  for (const LeaseChange& change : changes) {
    if (change.after) {
      applied.push_back(engine_->put_lease(*change.after, now_s));
    } else if (auto removed = engine_->remove_lease(change.address, now_s)) {
      applied.push_back(std::move(*removed));
    }
  }
  if (applied.empty()) return true;
  auto committed = store_.commit(applied);
  note_commit(committed);
  if (!committed) {
    revert_newest_first(*engine_, applied);
    return false;
  }
  counters_.leases_committed += applied.size();
  return true;
}

}  // namespace bs::server
