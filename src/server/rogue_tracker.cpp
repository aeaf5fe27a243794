// Bookkeeping for foreign DHCP servers (see rogue_tracker.h).
#include "server/rogue_tracker.h"

#include <algorithm>

namespace bs::server {

const RogueServer* RogueTracker::find(Ip4 server, const HwAddr& hw_address) const {
  const auto found = std::find_if(servers_.begin(), servers_.end(), [&](const RogueServer& row) {
    return row.server == server && row.hw_address == hw_address;
  });
  return found == servers_.end() ? nullptr : &*found;
}

RogueTracker::Recorded RogueTracker::record(const RogueSighting& sighting, int64_t now_s) {
  ++sightings_total_;
  const auto found = std::find_if(servers_.begin(), servers_.end(), [&](const RogueServer& r) {
    return r.server == sighting.server && r.hw_address == sighting.hw_address;
  });
  RogueServer* row = found == servers_.end() ? nullptr : &*found;
  Recorded outcome = Recorded::KnownServer;
  if (row == nullptr) {
    if (servers_.size() >= capacity_) {
      ++untracked_total_;
      return Recorded::Untracked;
    }
    row = &servers_.emplace_back();
    row->server = sighting.server;
    row->hw_address = sighting.hw_address;
    row->first_interface = sighting.interface;
    row->first_seen_s = now_s;
    outcome = Recorded::NewServer;
  }
  row->last_interface = sighting.interface;
  row->last_seen_s = now_s;
  if (sighting.type == wire::MessageType::Ack) {
    ++row->acks;
  } else {
    ++row->offers;
  }
  row->answered_clients = row->answered_clients || !sighting.answered_probe;
  return outcome;
}

}  // namespace bs::server
