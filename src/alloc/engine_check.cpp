// Engine::State::check_invariants: recomputes every derived index from the
// slots and compares. Slow on purpose; tests call it after random operation
// sequences to catch bookkeeping drift that single-case tests would miss.
#include <algorithm>
#include <set>
#include <utility>

#include "alloc/engine_state.h"
#include "common/assert.h"

namespace bs::alloc {

void Engine::State::check_invariants() const {
  std::set<std::pair<int64_t, uint32_t>> queued;
  expiry.for_each_due(kNever - 1,
                      [&](const DueEntry& entry) { queued.emplace(entry.due_s, entry.address); });
  std::vector<UseCounters> counters(subnets.size());
  size_t occupied = 0;
  slots.for_each([&](const Slot& slot) {
    const uint32_t address = slot.address;
    BS_ASSERT(slots.find(address) == &slot);
    BS_ASSERT(slot.occupied() || slot.undo);
    BS_ASSERT(!slot.has_row || slot.row.state != LeaseState::Offered);
    BS_ASSERT(!slot.offer || slot.offer->state == LeaseState::Offered);
    BS_ASSERT(slot.view().address.value == address || !slot.occupied());
    if (slot.occupied()) ++occupied;
    BS_ASSERT(slot.linked == (slot.occupied() && !client_key(slot.view()).empty()));
    if (slot.linked) {
      const auto chain = chain_of(client_key(slot.view()));
      BS_ASSERT(std::find(chain.begin(), chain.end(), address) != chain.end());
    }
    // stats() and reclaim rely on a live entry no later than the next lapse.
    BS_ASSERT(slot.queued_due_s <= next_due_s(slot));
    if (slot.queued_due_s != kNever) BS_ASSERT(queued.contains({slot.queued_due_s, address}));
    if (const PoolState* pool = pool_at(address)) {
      counters[pool->subnet_index].add(static_use(slot), reserved(*pool, address), +1);
    }
  });
  BS_ASSERT(occupied == occupied_count);
  // Every chain holds only slots whose key hashes to the chain's hash.
  client_heads.for_each([&](uint64_t hash, uint32_t head) {
    BS_ASSERT(head != 0);
    for (uint32_t link = head; link != 0; link = slots.at(link - 1).next_of_client) {
      BS_ASSERT(key_hash(client_key(slots.at(link - 1).view())) == hash);
    }
  });
  for (size_t i = 0; i < subnets.size(); ++i) {
    const UseCounters& want = counters[i];
    const UseCounters& have = subnets[i].counters;
    BS_ASSERT(want.offered == have.offered && want.assigned == have.assigned);
    BS_ASSERT(want.declined == have.declined && want.reserved_busy == have.reserved_busy);
  }
  for (const PoolState& pool : pools) {
    uint64_t free_count = 0;
    for (uint64_t offset = 0; offset < pool.free.size(); ++offset) {
      const auto address = static_cast<uint32_t>(pool.first + offset);
      const Slot* slot = find_slot(address);
      const bool free =
          !reserved(pool, address) && (slot == nullptr || static_use(*slot) == Use::Free);
      BS_ASSERT(pool.free.is_free(offset) == free);
      free_count += free ? 1 : 0;
    }
    BS_ASSERT(free_count == pool.free.free_count());
  }
}

}  // namespace bs::alloc
