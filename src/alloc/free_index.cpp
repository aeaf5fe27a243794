// Two-level free bitmap; see free_index.h for why it has two levels.
#include "alloc/free_index.h"

#include "common/assert.h"

namespace bs::alloc {

namespace {

constexpr uint64_t kBits = 64;

uint64_t bit(uint64_t index) { return uint64_t{1} << (index % kBits); }

}  // namespace

FreeBitmap::FreeBitmap(uint64_t size)
    : words_((size + kBits - 1) / kBits, ~uint64_t{0}),
      summary_((words_.size() + kBits - 1) / kBits, ~uint64_t{0}),
      size_(size),
      free_count_(size) {
  // Bits past the end must read as used, or lowest_free could return them.
  if (size % kBits != 0) words_.back() = bit(size) - 1;
  if (words_.size() % kBits != 0) summary_.back() = bit(words_.size()) - 1;
}

bool FreeBitmap::is_free(uint64_t offset) const {
  BS_ASSERT(offset < size_);
  return (words_[offset / kBits] & bit(offset)) != 0;
}

void FreeBitmap::mark_free(uint64_t offset) {
  BS_ASSERT(offset < size_);
  uint64_t& word = words_[offset / kBits];
  if ((word & bit(offset)) != 0) return;
  word |= bit(offset);
  ++free_count_;
  summary_[offset / kBits / kBits] |= bit(offset / kBits);
}

void FreeBitmap::mark_used(uint64_t offset) {
  BS_ASSERT(offset < size_);
  uint64_t& word = words_[offset / kBits];
  if ((word & bit(offset)) == 0) return;
  word &= ~bit(offset);
  --free_count_;
  if (word == 0) summary_[offset / kBits / kBits] &= ~bit(offset / kBits);
}

std::optional<uint64_t> FreeBitmap::next_free(uint64_t from) const {
  if (from >= size_) return std::nullopt;
  uint64_t word_index = from / kBits;
  const uint64_t word = words_[word_index] & (~uint64_t{0} << (from % kBits));
  if (word != 0) return word_index * kBits + static_cast<uint64_t>(__builtin_ctzll(word));
  // Full words are skipped through the summary, as lowest_free does, so a
  // search that starts inside a long used run costs one summary word per
  // 4096 addresses.
  if (++word_index >= words_.size()) return std::nullopt;
  uint64_t s = word_index / kBits;
  uint64_t summary = summary_[s] & (~uint64_t{0} << (word_index % kBits));
  while (summary == 0) {
    if (++s >= summary_.size()) return std::nullopt;
    summary = summary_[s];
  }
  word_index = s * kBits + static_cast<uint64_t>(__builtin_ctzll(summary));
  BS_ASSERT(words_[word_index] != 0);
  return word_index * kBits + static_cast<uint64_t>(__builtin_ctzll(words_[word_index]));
}

std::optional<uint64_t> FreeBitmap::lowest_free() const {
  for (uint64_t s = 0; s < summary_.size(); ++s) {
    if (summary_[s] == 0) continue;
    const uint64_t word_index = s * kBits + static_cast<uint64_t>(__builtin_ctzll(summary_[s]));
    const uint64_t word = words_[word_index];
    BS_ASSERT(word != 0);
    return word_index * kBits + static_cast<uint64_t>(__builtin_ctzll(word));
  }
  return std::nullopt;
}

}  // namespace bs::alloc
