// The free bitmap and the expiry heap on their own, including pool sizes
// around word and summary boundaries and a nearly full million-address pool.
#include "alloc/free_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "alloc/expiry_heap.h"

namespace bs::alloc {
namespace {

TEST(FreeBitmapTest, TakesLowestFirstAtEverySizeBoundary) {
  for (uint64_t size : {1u, 63u, 64u, 65u, 4095u, 4096u, 4097u, 70000u}) {
    FreeBitmap bitmap(size);
    EXPECT_EQ(bitmap.free_count(), size);
    for (uint64_t expected = 0; expected < std::min<uint64_t>(size, 200); ++expected) {
      ASSERT_EQ(bitmap.lowest_free(), expected) << "size " << size;
      bitmap.mark_used(expected);
    }
    bitmap.mark_free(0);
    EXPECT_EQ(bitmap.lowest_free(), 0u);
    for (uint64_t offset = 0; offset < size; ++offset) bitmap.mark_used(offset);
    EXPECT_EQ(bitmap.lowest_free(), std::nullopt) << "size " << size;
    EXPECT_EQ(bitmap.free_count(), 0u);
    bitmap.mark_free(size - 1);
    EXPECT_EQ(bitmap.lowest_free(), size - 1);
    EXPECT_TRUE(bitmap.is_free(size - 1));
  }
}

TEST(FreeBitmapTest, MarksAreIdempotent) {
  FreeBitmap bitmap(100);
  bitmap.mark_used(7);
  bitmap.mark_used(7);
  EXPECT_EQ(bitmap.free_count(), 99u);
  bitmap.mark_free(7);
  bitmap.mark_free(7);
  EXPECT_EQ(bitmap.free_count(), 100u);
}

TEST(FreeBitmapTest, MillionAddressPoolAt9999PercentStillFindsTheRightAddress) {
  constexpr uint64_t kSize = 1'000'000;
  FreeBitmap bitmap(kSize);
  for (uint64_t offset = 0; offset < kSize; ++offset) bitmap.mark_used(offset);
  std::mt19937_64 random(7);
  std::set<uint64_t> left;
  while (left.size() < 100) left.insert(random() % kSize);
  for (uint64_t offset : left) bitmap.mark_free(offset);
  EXPECT_EQ(bitmap.free_count(), 100u);
  for (uint64_t expected : left) {
    ASSERT_EQ(bitmap.lowest_free(), expected);
    bitmap.mark_used(expected);
  }
  EXPECT_EQ(bitmap.lowest_free(), std::nullopt);
}

// next_free against a plain scan, from every kind of start: inside a free
// run, inside long used runs that cross word and summary boundaries, past
// the end. (The engine's spread search starts at arbitrary offsets.)
TEST(FreeBitmapTest, NextFreeMatchesAScanFromAnyStart) {
  for (uint64_t size : {1u, 64u, 65u, 4096u, 4097u, 20000u}) {
    FreeBitmap bitmap(size);
    std::mt19937_64 random(size);
    std::vector<bool> free(size, true);
    // Mostly used, with a few free addresses: long used runs.
    for (uint64_t offset = 0; offset < size; ++offset) {
      if (random() % 50 != 0) {
        bitmap.mark_used(offset);
        free[offset] = false;
      }
    }
    for (uint64_t from = 0; from <= size + 1; from += 1 + random() % 7) {
      std::optional<uint64_t> expected;
      for (uint64_t offset = from; offset < size; ++offset) {
        if (free[offset]) {
          expected = offset;
          break;
        }
      }
      ASSERT_EQ(bitmap.next_free(from), expected) << "size " << size << " from " << from;
    }
  }
}

TEST(ExpiryHeapTest, PopsInTimeOrderAndVisitsOnlyDueEntries) {
  ExpiryHeap heap;
  std::mt19937 random(3);
  std::vector<int64_t> times;
  for (uint32_t i = 1; i <= 500; ++i) {
    const auto due_s = static_cast<int64_t>(random() % 1000);
    times.push_back(due_s);
    heap.push({due_s, i});
  }
  size_t due_count = 0;
  heap.for_each_due(100, [&](const DueEntry& entry) {
    EXPECT_LE(entry.due_s, 100);
    ++due_count;
  });
  EXPECT_EQ(due_count, static_cast<size_t>(std::count_if(times.begin(), times.end(),
                                                         [](int64_t t) { return t <= 100; })));
  std::sort(times.begin(), times.end());
  for (int64_t expected : times) {
    ASSERT_EQ(heap.top().due_s, expected);
    heap.pop();
  }
  EXPECT_TRUE(heap.empty());
}

}  // namespace
}  // namespace bs::alloc
