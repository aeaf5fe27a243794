// The seam for noticing other DHCP servers on the links blackstart serves.
// A RogueListener hands over every IPv4/UDP frame addressed to the client
// port (68) that arrived on a served link, and can broadcast a probe query
// from the server's own MAC so that every server on the link answers where
// the listener can see it. It knows nothing of DHCP: the server module
// decodes the payloads and decides what is foreign. The Linux implementation
// uses one AF_PACKET socket per link with a kernel (classic BPF) filter, so
// the pipeline never copies unrelated traffic; tests use FakeRogueListener.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"
#include "io/transport.h"

namespace bs::io {

inline constexpr size_t kEthernetHeaderSize = 14;

// One frame to the client port, as it was on the wire.
struct SniffedFrame {
  int ifindex = 0;
  std::array<uint8_t, 6> source_mac{};
  Ip4 source;
  uint16_t source_port = 0;
  Ip4 destination;
  Bytes payload;  // the UDP payload: a DHCP message, if anything
};

struct RogueListenerCounters {
  uint64_t frames = 0;            // handed to the caller
  uint64_t frames_malformed = 0;  // passed the kernel filter but did not parse, or truncated
  uint64_t receive_errors = 0;
  uint64_t probes_sent = 0;
  uint64_t probe_errors = 0;
  int last_errno = 0;
};

class RogueListener {
 public:
  virtual ~RogueListener() = default;
  // Appends up to max_count waiting frames; never blocks.
  virtual size_t poll(std::vector<SniffedFrame>& out, size_t max_count) = 0;
  // Broadcasts `payload` (a DHCP query) from 0.0.0.0:68 to 255.255.255.255:67
  // out of the link, with the link's MAC as Ethernet source. False if the
  // link is not watched or the send failed (counted).
  virtual bool send_probe(int ifindex, std::span<const uint8_t> payload) = 0;
  // The links this listener covers, a subset of those it was opened on.
  virtual std::vector<int> watched() const = 0;
  virtual RogueListenerCounters counters() const { return {}; }
};

// Opens a listener on every Ethernet link of `links`; links of other types
// (no Ethernet header to parse) are left out of watched(). Needs CAP_NET_RAW.
tl::expected<std::unique_ptr<RogueListener>, IoError> open_linux_rogue_listener(
    std::span<const InterfaceInfo> links);

// Pure helpers, exposed for tests.
// Parses an Ethernet frame carrying an unfragmented IPv4/UDP datagram to
// port 68. Empty if it is anything else or its lengths do not add up.
// Checksums are not verified: frames between namespaces or from offloading
// NICs may carry partial ones, and a bad one costs at most a log line.
std::optional<SniffedFrame> parse_client_port_frame(std::span<const uint8_t> frame, int ifindex);
// The probe as sent: Ethernet broadcast from `source_mac`, then IPv4/UDP
// 0.0.0.0:68 -> 255.255.255.255:67 around `payload`. Empty if too large.
Bytes build_probe_frame(const std::array<uint8_t, 6>& source_mac, std::span<const uint8_t> payload,
                        uint16_t ip_id);

}  // namespace bs::io
