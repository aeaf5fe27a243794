// libFuzzer target for the DHCPv4 codec. Any input must decode or fail
// cleanly; anything that decodes must survive encode -> decode unchanged,
// except for the documented differences: options that did not fit the size
// limit are left out, and option 82 moves to the end.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "wire/packet.h"

namespace {

using bs::wire::Option;
using bs::wire::Packet;

constexpr size_t kMaxEncodeSize = 1500 - 28;
constexpr size_t kBootpMinSize = 300;
constexpr size_t kHeaderAndEnd = 240 + 1;

// Plain abort rather than assert() so the check also runs in NDEBUG builds.
void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "packet_fuzz: %s\n", what);
  std::abort();
}

bool same_fixed(const Packet& a, const Packet& b) {
  return a.op == b.op && a.htype == b.htype && a.hlen == b.hlen && a.hops == b.hops &&
         a.xid == b.xid && a.secs == b.secs && a.flags == b.flags && a.ciaddr == b.ciaddr &&
         a.yiaddr == b.yiaddr && a.siaddr == b.siaddr && a.giaddr == b.giaddr &&
         a.chaddr == b.chaddr && a.sname == b.sname && a.file == b.file;
}

size_t wire_size(const Option& option) {
  const size_t chunks = option.data.empty() ? 1 : (option.data.size() + 254) / 255;
  return option.data.size() + 2 * chunks;
}

bool same_option(const Option& a, const Option& b) { return a.code == b.code && a.data == b.data; }

// Walks the original options in order: each is either next in the
// re-decoded list, or was left out because it was larger than the room still
// free at that point. Option 82 is reserved up front and expected last.
void check_options(const Packet& first, const Packet& second, size_t limit) {
  size_t room = limit - kHeaderAndEnd;
  const Option* relay = first.find(bs::wire::opt::kRelayAgentInfo);
  const bool relay_kept = relay != nullptr && wire_size(*relay) <= room;
  if (relay_kept) room -= wire_size(*relay);
  size_t next = 0;
  for (const Option& option : first.options) {
    if (option.code == bs::wire::opt::kRelayAgentInfo) continue;
    const bool kept = next < second.options.size() && same_option(option, second.options[next]);
    if (kept) {
      room -= wire_size(option);
      ++next;
      continue;
    }
    check(wire_size(option) > room, "option left out although it fit");
    check(second.find(option.code) == nullptr, "option changed in round trip");
  }
  if (relay_kept) {
    check(next + 1 == second.options.size() && same_option(*relay, second.options[next]),
          "option 82 not last or changed");
    return;
  }
  check(next == second.options.size(), "round trip added options");
}

// Touches the read-only helpers so they run under the sanitizers too.
void exercise_helpers(const Packet& packet) {
  (void)packet.message_type();
  (void)packet.hw_address();
  (void)packet.option_ip(bs::wire::opt::kServerId);
  (void)packet.option_u16(bs::wire::opt::kMaxMessageSize);
  if (auto type = packet.message_type()) (void)bs::wire::to_string(*type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto first = bs::wire::decode(std::span<const uint8_t>(data, size));
  if (!first) {
    (void)bs::wire::to_string(first.error());
    return 0;
  }
  exercise_helpers(*first);
  // Derive the size limit from the input so the fitting logic gets explored.
  const size_t limit =
      bs::wire::kMinMessageSize + first->xid % (kMaxEncodeSize - bs::wire::kMinMessageSize + 1);
  const bs::Bytes wire = bs::wire::encode(*first, limit);
  check(wire.size() <= limit && wire.size() >= kBootpMinSize, "encoded size out of bounds");
  const auto second = bs::wire::decode(wire);
  check(second.has_value(), "encoded packet does not decode");
  check(same_fixed(*first, *second), "fixed fields changed in round trip");
  check_options(*first, *second, limit);
  check(bs::wire::encode(*second, limit) == wire, "re-encoding is not stable");
  return 0;
}
