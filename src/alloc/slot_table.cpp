// SlotTable: chunked slot storage with a free list and an address index.
#include "alloc/slot_table.h"

#include "common/assert.h"

namespace bs::alloc {

Slot* SlotTable::find(uint32_t address) {
  const uint32_t* index = by_address_.find(address);
  return index == nullptr ? nullptr : &at(*index);
}

const Slot* SlotTable::find(uint32_t address) const {
  const uint32_t* index = by_address_.find(address);
  return index == nullptr ? nullptr : &at(*index);
}

Slot& SlotTable::find_or_create(uint32_t address) {
  // Address 0 is "unset" everywhere in DHCP and the index's empty marker.
  BS_ASSERT(address != 0);
  if (Slot* existing = find(address)) return *existing;
  uint32_t index = 0;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    BS_ASSERT(allocated_ < std::numeric_limits<uint32_t>::max());
    if (allocated_ % kChunk == 0) chunks_.push_back(std::make_unique<Slot[]>(kChunk));
    index = allocated_++;
  }
  by_address_.insert(address, index);
  Slot& slot = at(index);
  slot.address = address;
  slot.index = index;
  slot.in_use = true;
  return slot;
}

void SlotTable::erase(Slot& slot) {
  BS_ASSERT(slot.in_use && !slot.linked);
  by_address_.erase(slot.address);
  const uint32_t index = slot.index;
  slot = Slot{};
  slot.index = index;
  free_.push_back(index);
}

}  // namespace bs::alloc
