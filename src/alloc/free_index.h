// The free-address index of one pool: one bit per address plus a summary bit
// per 64-bit word, so finding the lowest free address touches one summary
// word per 4096 addresses instead of walking the pool, and taking or freeing
// a given address is O(1). It stays fast when the pool is 95%+ used.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace bs::alloc {

class FreeBitmap {
 public:
  // All `size` offsets start free.
  explicit FreeBitmap(uint64_t size);

  uint64_t size() const { return size_; }
  uint64_t free_count() const { return free_count_; }
  bool is_free(uint64_t offset) const;
  // Both are idempotent, so callers can state the desired bit without
  // first checking it.
  void mark_free(uint64_t offset);
  void mark_used(uint64_t offset);
  std::optional<uint64_t> lowest_free() const;
  // The lowest free offset at or above `from`.
  std::optional<uint64_t> next_free(uint64_t from) const;

 private:
  std::vector<uint64_t> words_;    // bit set = offset free
  std::vector<uint64_t> summary_;  // bit set = that word has a free bit
  uint64_t size_;
  uint64_t free_count_;
};

}  // namespace bs::alloc
