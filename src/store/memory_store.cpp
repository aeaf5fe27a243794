// MemoryLeaseStore: the store used by tests and the simulation. It applies
// the same batch checks as SQLite and can be switched to fail, so the
// server's "no ACK unless committed" path can be exercised without a disk.
#include "store/lease_store.h"

namespace bs::store {

tl::expected<std::vector<Lease>, StoreError> MemoryLeaseStore::load_all() { return rows_; }

tl::expected<void, StoreError> MemoryLeaseStore::commit(std::span<const LeaseChange> changes) {
  ++commit_count_;
  if (failing_) return tl::unexpected(StoreError{"memory store told to fail", fault_});
  if (auto checked = check_changes(changes); !checked) return checked;
  for (const LeaseChange& change : changes) {
    const uint32_t address = change.address.value;
    const auto found = index_.find(address);
    if (change.after) {
      if (found != index_.end()) {
        rows_[found->second] = *change.after;
      } else {
        index_.emplace(address, rows_.size());
        rows_.push_back(*change.after);
      }
    } else if (found != index_.end()) {
      // Swap-remove keeps deletes O(1); rows() has no defined order.
      const size_t position = found->second;
      index_.erase(found);
      if (position + 1 != rows_.size()) {
        rows_[position] = std::move(rows_.back());
        index_[rows_[position].address.value] = position;
      }
      rows_.pop_back();
    }
  }
  return {};
}

}  // namespace bs::store
