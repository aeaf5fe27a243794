// Internal to the allocation engine: the lease table and its indexes, shared
// by engine.cpp (the DHCP operations) and engine_state.cpp (the bookkeeping
// that keeps the indexes in step with the table). Not part of the seam.
//
// Every address with a record has a Slot (slot_table.h). Every mutation is
// detach -> change -> attach, and attach derives the free bit, the per-subnet
// counters and the client chain from the slot alone; revert can therefore
// restore all indexes exactly by restoring the slot.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alloc/engine.h"
#include "alloc/expiry_heap.h"
#include "alloc/flat_index.h"
#include "alloc/free_index.h"
#include "alloc/slot_table.h"

namespace bs::alloc {

// How long a durable change can still be reverted with its displaced offer.
// The server reverts within one batch, so a minute is generous; after it the
// revert still restores the row, just not the offer.
inline constexpr int64_t kUndoKeep_s = 60;

// Option 61 when the client sent one, else (htype, chaddr); tagged so that a
// client id can never collide with a hardware key.
std::string client_key(const Bytes& client_id, const HwAddr& hw_address);
inline std::string client_key(const Lease& lease) {
  return client_key(lease.client_id, lease.hw_address);
}
inline std::string client_key(const ClientIdentity& client) {
  return client_key(client.client_id, client.hw_address);
}
// The client index is keyed by this hash; chains are filtered by the exact
// key, so a collision only lengthens a chain. Never 0 (the empty marker).
uint64_t key_hash(const std::string& key);

// What an address is used for, as counted in stats and the free index.
enum class Use : uint8_t { Free, Offered, Assigned, Declined };

struct PoolState {
  uint32_t first = 0, last = 0;  // inclusive
  uint32_t subnet_index = 0;
  FreeBitmap free;
  uint32_t config_pool = 0;  // index into its config::Subnet's pools (for the class guard)

  uint64_t offset(uint32_t address) const { return uint64_t{address} - first; }
};

// Pool addresses by static use, for stats without walking the pool.
struct UseCounters {
  uint64_t offered = 0, assigned = 0, declined = 0;
  uint64_t reserved_busy = 0;  // reserved pool addresses not Free

  void add(Use use, bool reserved, int64_t delta);
};

struct SubnetState {
  size_t config_index = 0;
  uint32_t valid_lifetime_s = 0;
  std::vector<uint32_t> pool_indexes;  // ascending addresses
  std::unordered_map<std::string, uint32_t> reservation_by_hw;
  std::unordered_map<std::string, uint32_t> reservation_by_client_id;
  std::unordered_map<std::string, uint32_t> reservation_by_duid;
  std::unordered_map<std::string, uint32_t> reservation_by_circuit_id;
  std::unordered_map<uint32_t, uint32_t> reservation_by_address;
  uint64_t pool_total = 0;
  uint64_t reserved_in_pools = 0;
  UseCounters counters;
};

// One client's view of one subnet, computed once per operation.
struct ClientContext {
  uint32_t subnet = 0;                  // index into State::subnets
  std::string key;                      // client_key()
  std::optional<uint32_t> reservation;  // index into the subnet's reservations
  int64_t now_s = 0;
  const classify::ClassSet* classes = nullptr;  // ClientIdentity::classes
};

struct Engine::State {
  State(const config::Config& config_in, EngineOptions options_in);

  config::Config config;
  EngineOptions options;
  Engine::AllocationFilter may_allocate;  // null: no HA ownership
  std::optional<uint64_t> spread_seed;    // Engine::set_search_spread
  std::vector<SubnetState> subnets;
  std::unordered_map<uint32_t, uint32_t> subnet_by_id;
  std::vector<PoolState> pools;  // sorted by first address, disjoint
  SlotTable slots;
  FlatIndex<uint64_t> client_heads;  // key_hash -> index + 1 of the chain's first slot
  ExpiryHeap expiry;
  size_t occupied_count = 0;

