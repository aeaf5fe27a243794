// An open-addressing hash index from a non-zero unsigned key to a uint32_t,
// used for the engine's address and client indexes. std::unordered_map costs
// a heap node and a cache miss per entry, which dominated start-up with a
// million leases; this is one flat array with linear probing.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/assert.h"

namespace bs::alloc {

template <typename Key>
class FlatIndex {
  static_assert(std::is_unsigned_v<Key>);

 public:
  size_t size() const { return size_; }

  const uint32_t* find(Key key) const {
    if (size_ == 0 || key == 0) return nullptr;
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      if (entries_[i].key == key) return &entries_[i].value;
      if (entries_[i].key == 0) return nullptr;
    }
  }
  uint32_t* find(Key key) { return const_cast<uint32_t*>(std::as_const(*this).find(key)); }

  // The value for `key`, inserting `value` first if absent; the pointer is
  // valid until the next insert.
  std::pair<uint32_t*, bool> insert(Key key, uint32_t value) {
    BS_ASSERT(key != 0);
    if ((size_ + 1) * 10 > entries_.size() * 7) rehash(std::max<size_t>(16, entries_.size() * 2));
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      Entry& entry = entries_[i];
      if (entry.key == key) return {&entry.value, false};
      if (entry.key == 0) {
        entry = {key, value};
        ++size_;
        return {&entry.value, true};
      }
    }
  }

  // Backward-shift deletion: no tombstones, so lookups never slow down
  // after many erases.
  bool erase(Key key) {
    if (size_ == 0) return false;
    size_t hole = home(key);
    while (entries_[hole].key != key) {
      if (entries_[hole].key == 0) return false;
      hole = (hole + 1) & mask_;
    }
    for (size_t next = (hole + 1) & mask_; entries_[next].key != 0; next = (next + 1) & mask_) {
      const size_t wanted = home(entries_[next].key);
      // The entry may fill the hole unless its home lies cyclically in
      // (hole, next], where moving it would put it before its home.
      const bool home_after_hole =
          hole <= next ? (hole < wanted && wanted <= next) : (hole < wanted || wanted <= next);
      if (!home_after_hole) {
        entries_[hole] = entries_[next];
        hole = next;
      }
    }
    entries_[hole] = Entry{};
    --size_;
    return true;
  }

  void reserve(size_t count) {
    const size_t wanted = std::bit_ceil(count * 10 / 7 + 1);
    if (wanted > entries_.size()) rehash(wanted);
  }

  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (const Entry& entry : entries_) {
      if (entry.key != 0) visit(entry.key, entry.value);
    }
  }

 private:
  struct Entry {
    Key key = 0;  // 0 = empty
    uint32_t value = 0;
  };

  // MurmurHash3's 64-bit finalizer: addresses are sequential and client
  // hashes may be weak, and linear probing needs well-spread homes.
  size_t home(Key key) const {
    uint64_t x = key;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return static_cast<size_t>(x) & mask_;
  }

  void rehash(size_t capacity) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    size_ = 0;
    for (const Entry& entry : old) {
      if (entry.key != 0) insert(entry.key, entry.value);
    }
  }

  std::vector<Entry> entries_;  // size is a power of two
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace bs::alloc
