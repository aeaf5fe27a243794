// Rogue DHCP server detection on the pipeline thread. Once per pipeline
// round, RogueWatch drains the RogueListener without blocking, decodes each
// frame to the client port, and records every OFFER or ACK that another
// server sent (RogueTracker), logging one warning and one event per new
// server. Listening alone misses a rogue that unicasts its answers to a
// client's MAC across a switch, so RogueWatch also broadcasts a DISCOVER
// from each served link at start and then periodically, asking for a
// broadcast answer: every server on the link then answers where we can see
// it. The pipeline drops that DISCOVER when it comes back (is_own_probe).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "io/rogue_listener.h"
#include "io/transport.h"
#include "server/events.h"
#include "server/rate_limited_log.h"
#include "server/rogue_tracker.h"
#include "wire/packet.h"

namespace bs::server {

// Probe xids are "bs" and a sequence number, so other servers' logs and
// packet captures show where the DISCOVERs come from.
inline constexpr uint32_t kProbeXidPrefix = 0x62730000;
inline constexpr uint32_t kProbeXidMask = 0xffff0000;
// Also in option 60, for the same reason.
inline constexpr std::string_view kProbeVendorClass = "blackstart-rogue-probe";

struct RogueOptions {
  int64_t probe_interval_ms = 60'000;  // 0: listen only, never probe
  size_t capacity = RogueTracker::kDefaultCapacity;
  size_t max_frames_per_poll = 64;  // bounds the time one round spends here
};

// The defaults, with BLACKSTART_ROGUE_PROBE_INTERVAL_S (whole seconds, 0 =
// never probe) from the environment if it is set; an unusable value is
// logged and ignored. An environment variable rather than a config key:
// Kea has no such key, and only tests and unusual sites need to change it.
RogueOptions rogue_options_from_env();

// A foreign OFFER or ACK in the frame, or nothing: not DHCP, not an OFFER or
// ACK, or sent by blackstart itself (its MAC, or one of its addresses as
// server identifier or IP source, on any served link, since two served
// links may share one segment and a relay forwards our own answers).
// `friends` are other servers that are no rogues (the HA partner, by the
// address of its peer URL): their answers are not sightings either.
std::optional<RogueSighting> classify_frame(const io::SniffedFrame& frame,
                                            std::span<const io::InterfaceInfo> links,
                                            std::span<const Ip4> friends = {});

// True for a DISCOVER whose chaddr is the MAC of a served link: our own
// probe, heard on another served link of the same segment.
bool is_own_probe(const wire::Packet& query, std::span<const io::InterfaceInfo> links);

// The probe: a DISCOVER with the broadcast flag, chaddr = the link's MAC.
Bytes build_probe_discover(const std::array<uint8_t, 6>& mac, uint32_t xid);

class RogueWatch {
 public:
  // Starts watching; probes on the next poll. Without a listener, poll does
  // nothing (tests, or when the sockets could not be opened).
  void attach(std::unique_ptr<io::RogueListener> listener, RogueOptions options,
              std::span<const io::InterfaceInfo> links);
  // Never blocks.
  void poll(std::span<const io::InterfaceInfo> links, const Clock& clock, EventLog& events);

  // The HA partner answers the same clients on the same links: its
  // OFFERs and ACKs (server identifier or IP source) are not a rogue's.
  void add_friend(Ip4 address) { friends_.push_back(address); }
  const RogueTracker& tracker() const { return tracker_; }
  const io::RogueListener* listener() const { return listener_.get(); }

 private:
  void take(const io::SniffedFrame& frame, std::span<const io::InterfaceInfo> links, int64_t now_s,
            EventLog& events);
  void probe_if_due(std::span<const io::InterfaceInfo> links, int64_t now_ms);

  std::unique_ptr<io::RogueListener> listener_;
  RogueOptions options_;
  RogueTracker tracker_;
  RateLimitedLog log_;
  std::vector<io::SniffedFrame> frames_;  // reused between polls
  std::vector<Ip4> friends_;              // add_friend: one per HA partner
  std::optional<int64_t> next_probe_ms_;
  uint16_t probe_sequence_ = 0;
  bool reported_full_ = false;
};

}  // namespace bs::server
