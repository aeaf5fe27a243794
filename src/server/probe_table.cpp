// The parked-reply table (probe_table.h).
#include "server/probe_table.h"

#include "common/assert.h"

namespace bs::server {

PendingProbe* ProbeTable::find(Ip4 address) {
  auto it = by_address_.find(address.value);
  return it == by_address_.end() ? nullptr : &it->second;
}

void ProbeTable::insert(PendingProbe entry) {
  BS_ASSERT(!full());
  BS_ASSERT(deadlines_.empty() || deadlines_.back().at_ms <= entry.deadline_ms);
  const uint32_t address = entry.request.address.value;
  deadlines_.push_back(Deadline{entry.deadline_ms, address});
  const bool inserted = by_address_.emplace(address, std::move(entry)).second;
  BS_ASSERT(inserted);
}

std::optional<PendingProbe> ProbeTable::take(Ip4 address) {
  auto it = by_address_.find(address.value);
  if (it == by_address_.end()) return std::nullopt;
  PendingProbe entry = std::move(it->second);
  by_address_.erase(it);
  return entry;
}

std::optional<PendingProbe> ProbeTable::take_expired(int64_t now_ms) {
  while (!deadlines_.empty() && deadlines_.front().at_ms <= now_ms) {
    const Deadline due = deadlines_.front();
    deadlines_.pop_front();
    auto it = by_address_.find(due.address);
    // A stale deadline: answered already, or re-parked with a later one.
    if (it == by_address_.end() || it->second.deadline_ms != due.at_ms) continue;
    PendingProbe entry = std::move(it->second);
    by_address_.erase(it);
    return entry;
  }
  return std::nullopt;
}

std::optional<int64_t> ProbeTable::next_deadline_ms() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.front().at_ms;
}

std::vector<PendingProbe> ProbeTable::take_all() {
  std::vector<PendingProbe> entries;
  entries.reserve(by_address_.size());
  for (auto& [address, entry] : by_address_) entries.push_back(std::move(entry));
  by_address_.clear();
  deadlines_.clear();
  return entries;
}

}  // namespace bs::server
