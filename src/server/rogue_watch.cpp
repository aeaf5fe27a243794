// Rogue DHCP server detection: classifying sniffed frames, probing, and
// reporting (see rogue_watch.h).
#include "server/rogue_watch.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace bs::server {
namespace {

// More often than this a probe is noise on the link, not a check.
constexpr int64_t kMinProbeInterval_s = 1;
constexpr int64_t kMaxProbeInterval_s = int64_t{7} * 24 * 3600;

bool is_our_mac(std::span<const uint8_t> mac, std::span<const io::InterfaceInfo> links) {
  return mac.size() == 6 && std::any_of(links.begin(), links.end(), [&](const auto& link) {
           return std::equal(mac.begin(), mac.end(), link.mac.begin());
         });
}

bool is_our_address(Ip4 address, std::span<const io::InterfaceInfo> links) {
  return std::any_of(links.begin(), links.end(),
                     [&](const auto& link) { return link.address == address; });
}

std::string link_name(int ifindex, std::span<const io::InterfaceInfo> links) {
  const auto found = std::find_if(links.begin(), links.end(),
                                  [&](const auto& link) { return link.ifindex == ifindex; });
  return found == links.end() ? fmt::format("ifindex {}", ifindex) : found->name;
}

bool answers_probe(const wire::Packet& reply, std::span<const io::InterfaceInfo> links) {
  return (reply.xid & kProbeXidMask) == kProbeXidPrefix && reply.htype == 1 && reply.hlen == 6 &&
         is_our_mac({reply.chaddr.data(), 6}, links);
}

std::string watched_names(const io::RogueListener& listener,
                          std::span<const io::InterfaceInfo> links) {
  std::string out;
  for (int ifindex : listener.watched()) {
    if (!out.empty()) out += ", ";
    out += link_name(ifindex, links);
  }
  return out.empty() ? "no Ethernet link" : out;
}

}  // namespace

RogueOptions rogue_options_from_env() {
  RogueOptions options;
  const char* text = std::getenv("BLACKSTART_ROGUE_PROBE_INTERVAL_S");
  if (text == nullptr) return options;
  const std::string_view value(text);
  int64_t interval_s = -1;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), interval_s);
  const bool usable =
      error == std::errc() && end == value.data() + value.size() &&
      (interval_s == 0 || (interval_s >= kMinProbeInterval_s && interval_s <= kMaxProbeInterval_s));
  if (!usable) {
    spdlog::warn("ignoring BLACKSTART_ROGUE_PROBE_INTERVAL_S='{}': want 0 (never) or {}..{} s",
                 value, kMinProbeInterval_s, kMaxProbeInterval_s);
    return options;
  }
  options.probe_interval_ms = interval_s * 1000;
  return options;
}

std::optional<RogueSighting> classify_frame(const io::SniffedFrame& frame,
                                            std::span<const io::InterfaceInfo> links,
                                            std::span<const Ip4> friends) {
  auto reply = wire::decode(frame.payload);
  if (!reply || reply->op != wire::Op::BootReply) return std::nullopt;
  const auto type = reply->message_type();
  if (type != wire::MessageType::Offer && type != wire::MessageType::Ack) return std::nullopt;
  const Ip4 server = reply->option_ip(wire::opt::kServerId).value_or(frame.source);
  if (is_our_mac(frame.source_mac, links) || is_our_address(server, links) ||
      is_our_address(frame.source, links)) {
    return std::nullopt;
  }
  for (const Ip4 address : friends) {
    if (server == address || frame.source == address) return std::nullopt;
  }
  RogueSighting sighting;
  sighting.server = server;
  sighting.hw_address = make_hwaddr(frame.source_mac);
  sighting.interface = link_name(frame.ifindex, links);
  sighting.type = *type;
  sighting.answered_probe = answers_probe(*reply, links);
  return sighting;
}

bool is_own_probe(const wire::Packet& query, std::span<const io::InterfaceInfo> links) {
  // Runs for every query, so the cheap test that almost always fails is first.
  return query.htype == 1 && query.hlen == 6 && is_our_mac({query.chaddr.data(), 6}, links) &&
         query.op == wire::Op::BootRequest && query.message_type() == wire::MessageType::Discover;
}