  // Lookups.
  std::optional<uint32_t> subnet_index(uint32_t subnet_id) const;
  const config::Subnet& subnet_config(uint32_t index) const;
  const PoolState* pool_at(uint32_t address) const;
  PoolState* pool_at(uint32_t address);
  bool in_pool_of(uint32_t subnet, uint32_t address) const;
  // Kea's pool "client-class": a guarded pool serves only clients passing it.
  bool pool_allows(const PoolState& pool, const classify::ClassSet* classes) const;
  bool in_allowed_pool(const ClientContext& ctx, uint32_t address) const;
  bool reserved(const PoolState& pool, uint32_t address) const;
  std::optional<uint32_t> reservation_index(const SubnetState& subnet,
                                            const ClientIdentity& client) const;
  Slot* find_slot(uint32_t address) { return slots.find(address); }
  const Slot* find_slot(uint32_t address) const { return slots.find(address); }
  const Lease* newest_of(const std::string& key) const;
  std::vector<uint32_t> chain_of(const std::string& key) const;

  // Time rules.
  int64_t hold_until_s(const Lease& offer) const { return offer.cltt_s + options.offer_hold_s; }
  Use static_use(const Slot& slot) const;
  int64_t next_due_s(const Slot& slot) const;  // kNever when nothing will lapse
  Use use_at(const Slot& slot, int64_t now_s) const;
  bool available_to(const Slot& slot, const std::string& key, int64_t now_s) const;
  // The client's own lease or live offer sits in `slot`.
  bool held_by(const Slot& slot, const std::string& key, int64_t now_s) const;
  bool allowed_free(uint32_t address) const { return !may_allocate || may_allocate(Ip4{address}); }

  // Mutation protocol: find_or_detach, change the slot, attach.
  Slot& find_or_detach(uint32_t address);
  void attach(uint32_t address, Slot& slot);  // may erase an empty slot
  LeaseChange replace_row(uint32_t address, const Lease& row, int64_t now_s);
  void amend_row(uint32_t address, const Lease& row);
  void restore(const LeaseChange& change);

  // Allocation policy (engine.cpp).
  ClientContext context(uint32_t subnet, const ClientIdentity& client, int64_t now_s) const;
  bool usable(const ClientContext& ctx, uint32_t address) const;
  std::optional<uint32_t> previous_address(const ClientContext& ctx) const;
  std::optional<uint32_t> reserved_address(const ClientContext& ctx) const;
  // The first free address the client may be given: the lowest, or with a
  // spread seed the first at or after the client's starting place.
  std::optional<uint32_t> lowest_free(const ClientContext& ctx) const;
  std::optional<uint32_t> free_in_pool(const PoolState& pool, uint64_t start) const;
  uint64_t search_start(const PoolState& pool, const ClientContext& ctx) const;
  // Over a shared network's subnets, in preference order: which subnet
  // (index into `contexts`) and address a DISCOVER is offered.
  std::optional<std::pair<size_t, uint32_t>> choose_address(std::span<const ClientContext> contexts,
                                                            Ip4 requested) const;
  std::optional<std::pair<size_t, uint32_t>> first_free(
      std::span<const ClientContext> contexts) const;
  std::string hostname_for(const ClientContext& ctx, const ClientIdentity& client) const;
  Lease hold(const ClientContext& ctx, uint32_t address, const ClientIdentity& client);
  void drop_other_offers(const ClientContext& ctx, uint32_t kept);
  std::optional<AllocError> assign_error(const ClientContext& ctx, uint32_t address) const;
  PoolStats stats(uint32_t subnet, int64_t now_s) const;

  // Expiry.
  size_t reclaim(int64_t now_s, size_t max_count);
  void load_one(const Lease& lease, int64_t now_s);
  void check_invariants() const;

 private:
  void build_subnet(size_t config_index);
  void link(Slot& slot);
  void unlink(Slot& slot);
  void count(uint32_t address, const Slot& slot, int64_t delta);
  void sync_free_bit(uint32_t address, Use use);
  void queue_next_due(uint32_t address, Slot& slot);
  size_t process_due(uint32_t address, int64_t now_s);
};

}  // namespace bs::alloc
