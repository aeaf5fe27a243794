// The engine's lease table: one Slot per address that has a record, stored
// in fixed-size chunks (so a Slot never moves while it lives) and found by
// address through a flat hash index. Slots are referred to by a stable
// index, which the client chains use as links.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "alloc/flat_index.h"
#include "alloc/lease.h"

namespace bs::alloc {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// The offers that durable changes displaced, newest last, so revert can put
// an offer back. Dropped once nobody can still revert (see kUndoKeep_s).
struct UndoLog {
  std::vector<std::unique_ptr<Lease>> offers;
  int64_t until_s = 0;
};

// A slot holds the durable row (what the store has) and, separately, an
// in-memory offer shown in its place, so a lapsed offer falls back to the
// row untouched.
struct Slot {
  Lease row;                      // the stored record; meaningful when has_row
  std::unique_ptr<Lease> offer;   // shown instead of row while held
  std::unique_ptr<UndoLog> undo;  // usually null
  int64_t queued_due_s = kNever;  // due time of this slot's live heap entry
  uint32_t address = 0;
  uint32_t index = 0;           // position in the SlotTable, stable
  uint32_t next_of_client = 0;  // index + 1 of the next slot in the chain; 0 ends
  bool has_row = false;
  bool linked = false;  // in a client chain
  bool in_use = false;  // false while on the free list

  bool occupied() const { return has_row || offer != nullptr; }
  const Lease& view() const { return offer ? *offer : row; }
};

class SlotTable {
 public:
  Slot* find(uint32_t address);
  const Slot* find(uint32_t address) const;
  Slot& at(uint32_t index) { return chunks_[index / kChunk][index % kChunk]; }
  const Slot& at(uint32_t index) const { return chunks_[index / kChunk][index % kChunk]; }
  // A fresh slot (no row, no offer) if the address has none yet.
  Slot& find_or_create(uint32_t address);
  void erase(Slot& slot);
  size_t size() const { return by_address_.size(); }
  void reserve(size_t count) { by_address_.reserve(count); }

  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (uint32_t i = 0; i < allocated_; ++i) {
      if (at(i).in_use) visit(at(i));
    }
  }

 private:
  // 1024 slots of ~144 bytes: big enough that chunk allocation is rare,
  // small enough that a tiny config does not reserve much.
  static constexpr uint32_t kChunk = 1024;

  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<uint32_t> free_;
  uint32_t allocated_ = 0;  // slots ever handed out; the rest of the last chunk is unused
  FlatIndex<uint32_t> by_address_;
};

}  // namespace bs::alloc
