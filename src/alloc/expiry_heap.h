// A binary min-heap of (due time, address) used to find leases, probations
// and offers that have run out without scanning the lease table. Entries are
// never removed when a lease changes; a popped entry is checked against the
// lease's current state instead (lazy invalidation), which keeps every
// mutation at one O(log n) push.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bs::alloc {

struct DueEntry {
  int64_t due_s = 0;
  uint32_t address = 0;
};

class ExpiryHeap {
 public:
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const DueEntry& top() const { return entries_.front(); }
  void push(DueEntry entry);
  void pop();
  void clear() { entries_.clear(); }
  void reserve(size_t count) { entries_.reserve(count); }

  // Visits every entry with due_s <= now_s, in no order, in time
  // proportional to their number: a subtree whose root is not due holds
  // nothing due.
  template <typename Visit>
  void for_each_due(int64_t now_s, Visit&& visit) const {
    visit_due_from(0, now_s, visit);
  }

 private:
  template <typename Visit>
  void visit_due_from(size_t index, int64_t now_s, Visit& visit) const {
    if (index >= entries_.size() || entries_[index].due_s > now_s) return;
    visit(entries_[index]);
    visit_due_from(2 * index + 1, now_s, visit);
    visit_due_from(2 * index + 2, now_s, visit);
  }

  std::vector<DueEntry> entries_;  // entries_[i] <= both children
};

}  // namespace bs::alloc
