// Recent notable events (declines, conflicts, rogue servers, storage errors,
// NAKs, lease grants and releases) in a bounded ring, for the status page,
// the API and lease history. Owned by the pipeline thread; readers get copies.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "common/types.h"

namespace bs::server {

enum class EventKind : uint8_t {
  LeaseGranted,
  LeaseReleased,
  Declined,
  Nak,
  Conflict,      // a probed address answered: some unknown device uses it
  RogueServer,   // another DHCP server answered on a served link
  StorageError,  // the lease store failed a commit
  Recovery,      // recovery mode entered or left
  ConfigReload,
};
const char* to_string(EventKind kind);

struct Event {
  int64_t at_s = 0;  // Unix seconds
  EventKind kind = EventKind::LeaseGranted;
  Ip4 address;
  HwAddr hw_address;
  Bytes client_id;
  std::string text;
};

class EventLog {
 public:
  explicit EventLog(size_t capacity = 4096) : capacity_(capacity) {}

  void add(Event event) {
    if (events_.size() == capacity_) events_.pop_front();
    events_.push_back(std::move(event));
    ++total_;
  }
  // Newest first, at most max_count.
  std::vector<Event> recent(size_t max_count) const {
    std::vector<Event> out;
    for (auto it = events_.rbegin(); it != events_.rend() && out.size() < max_count; ++it) {
      out.push_back(*it);
    }
    return out;
  }
  const std::deque<Event>& all() const { return events_; }
  uint64_t total() const { return total_; }

 private:
  size_t capacity_;
  std::deque<Event> events_;
  uint64_t total_ = 0;
};

}  // namespace bs::server
