// The table of foreign DHCP servers seen answering on served links: one row
// per (server address, MAC), with when it was first and last seen and how
// many OFFERs and ACKs it sent. A new row is what the pipeline logs and
// records as an event; later sightings only count, so a chatty rogue costs
// one log line. The table is bounded, because a spoofer can invent servers
// faster than anyone reads about them. Pure bookkeeping: no I/O, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/types.h"
#include "wire/packet.h"

namespace bs::server {

// One foreign OFFER or ACK.
struct RogueSighting {
  Ip4 server;         // its server identifier (option 54), else the IP source
  HwAddr hw_address;  // the Ethernet source of the frame
  std::string interface;
  wire::MessageType type = wire::MessageType::Offer;
  bool answered_probe = false;  // the answer to blackstart's own DISCOVER
};

struct RogueServer {
  Ip4 server;
  HwAddr hw_address;
  std::string first_interface;
  std::string last_interface;
  int64_t first_seen_s = 0;  // Unix seconds
  int64_t last_seen_s = 0;
  uint64_t offers = 0;
  uint64_t acks = 0;
  // True once it answered clients as well as probes: it is serving the
  // link, not merely reachable.
  bool answered_clients = false;

  uint64_t sightings() const { return offers + acks; }
};

class RogueTracker {
 public:
  static constexpr size_t kDefaultCapacity = 256;

  enum class Recorded : uint8_t {
    NewServer,    // first sighting: log it
    KnownServer,  // counted on its row
    Untracked,    // table full: counted in untracked_total only
  };

  explicit RogueTracker(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  Recorded record(const RogueSighting& sighting, int64_t now_s);

  // In order of first sighting.
  const std::vector<RogueServer>& servers() const { return servers_; }
  const RogueServer* find(Ip4 server, const HwAddr& hw_address) const;
  size_t capacity() const { return capacity_; }
  // Every OFFER and ACK from a foreign server, listed or not.
  uint64_t sightings_total() const { return sightings_total_; }
  uint64_t untracked_total() const { return untracked_total_; }

 private:
  size_t capacity_;
  std::vector<RogueServer> servers_;  // a few at most in practice, so a scan is fine
  uint64_t sightings_total_ = 0;
  uint64_t untracked_total_ = 0;
};

}  // namespace bs::server
