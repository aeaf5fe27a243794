// Sift-up and sift-down for ExpiryHeap. Written out rather than using
// std::push_heap because for_each_due relies on the exact 2i+1 / 2i+2 layout,
// which the standard leaves unspecified.
#include "alloc/expiry_heap.h"

#include <utility>

namespace bs::alloc {

void ExpiryHeap::push(DueEntry entry) {
  size_t index = entries_.size();
  entries_.push_back(entry);
  while (index > 0) {
    const size_t parent = (index - 1) / 2;
    if (entries_[parent].due_s <= entries_[index].due_s) break;
    std::swap(entries_[parent], entries_[index]);
    index = parent;
  }
}

void ExpiryHeap::pop() {
  entries_.front() = entries_.back();
  entries_.pop_back();
  const size_t count = entries_.size();
  size_t index = 0;
  while (true) {
    const size_t left = 2 * index + 1;
    const size_t right = left + 1;
    size_t smallest = index;
    if (left < count && entries_[left].due_s < entries_[smallest].due_s) smallest = left;
    if (right < count && entries_[right].due_s < entries_[smallest].due_s) smallest = right;
    if (smallest == index) return;
    std::swap(entries_[smallest], entries_[index]);
    index = smallest;
  }
}

}  // namespace bs::alloc
