// Bookkeeping for the engine's lease table: building the per-subnet indexes
// from config, the attach/detach protocol that keeps free bits, counters and
// client chains derived from slots, and lazy expiry from the heap.
#include "alloc/engine_state.h"

#include <algorithm>

#include "common/assert.h"

namespace bs::alloc {

namespace {

// A stale heap entry costs one pop; bounding pops per call keeps one
// reclaim call short even when many renewed leases left stale entries due
// at the same moment.
constexpr size_t kPopsPerReclaim = 8;

std::string bytes_key(std::span<const uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

size_t saturating_pops(size_t max_count) {
  const size_t limit = std::numeric_limits<size_t>::max() / kPopsPerReclaim - 64;
  return max_count > limit ? std::numeric_limits<size_t>::max() : max_count * kPopsPerReclaim + 64;
}

}  // namespace

std::string client_key(const Bytes& client_id, const HwAddr& hw_address) {
  std::string key;
  if (!client_id.empty()) {
    key.reserve(client_id.size() + 1);
    key.push_back('C');
    key.append(client_id.begin(), client_id.end());
    return key;
  }
  if (hw_address.empty()) return key;  // anonymous: never chained
  key.push_back('H');
  key.push_back(static_cast<char>(hw_address.htype));
  key.append(hw_address.bytes.begin(), hw_address.bytes.begin() + hw_address.length);
  return key;
}

uint64_t key_hash(const std::string& key) {
  const uint64_t hash = std::hash<std::string>{}(key);
  return hash == 0 ? 1 : hash;
}

void UseCounters::add(Use use, bool is_reserved, int64_t delta) {
  const auto step = static_cast<uint64_t>(delta);  // wraps correctly for -1
  switch (use) {
    case Use::Free:
      return;
    case Use::Offered:
      offered += step;
      break;
    case Use::Assigned:
      assigned += step;
      break;
    case Use::Declined:
      declined += step;
      break;
  }
  if (is_reserved) reserved_busy += step;
}

Engine::State::State(const config::Config& config_in, EngineOptions options_in)
    : config(config_in), options(options_in) {
  // Pools are sorted once so an address finds its pool by binary search; a
  // pool overlapping an earlier one is dropped, since one address must not
  // have two free bits.
  struct Candidate {
    uint32_t first, last, subnet, config_pool;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < config.subnets.size(); ++i) {
    const config::Subnet& subnet = config.subnets[i];
    if (!subnet_by_id.emplace(subnet.id, static_cast<uint32_t>(subnets.size())).second) continue;
    SubnetState& state = subnets.emplace_back();
    state.config_index = i;
    state.valid_lifetime_s = subnet.valid_lifetime_s.value_or(config.valid_lifetime_s);
    for (uint32_t p = 0; p < subnet.pools.size(); ++p) {
      const config::Pool& pool = subnet.pools[p];
      // Address 0 means "unset" in DHCP and "empty" in the slot index.
      const uint32_t first = std::max<uint32_t>(pool.first.value, 1);
      if (first > pool.last.value) continue;
      candidates.push_back({first, pool.last.value, static_cast<uint32_t>(subnets.size() - 1), p});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.first < b.first; });
  for (const Candidate& c : candidates) {
    if (!pools.empty() && c.first <= pools.back().last) continue;
    pools.push_back(
        {c.first, c.last, c.subnet, FreeBitmap(uint64_t{c.last} - c.first + 1), c.config_pool});
    SubnetState& subnet = subnets[c.subnet];
    subnet.pool_indexes.push_back(static_cast<uint32_t>(pools.size() - 1));
    subnet.pool_total += uint64_t{c.last} - c.first + 1;
  }
  for (uint32_t i = 0; i < subnets.size(); ++i) build_subnet(i);
}

void Engine::State::build_subnet(size_t index) {
  SubnetState& state = subnets[index];
  const config::Subnet& subnet = config.subnets[state.config_index];
  for (uint32_t r = 0; r < subnet.reservations.size(); ++r) {
    const config::Reservation& reservation = subnet.reservations[r];
    if (reservation.hw_address && !reservation.hw_address->empty()) {
      state.reservation_by_hw.emplace(bytes_key(reservation.hw_address->view()), r);
    }
    if (!reservation.client_id.empty()) {
      state.reservation_by_client_id.emplace(bytes_key(reservation.client_id), r);
    }
    if (!reservation.duid.empty())
      state.reservation_by_duid.emplace(bytes_key(reservation.duid), r);
    if (!reservation.circuit_id.empty()) {
      state.reservation_by_circuit_id.emplace(bytes_key(reservation.circuit_id), r);
    }
    const uint32_t address = reservation.ip_address.value;
    if (address == 0 || !subnet.contains(reservation.ip_address)) continue;
    if (!state.reservation_by_address.emplace(address, r).second) continue;
    PoolState* pool = pool_at(address);
    if (pool != nullptr && pool->subnet_index == index) {
      pool->free.mark_used(pool->offset(address));
      ++state.reserved_in_pools;
    }
  }
}

std::optional<uint32_t> Engine::State::subnet_index(uint32_t subnet_id) const {
  const auto it = subnet_by_id.find(subnet_id);
  if (it == subnet_by_id.end()) return std::nullopt;
  return it->second;
}

const config::Subnet& Engine::State::subnet_config(uint32_t index) const {
  return config.subnets[subnets[index].config_index];
}

const PoolState* Engine::State::pool_at(uint32_t address) const {
  const auto it = std::upper_bound(pools.begin(), pools.end(), address,
                                   [](uint32_t a, const PoolState& p) { return a < p.first; });
  if (it == pools.begin()) return nullptr;
  const PoolState& pool = *(it - 1);
  return address <= pool.last ? &pool : nullptr;
}

PoolState* Engine::State::pool_at(uint32_t address) {
  return const_cast<PoolState*>(std::as_const(*this).pool_at(address));
}

bool Engine::State::in_pool_of(uint32_t subnet, uint32_t address) const {
  const PoolState* pool = pool_at(address);
  return pool != nullptr && pool->subnet_index == subnet;
}

bool Engine::State::pool_allows(const PoolState& pool, const classify::ClassSet* classes) const {
  const config::ClassGuard& guard =
      subnet_config(pool.subnet_index).pools[pool.config_pool].client_classes;
  if (guard.classes.empty()) return true;
  return classes != nullptr && guard.allows(*classes);
}

bool Engine::State::in_allowed_pool(const ClientContext& ctx, uint32_t address) const {
  const PoolState* pool = pool_at(address);
  return pool != nullptr && pool->subnet_index == ctx.subnet && pool_allows(*pool, ctx.classes);
}

bool Engine::State::reserved(const PoolState& pool, uint32_t address) const {
  return subnets[pool.subnet_index].reservation_by_address.contains(address);
}

// RFC 4361 client identifiers carry a DUID after type 255 and a 4-byte IAID;
// Kea's "duid" reservations match that DUID.
namespace {
Bytes duid_of(const Bytes& client_id) {
  constexpr size_t kTypeAndIaid = 5;
  if (client_id.size() <= kTypeAndIaid || client_id.front() != 255) return {};
  return Bytes(client_id.begin() + kTypeAndIaid, client_id.end());
}
}  // namespace

std::optional<uint32_t> Engine::State::reservation_index(const SubnetState& subnet,
                                                         const ClientIdentity& client) const {
  auto lookup = [](const std::unordered_map<std::string, uint32_t>& map,
                   const std::string& key) -> std::optional<uint32_t> {
    const auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
  };
  const Bytes& sent_id = client.sent_client_id.empty() ? client.client_id : client.sent_client_id;
  // In the order of "host-reservation-identifiers" (Kea's default:
  // hw-address, duid, circuit-id, client-id).
  for (const config::HostIdentifier id : config.host_identifiers) {
    std::optional<uint32_t> found;
    switch (id) {
      case config::HostIdentifier::HwAddress:
        if (!client.hw_address.empty()) {
          found = lookup(subnet.reservation_by_hw, bytes_key(client.hw_address.view()));
        }
        break;
      case config::HostIdentifier::ClientId:
        if (!sent_id.empty()) found = lookup(subnet.reservation_by_client_id, bytes_key(sent_id));
        break;
      case config::HostIdentifier::Duid:
        if (const Bytes duid = duid_of(sent_id); !duid.empty()) {
          found = lookup(subnet.reservation_by_duid, bytes_key(duid));
        }
        break;
      case config::HostIdentifier::CircuitId:
        if (!client.circuit_id.empty()) {
          found = lookup(subnet.reservation_by_circuit_id, bytes_key(client.circuit_id));
        }
        break;
      case config::HostIdentifier::FlexId:
        break;  // needs Kea's flex_id hook; never matches, as in Kea without it
    }
    if (found) return found;
  }
  return std::nullopt;
}

std::vector<uint32_t> Engine::State::chain_of(const std::string& key) const {
  std::vector<uint32_t> chain;
  const uint32_t* head = client_heads.find(key_hash(key));
  for (uint32_t link = head == nullptr ? 0 : *head; link != 0;) {
    const Slot& slot = slots.at(link - 1);
    BS_ASSERT(slot.in_use && slot.linked);
    if (client_key(slot.view()) == key) chain.push_back(slot.address);
    link = slot.next_of_client;
  }
  return chain;
}

const Lease* Engine::State::newest_of(const std::string& key) const {
  // Ties go to the lower address so the answer does not depend on the
  // order the chain was built in (revert may rebuild it differently).
  const Lease* newest = nullptr;
  for (uint32_t address : chain_of(key)) {
    const Lease& lease = find_slot(address)->view();
    if (newest == nullptr || lease.cltt_s > newest->cltt_s ||
        (lease.cltt_s == newest->cltt_s && lease.address < newest->address)) {
      newest = &lease;
    }
  }
  return newest;
}

Use Engine::State::static_use(const Slot& slot) const {
  if (slot.offer) return Use::Offered;
  if (!slot.has_row) return Use::Free;
  switch (slot.row.state) {
    case LeaseState::Assigned:
      return Use::Assigned;
    case LeaseState::Declined:
      return Use::Declined;
    case LeaseState::Reclaimed:
      return Use::Free;
    case LeaseState::Offered:
      break;
  }
  BS_ASSERT(false && "an Offered lease stored as a row");
  return Use::Free;
}

Use Engine::State::use_at(const Slot& slot, int64_t now_s) const {
  if (slot.offer && hold_until_s(*slot.offer) > now_s) return Use::Offered;
  if (!slot.has_row || slot.row.expires_at_s() <= now_s) return Use::Free;
  if (slot.row.state == LeaseState::Assigned) return Use::Assigned;
  if (slot.row.state == LeaseState::Declined) return Use::Declined;
  return Use::Free;
}

bool Engine::State::available_to(const Slot& slot, const std::string& key, int64_t now_s) const {
  if (slot.offer && hold_until_s(*slot.offer) > now_s) return client_key(*slot.offer) == key;
  switch (use_at(slot, now_s)) {
    case Use::Assigned:
      return client_key(slot.row) == key;
    case Use::Declined:
      return false;
    case Use::Free:
    case Use::Offered:
      break;
  }
  return true;
}

bool Engine::State::held_by(const Slot& slot, const std::string& key, int64_t now_s) const {
  if (slot.offer && hold_until_s(*slot.offer) > now_s) return client_key(*slot.offer) == key;
  return use_at(slot, now_s) == Use::Assigned && client_key(slot.row) == key;
}

Slot& Engine::State::find_or_detach(uint32_t address) {
  Slot& slot = slots.find_or_create(address);
  if (slot.linked) unlink(slot);
  if (slot.occupied()) --occupied_count;
  count(address, slot, -1);
  return slot;
}

void Engine::State::attach(uint32_t address, Slot& slot) {
  if (!slot.has_row) slot.row = Lease{};  // drop the old strings
  if (!slot.occupied() && !slot.undo) {
    slots.erase(slot);
    sync_free_bit(address, Use::Free);
    return;
  }
  if (slot.occupied()) {
    ++occupied_count;
    link(slot);
  }
  count(address, slot, +1);
  sync_free_bit(address, static_use(slot));
  queue_next_due(address, slot);
}

void Engine::State::link(Slot& slot) {
  const std::string key = client_key(slot.view());
  if (key.empty()) return;
  const auto [head, inserted] = client_heads.insert(key_hash(key), slot.index + 1);
  slot.next_of_client = inserted ? 0 : *head;
  *head = slot.index + 1;
  slot.linked = true;
}

void Engine::State::unlink(Slot& slot) {
  const uint64_t hash = key_hash(client_key(slot.view()));
  uint32_t* head = client_heads.find(hash);
  BS_ASSERT(head != nullptr);
  if (*head == slot.index + 1) {
    if (slot.next_of_client == 0) {
      client_heads.erase(hash);
    } else {
      *head = slot.next_of_client;
    }
  } else {
    Slot* previous = &slots.at(*head - 1);
    while (previous->next_of_client != slot.index + 1) {
      BS_ASSERT(previous->next_of_client != 0);
      previous = &slots.at(previous->next_of_client - 1);
    }
    previous->next_of_client = slot.next_of_client;
  }
  slot.next_of_client = 0;
  slot.linked = false;
}

void Engine::State::count(uint32_t address, const Slot& slot, int64_t delta) {
  const PoolState* pool = pool_at(address);
  if (pool == nullptr) return;
  subnets[pool->subnet_index].counters.add(static_use(slot), reserved(*pool, address), delta);
}

void Engine::State::sync_free_bit(uint32_t address, Use use) {
  PoolState* pool = pool_at(address);
  if (pool == nullptr || reserved(*pool, address)) return;
  if (use == Use::Free) {
    pool->free.mark_free(pool->offset(address));
  } else {
    pool->free.mark_used(pool->offset(address));
  }
}

int64_t Engine::State::next_due_s(const Slot& slot) const {
  int64_t due_s = kNever;
  if (slot.offer) due_s = std::min(due_s, hold_until_s(*slot.offer));
  if (slot.undo) due_s = std::min(due_s, slot.undo->until_s);
  if (slot.has_row &&
      (slot.row.state == LeaseState::Assigned || slot.row.state == LeaseState::Declined)) {
    due_s = std::min(due_s, slot.row.expires_at_s());
  }
  return due_s;
}

void Engine::State::queue_next_due(uint32_t address, Slot& slot) {
  const int64_t due_s = next_due_s(slot);
  // An earlier live entry suffices: when it pops, the slot is re-queued for
  // whatever is due next. This keeps renewals from growing the heap.
  if (due_s == kNever || slot.queued_due_s <= due_s) return;
  expiry.push({due_s, address});
  slot.queued_due_s = due_s;
}

size_t Engine::State::process_due(uint32_t address, int64_t now_s) {
  Slot* slot = find_slot(address);
  if (slot == nullptr) return 0;
  const bool offer_due = slot->offer && hold_until_s(*slot->offer) <= now_s;
  const bool undo_due = slot->undo && slot->undo->until_s <= now_s;
  const bool row_due =
      slot->has_row &&
      (slot->row.state == LeaseState::Assigned || slot->row.state == LeaseState::Declined) &&
      slot->row.expires_at_s() <= now_s;
  if (!offer_due && !undo_due && !row_due) {
    queue_next_due(address, *slot);
    return 0;
  }
  Slot& changed = find_or_detach(address);
  if (offer_due) changed.offer.reset();
  if (undo_due) changed.undo.reset();
  if (row_due) changed.row.state = LeaseState::Reclaimed;
  attach(address, changed);
  return (offer_due ? 1 : 0) + (row_due ? 1 : 0);
}

size_t Engine::State::reclaim(int64_t now_s, size_t max_count) {
  size_t reclaimed = 0;
  size_t pops_left = saturating_pops(max_count);
  while (!expiry.empty() && expiry.top().due_s <= now_s && reclaimed < max_count && pops_left > 0) {
    const DueEntry entry = expiry.top();
    expiry.pop();
    --pops_left;
    Slot* slot = find_slot(entry.address);
    if (slot == nullptr) continue;
    if (slot->queued_due_s == entry.due_s) slot->queued_due_s = kNever;
    reclaimed += process_due(entry.address, now_s);
  }
  return reclaimed;
}

LeaseChange Engine::State::replace_row(uint32_t address, const Lease& row, int64_t now_s) {
  Slot& slot = find_or_detach(address);
  LeaseChange change{Ip4{address}, std::nullopt, row};
  if (slot.has_row) change.before = slot.row;
  // The displaced offer is kept so revert can hold it again; an empty log
  // stands for "no offer", so a plain renewal allocates nothing.
  if (slot.offer || (slot.undo && !slot.undo->offers.empty())) {
    if (!slot.undo) slot.undo = std::make_unique<UndoLog>();
    slot.undo->offers.push_back(std::move(slot.offer));
    slot.undo->until_s = now_s + kUndoKeep_s;
  }
  slot.offer.reset();
  slot.row = row;
  slot.has_row = true;
  attach(address, slot);
  return change;
}

void Engine::State::amend_row(uint32_t address, const Lease& row) {
  const Slot* existing = find_slot(address);
  BS_ASSERT(existing != nullptr && existing->has_row);  // only a row a change just put there
  Slot& slot = find_or_detach(address);
  slot.row = row;
  attach(address, slot);
}

void Engine::State::restore(const LeaseChange& change) {
  const uint32_t address = change.address.value;
  Slot& slot = find_or_detach(address);
  slot.has_row = change.before.has_value();
  if (change.before) slot.row = *change.before;
  slot.offer.reset();
  if (slot.undo && !slot.undo->offers.empty()) {
    slot.offer = std::move(slot.undo->offers.back());
    slot.undo->offers.pop_back();
  }
  if (slot.undo && slot.undo->offers.empty()) slot.undo.reset();
  attach(address, slot);
}

void Engine::State::load_one(const Lease& lease, int64_t now_s) {
  if (lease.address.is_zero() || lease.state == LeaseState::Offered) return;
  const Slot* existing = find_slot(lease.address.value);
  // The store is keyed by address, so duplicates only come from a caller
  // merging sources; the newest transaction wins.
  if (existing != nullptr && existing->has_row && existing->row.cltt_s >= lease.cltt_s) return;
  Slot& slot = find_or_detach(lease.address.value);
  slot.row = lease;
  slot.has_row = true;
  const bool timed = lease.state == LeaseState::Assigned || lease.state == LeaseState::Declined;
  if (timed && lease.expires_at_s() <= now_s) slot.row.state = LeaseState::Reclaimed;
  attach(lease.address.value, slot);
}

}  // namespace bs::alloc
