// The DHCP operations of the allocation engine and the policy behind them:
// which address a client is offered, and when a REQUEST, RELEASE or DECLINE
// may change a lease. Table bookkeeping lives in engine_state.cpp.
#include "alloc/engine.h"

#include <unordered_set>

#include "alloc/engine_state.h"
#include "common/assert.h"

namespace bs::alloc {

namespace {

// When no pool address is free, lapsed offers and leases are reclaimed on
// the spot before answering PoolExhausted; bounded like any reclaim call.
constexpr size_t kReclaimOnExhaustion = 256;
// Free addresses looked at per pool for one the HA pair lets this server
// use; past it the pool counts as exhausted for this query. Load-balancing
// needs 2 steps, hot-standby's standby at most 100.
constexpr size_t kMaxOwnershipSteps = 4096;

bool newer(const Lease& a, const Lease& b) {
  return a.cltt_s > b.cltt_s || (a.cltt_s == b.cltt_s && a.address < b.address);
}

bool hw_matches(const config::Reservation& reservation, const ClientIdentity& client) {
  if (!reservation.hw_address || reservation.hw_address->empty()) return false;
  const auto want = reservation.hw_address->view();
  const auto have = client.hw_address.view();
  return std::equal(want.begin(), want.end(), have.begin(), have.end());
}

bool client_id_matches(const config::Reservation& reservation, const ClientIdentity& client) {
  return !reservation.client_id.empty() && reservation.client_id == client.client_id;
}

}  // namespace

const char* to_string(AllocError error) {
  switch (error) {
    case AllocError::PoolExhausted:
      return "pool exhausted";
    case AllocError::AddressInUse:
      return "address in use";
    case AllocError::NotInPool:
      return "address not in pool";
    case AllocError::WrongSubnet:
      return "address not in subnet";
    case AllocError::NoLease:
      return "no such lease";
  }
  return "unknown allocation error";
}

ClientContext Engine::State::context(uint32_t subnet, const ClientIdentity& client,
                                     int64_t now_s) const {
  return {subnet, client_key(client), reservation_index(subnets[subnet], client), now_s,
          client.classes};
}

bool Engine::State::usable(const ClientContext& ctx, uint32_t address) const {
  const auto& by_address = subnets[ctx.subnet].reservation_by_address;
  const auto reserved_it = by_address.find(address);
  const bool reserved = reserved_it != by_address.end();
  if (reserved) {
    if (reserved_it->second != ctx.reservation) return false;
  } else if (!in_allowed_pool(ctx, address)) {
    return false;
  }
  const Slot* slot = find_slot(address);
  if (slot != nullptr && held_by(*slot, ctx.key, ctx.now_s)) return true;
  if (slot != nullptr && !available_to(*slot, ctx.key, ctx.now_s)) return false;
  return reserved || allowed_free(address);
}

std::optional<uint32_t> Engine::State::previous_address(const ClientContext& ctx) const {
  const Lease* best = nullptr;
  for (uint32_t address : chain_of(ctx.key)) {
    const Lease& lease = find_slot(address)->view();
    if (usable(ctx, address) && (best == nullptr || newer(lease, *best))) best = &lease;
  }
  if (best == nullptr) return std::nullopt;
  return best->address.value;
}

namespace {

// FNV-1a then splitmix64's finaliser: stable across builds and platforms
// (std::hash is not), and every seed bit moves the start.
uint64_t spread_hash(uint64_t seed, std::string_view key) {
  uint64_t hash = 0xcbf29ce484222325ULL ^ seed;
  for (const char c : key) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  return hash ^ (hash >> 31);
}

}  // namespace

uint64_t Engine::State::search_start(const PoolState& pool, const ClientContext& ctx) const {
  if (!spread_seed) return 0;
  return spread_hash(*spread_seed, ctx.key) % pool.free.size();
}

// The first free address at or after `start` that this server may use,
// wrapping once to the pool's beginning. With HA ownership the walk over
// free addresses the partner owns is bounded (ARCHITECTURE.md, "High
// availability"); past the bound the pool counts as exhausted.
std::optional<uint32_t> Engine::State::free_in_pool(const PoolState& pool, uint64_t start) const {
  size_t steps = 0;
  bool wrapped = start == 0;
  auto offset = pool.free.next_free(start);
  while (steps < kMaxOwnershipSteps) {
    if (!offset) {
      if (wrapped) return std::nullopt;
      wrapped = true;
      offset = pool.free.next_free(0);
      continue;
    }
    if (wrapped && start != 0 && *offset >= start) return std::nullopt;
    const uint32_t address = pool.first + static_cast<uint32_t>(*offset);
    if (allowed_free(address)) return address;
    offset = pool.free.next_free(*offset + 1);
    ++steps;
  }
  return std::nullopt;
}

std::optional<uint32_t> Engine::State::lowest_free(const ClientContext& ctx) const {
  for (uint32_t index : subnets[ctx.subnet].pool_indexes) {
    const PoolState& pool = pools[index];
    if (!pool_allows(pool, ctx.classes) || pool.free.free_count() == 0) continue;
    if (const auto address = free_in_pool(pool, search_start(pool, ctx))) return address;
  }
  return std::nullopt;
}

std::optional<uint32_t> Engine::State::reserved_address(const ClientContext& ctx) const {
  if (!ctx.reservation) return std::nullopt;
  const Ip4 reserved = subnet_config(ctx.subnet).reservations[*ctx.reservation].ip_address;
  // usable() requires the address to be reserved to this very client in
  // this subnet, which also rules out a reservation outside the subnet.
  if (!reserved.is_zero() && subnets[ctx.subnet].reservation_by_address.contains(reserved.value) &&
      usable(ctx, reserved.value)) {
    return reserved.value;
  }
  return std::nullopt;
}

std::optional<std::pair<size_t, uint32_t>> Engine::State::first_free(
    std::span<const ClientContext> contexts) const {
  for (size_t i = 0; i < contexts.size(); ++i) {
    if (const auto address = lowest_free(contexts[i])) return std::pair{i, *address};
  }
  return std::nullopt;
}

std::optional<std::pair<size_t, uint32_t>> Engine::State::choose_address(
    std::span<const ClientContext> contexts, Ip4 requested) const {
  for (size_t i = 0; i < contexts.size(); ++i) {
    if (const auto reserved = reserved_address(contexts[i])) return std::pair{i, *reserved};
  }
  // The client's newest usable record in any of the subnets: the address it
  // holds decides the subnet, not the order.
  std::optional<std::pair<size_t, uint32_t>> previous;
  const Lease* newest = nullptr;
  for (size_t i = 0; i < contexts.size(); ++i) {
    const auto address = previous_address(contexts[i]);
    if (!address) continue;
    const Lease& lease = find_slot(*address)->view();
    if (newest == nullptr || newer(lease, *newest)) {
      newest = &lease;
      previous = std::pair{i, *address};
    }
  }
  if (previous) return previous;
  if (!requested.is_zero()) {
    for (size_t i = 0; i < contexts.size(); ++i) {
      if (usable(contexts[i], requested.value)) return std::pair{i, requested.value};
    }
  }
  return first_free(contexts);
}

std::string Engine::State::hostname_for(const ClientContext& ctx,
                                        const ClientIdentity& client) const {
  if (ctx.reservation) {
    const auto& reservation = subnet_config(ctx.subnet).reservations[*ctx.reservation];
    if (!reservation.hostname.empty()) return reservation.hostname;
  }
  return client.hostname;
}

Lease Engine::State::hold(const ClientContext& ctx, uint32_t address,
                          const ClientIdentity& client) {
  Lease offer{Ip4{address},
              client.hw_address,
              client.client_id,
              hostname_for(ctx, client),
              subnet_config(ctx.subnet).id,
              config::valid_lifetime_for(config, subnet_config(ctx.subnet),
                                         client.requested_lifetime_s, client.class_lifetime),
              ctx.now_s,
              LeaseState::Offered};
  const Slot* existing = find_slot(address);
  // A binding to this client already holds the address; an overlay would
  // only hide the row.
  if (existing != nullptr && !existing->offer && use_at(*existing, ctx.now_s) == Use::Assigned &&
      client_key(existing->row) == ctx.key) {
    return offer;
  }
  Slot& slot = find_or_detach(address);
  slot.offer = std::make_unique<Lease>(offer);
  attach(address, slot);
  drop_other_offers(ctx, address);
  return offer;
}

void Engine::State::drop_other_offers(const ClientContext& ctx, uint32_t kept) {
  // One held offer per client and subnet: a client that re-DISCOVERs and
  // is moved elsewhere must not keep blocking its old address.
  const uint32_t subnet_id = subnet_config(ctx.subnet).id;
  for (uint32_t address : chain_of(ctx.key)) {
    const Slot* slot = find_slot(address);
    if (address == kept || !slot->offer || slot->offer->subnet_id != subnet_id) continue;
    Slot& changed = find_or_detach(address);
    changed.offer.reset();
    attach(address, changed);
  }
}

std::optional<AllocError> Engine::State::assign_error(const ClientContext& ctx,
                                                      uint32_t address) const {
  const auto& by_address = subnets[ctx.subnet].reservation_by_address;
  const auto reserved_it = by_address.find(address);
  const bool reserved_here = reserved_it != by_address.end();
  if (reserved_here && reserved_it->second != ctx.reservation) return AllocError::AddressInUse;
  const Slot* slot = find_slot(address);
  if (slot != nullptr && !available_to(*slot, ctx.key, ctx.now_s)) {
    return AllocError::AddressInUse;
  }
  // A free address the HA partner owns is as good as taken.
  if (!reserved_here && !(slot != nullptr && held_by(*slot, ctx.key, ctx.now_s)) &&
      !allowed_free(address)) {
    return AllocError::AddressInUse;
  }
  if (!reserved_here && !in_allowed_pool(ctx, address)) return AllocError::NotInPool;
  return std::nullopt;
}

PoolStats Engine::State::stats(uint32_t subnet, int64_t now_s) const {
  // The counters track each slot's use ignoring time; only slots with a heap
  // entry due by now can differ from that, so only those are re-examined.
  UseCounters counters = subnets[subnet].counters;
  std::unordered_set<uint32_t> seen;
  expiry.for_each_due(now_s, [&](const DueEntry& entry) {
    const PoolState* pool = pool_at(entry.address);
    if (pool == nullptr || pool->subnet_index != subnet || !seen.insert(entry.address).second) {
      return;
    }
    const Slot* slot = find_slot(entry.address);
    if (slot == nullptr) return;
    const bool is_reserved = reserved(*pool, entry.address);
    counters.add(static_use(*slot), is_reserved, -1);
    counters.add(use_at(*slot, now_s), is_reserved, +1);
  });
  const SubnetState& state = subnets[subnet];
  PoolStats stats;
  stats.total = state.pool_total;
  stats.assigned = counters.assigned;
  stats.declined = counters.declined;
  stats.offered = counters.offered;
  // Reserved counts idle reservations only, so the five parts add up to total.
  stats.reserved = state.reserved_in_pools - counters.reserved_busy;
  stats.free = stats.total - stats.assigned - stats.declined - stats.offered - stats.reserved;
  return stats;
}

Engine::Engine(const config::Config& config, EngineOptions options)
    : state_(std::make_unique<State>(config, options)) {}

Engine::~Engine() = default;

void Engine::load(std::span<const Lease> leases, int64_t now_s) {
  state_->slots.reserve(state_->slots.size() + leases.size());
  state_->client_heads.reserve(state_->client_heads.size() + leases.size());
  for (const Lease& lease : leases) state_->load_one(lease, now_s);
}

tl::expected<Lease, AllocError> Engine::offer(const config::Subnet& subnet,
                                              const ClientIdentity& client, Ip4 requested,
                                              int64_t now_s) {
  const config::Subnet* const one[] = {&subnet};
  return offer(one, client, requested, now_s);
}

tl::expected<Lease, AllocError> Engine::offer(std::span<const config::Subnet* const> subnets,
                                              const ClientIdentity& client, Ip4 requested,
                                              int64_t now_s) {
  State& state = *state_;
  std::vector<ClientContext> contexts;
  contexts.reserve(subnets.size());
  for (const config::Subnet* subnet : subnets) {
    if (const auto index = state.subnet_index(subnet->id)) {
      contexts.push_back(state.context(*index, client, now_s));
    }
  }
  if (contexts.empty()) return tl::unexpected(AllocError::WrongSubnet);
  auto chosen = state.choose_address(contexts, requested);
  if (!chosen) {
    state.reclaim(now_s, kReclaimOnExhaustion);
    chosen = state.first_free(contexts);
  }
  if (!chosen) return tl::unexpected(AllocError::PoolExhausted);
  return state.hold(contexts[chosen->first], chosen->second, client);
}

tl::expected<LeaseChange, AllocError> Engine::assign(const config::Subnet& subnet,
                                                     const ClientIdentity& client, Ip4 address,
                                                     int64_t now_s) {
  State& state = *state_;
  const auto index = state.subnet_index(subnet.id);
  if (!index || address.is_zero() || !state.subnet_config(*index).contains(address)) {
    return tl::unexpected(AllocError::WrongSubnet);
  }
  const ClientContext ctx = state.context(*index, client, now_s);
  if (const auto error = state.assign_error(ctx, address.value)) return tl::unexpected(*error);
  const Lease row{address,
                  client.hw_address,
                  client.client_id,
                  state.hostname_for(ctx, client),
                  subnet.id,
                  config::valid_lifetime_for(state.config, state.subnet_config(*index),
                                             client.requested_lifetime_s, client.class_lifetime),
                  now_s,
                  LeaseState::Assigned};
  return state.replace_row(address.value, row, now_s);
}

tl::expected<LeaseChange, AllocError> Engine::release(const ClientIdentity& client, Ip4 address,
                                                      int64_t now_s) {
  const Slot* slot = state_->find_slot(address.value);
  if (slot == nullptr || slot->offer || !slot->has_row || slot->row.state != LeaseState::Assigned ||
      client_key(slot->row) != client_key(client)) {
    return tl::unexpected(AllocError::NoLease);
  }
  // The record stays, marked expired now, so the client can have the
  // address back if nobody else takes it first.
  Lease row = slot->row;
  row.state = LeaseState::Reclaimed;
  row.cltt_s = now_s;
  row.valid_lifetime_s = 0;
  return state_->replace_row(address.value, row, now_s);
}

tl::expected<LeaseChange, AllocError> Engine::decline(const ClientIdentity& client, Ip4 address,
                                                      int64_t now_s) {
  const Slot* slot = state_->find_slot(address.value);
  const std::string key = client_key(client);
  const Lease* held = nullptr;
  if (slot != nullptr && slot->offer) {
    if (client_key(*slot->offer) == key) held = slot->offer.get();
  } else if (slot != nullptr && slot->has_row && slot->row.state == LeaseState::Assigned &&
             client_key(slot->row) == key) {
    held = &slot->row;
  }
  if (held == nullptr) return tl::unexpected(AllocError::NoLease);
  // Probation is expressed as a lifetime so the expiry heap ends it.
  Lease row = *held;
  row.state = LeaseState::Declined;
  row.cltt_s = now_s;
  row.valid_lifetime_s = state_->config.decline_probation_period_s;
  return state_->replace_row(address.value, row, now_s);
}

bool held_by(const Lease& lease, const ClientIdentity& client) {
  const std::string key = client_key(client);
  return !key.empty() && client_key(lease) == key;
}

void Engine::revert(const LeaseChange& change) { state_->restore(change); }

void Engine::set_search_spread(std::optional<uint64_t> seed) { state_->spread_seed = seed; }

void Engine::set_allocation_filter(AllocationFilter filter) {
  state_->may_allocate = std::move(filter);
}

size_t Engine::reclaim_expired(int64_t now_s, size_t max_count) {
  return state_->reclaim(now_s, max_count);
}

const Lease* Engine::find_by_address(Ip4 address) const {
  const Slot* slot = state_->find_slot(address.value);
  return slot != nullptr && slot->occupied() ? &slot->view() : nullptr;
}

const Lease* Engine::find_by_client(const ClientIdentity& client) const {
  return state_->newest_of(client_key(client));
}

const config::Reservation* Engine::find_reservation(const config::Subnet& subnet,
                                                    const ClientIdentity& client) const {
  if (const auto index = state_->subnet_index(subnet.id)) {
    const auto reservation = state_->reservation_index(state_->subnets[*index], client);
    if (!reservation) return nullptr;
    return &state_->subnet_config(*index).reservations[*reservation];
  }
  // A subnet this engine was not built with: same rules, by scanning.
  for (const auto& reservation : subnet.reservations) {
    if (hw_matches(reservation, client)) return &reservation;
  }
  for (const auto& reservation : subnet.reservations) {
    if (client_id_matches(reservation, client)) return &reservation;
  }
  return nullptr;
}

PoolStats Engine::stats(uint32_t subnet_id, int64_t now_s) const {
  const auto index = state_->subnet_index(subnet_id);
  return index ? state_->stats(*index, now_s) : PoolStats{};
}

size_t Engine::lease_count() const { return state_->occupied_count; }

void Engine::for_each_lease(const std::function<void(const Lease&)>& visit) const {
  state_->slots.for_each([&](const Slot& slot) {
    if (slot.occupied()) visit(slot.view());
  });
}

void Engine::check_invariants() const { state_->check_invariants(); }

}  // namespace bs::alloc