Bytes build_probe_discover(const std::array<uint8_t, 6>& mac, uint32_t xid) {
  wire::Packet probe;
  probe.op = wire::Op::BootRequest;
  probe.xid = xid;
  probe.flags = wire::kBroadcastFlag;  // so the answer reaches our listener, not only chaddr
  std::copy(mac.begin(), mac.end(), probe.chaddr.begin());
  probe.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(wire::MessageType::Discover)});
  probe.set(wire::opt::kParameterRequestList,
            Bytes{wire::opt::kSubnetMask, wire::opt::kRouters, wire::opt::kServerId});
  probe.set(wire::opt::kVendorClassId, Bytes(kProbeVendorClass.begin(), kProbeVendorClass.end()));
  return wire::encode(probe);
}

void RogueWatch::attach(std::unique_ptr<io::RogueListener> listener, RogueOptions options,
                        std::span<const io::InterfaceInfo> links) {
  listener_ = std::move(listener);
  options_ = options;
  tracker_ = RogueTracker(options.capacity);
  next_probe_ms_.reset();
  if (!listener_) return;
  if (options_.probe_interval_ms > 0) {
    spdlog::info("watching for foreign DHCP servers on {} (probing every {} s)",
                 watched_names(*listener_, links), options_.probe_interval_ms / 1000);
  } else {
    spdlog::info("watching for foreign DHCP servers on {} (listening only, no probes)",
                 watched_names(*listener_, links));
  }
}

void RogueWatch::poll(std::span<const io::InterfaceInfo> links, const Clock& clock,
                      EventLog& events) {
  if (!listener_) return;
  frames_.clear();
  listener_->poll(frames_, options_.max_frames_per_poll);
  if (!frames_.empty()) {
    const int64_t now_s = clock.now_s();
    for (const io::SniffedFrame& frame : frames_) take(frame, links, now_s, events);
  }
  probe_if_due(links, clock.monotonic_ms());
}

void RogueWatch::take(const io::SniffedFrame& frame, std::span<const io::InterfaceInfo> links,
                      int64_t now_s, EventLog& events) {
  const auto sighting = classify_frame(frame, links, friends_);
  if (!sighting) return;
  const auto recorded = tracker_.record(*sighting, now_s);
  if (recorded == RogueTracker::Recorded::Untracked && !reported_full_) {
    reported_full_ = true;
    spdlog::warn("more than {} foreign DHCP servers seen; further ones are counted, not listed",
                 tracker_.capacity());
  }
  if (recorded != RogueTracker::Recorded::NewServer) return;
  const char* type = wire::to_string(sighting->type);
  spdlog::warn("foreign DHCP server {} ({}) answered on {}: {}{}", to_string(sighting->server),
               to_string(sighting->hw_address), sighting->interface, type,
               sighting->answered_probe ? " (to blackstart's probe)" : "");
  events.add(Event{
      .at_s = now_s,
      .kind = EventKind::RogueServer,
      .address = sighting->server,
      .hw_address = sighting->hw_address,
      .client_id = {},
      .text = fmt::format("foreign DHCP server answered on {}: {}", sighting->interface, type)});
}

void RogueWatch::probe_if_due(std::span<const io::InterfaceInfo> links, int64_t now_ms) {
  if (options_.probe_interval_ms <= 0) return;
  if (next_probe_ms_ && now_ms < *next_probe_ms_) return;
  next_probe_ms_ = now_ms + options_.probe_interval_ms;
  const uint32_t xid = kProbeXidPrefix | probe_sequence_++;
  for (int ifindex : listener_->watched()) {
    const auto link = std::find_if(links.begin(), links.end(),
                                   [&](const auto& l) { return l.ifindex == ifindex; });
    if (link == links.end()) continue;
    if (!listener_->send_probe(ifindex, build_probe_discover(link->mac, xid))) {
      log_.warn("probe/" + link->name,
                fmt::format("cannot send the foreign-server probe on {}: {}", link->name,
                            std::strerror(listener_->counters().last_errno)),
                now_ms);
    }
  }
}

}  // namespace bs::server
