// DHCPv4 wire codec (RFC 2131 message format, RFC 2132 options, RFC 3396
// long options, option overload). Pure functions over byte spans: no I/O,
// no allocation beyond the Packet itself, no exceptions. Untrusted input
// comes back as a DecodeError value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"
#include "wire/option_bytes.h"

namespace bs::wire {

inline constexpr uint16_t kServerPort = 67;
inline constexpr uint16_t kClientPort = 68;
inline constexpr size_t kFixedHeaderSize = 236;      // up to, not including, the cookie
inline constexpr size_t kMinMessageSize = 576 - 28;  // RFC 2131: 576 minus IP+UDP headers
inline constexpr size_t kMaxDecodeSize = 65535;
inline constexpr uint16_t kBroadcastFlag = 0x8000;

enum class Op : uint8_t { BootRequest = 1, BootReply = 2 };

enum class MessageType : uint8_t {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
  Inform = 8,
};
const char* to_string(MessageType type);

// Option codes used by name in the code (RFC 2132 unless noted).
namespace opt {
inline constexpr uint8_t kPad = 0;
inline constexpr uint8_t kSubnetMask = 1;
inline constexpr uint8_t kRouters = 3;
inline constexpr uint8_t kDomainNameServers = 6;
inline constexpr uint8_t kHostName = 12;
inline constexpr uint8_t kDomainName = 15;
inline constexpr uint8_t kBroadcastAddress = 28;
inline constexpr uint8_t kRequestedAddress = 50;
inline constexpr uint8_t kLeaseTime = 51;
inline constexpr uint8_t kOverload = 52;
inline constexpr uint8_t kMessageType = 53;
inline constexpr uint8_t kServerId = 54;
inline constexpr uint8_t kParameterRequestList = 55;
inline constexpr uint8_t kMessage = 56;
inline constexpr uint8_t kMaxMessageSize = 57;
inline constexpr uint8_t kRenewalTime = 58;
inline constexpr uint8_t kRebindingTime = 59;
inline constexpr uint8_t kVendorClassId = 60;
inline constexpr uint8_t kClientId = 61;
inline constexpr uint8_t kTftpServerName = 66;
inline constexpr uint8_t kBootFileName = 67;
inline constexpr uint8_t kRelayAgentInfo = 82;    // RFC 3046
inline constexpr uint8_t kSubnetSelection = 118;  // RFC 3011
inline constexpr uint8_t kEnd = 255;
}  // namespace opt

struct Option {
  uint8_t code = 0;
  OptionBytes data;
};

// A decoded BOOTP/DHCP message. Options are kept in first-seen order; repeated
// instances of one code are concatenated into one Option (RFC 3396).
// Overload rule: when option 52 says sname and/or file carry options, decode
// reads them (options field, then file, then sname, per RFC 3396), zeroes the
// consumed field(s) here and drops option 52 from `options`. A decoded Packet
// therefore never holds codes 0, 52 or 255, and encode() of it decodes back
// to the same fields and options, less any that did not fit and with option
// 82 moved last (see encode).
struct Packet {
  Op op = Op::BootRequest;
  uint8_t htype = 1;
  uint8_t hlen = 6;
  uint8_t hops = 0;
  uint32_t xid = 0;
  uint16_t secs = 0;
  uint16_t flags = 0;
  Ip4 ciaddr, yiaddr, siaddr, giaddr;
  std::array<uint8_t, 16> chaddr{};
  std::array<uint8_t, 64> sname{};
  std::array<uint8_t, 128> file{};
  std::vector<Option> options;

  const Option* find(uint8_t code) const;
  Option* find(uint8_t code);
  // Replaces an existing option of that code, or appends one.
  void set(uint8_t code, OptionBytes data);
  void set_ip(uint8_t code, Ip4 address);
  void set_u32(uint8_t code, uint32_t value);
  void remove(uint8_t code);

  std::optional<MessageType> message_type() const;
  std::optional<Ip4> option_ip(uint8_t code) const;
  std::optional<uint32_t> option_u32(uint8_t code) const;
  std::optional<uint16_t> option_u16(uint8_t code) const;
  HwAddr hw_address() const;
  bool broadcast_flag() const { return (flags & kBroadcastFlag) != 0; }
};

enum class DecodeError : uint8_t {
  TooShort,         // shorter than the fixed header plus cookie
  TooLong,          // larger than any UDP payload
  BadOp,            // op is neither BOOTREQUEST nor BOOTREPLY
  BadHlen,          // hlen > 16
  BadMagicCookie,   // not 99.130.83.99
  OptionTruncated,  // an option's length runs past the end of its field
  MissingEnd,       // options field ended without an END option
  BadOverload,      // option 52 with a bad length or value
  BadMessageType,   // option 53 with length != 1 or an unknown value
};
inline constexpr size_t kDecodeErrorCount = 9;
const char* to_string(DecodeError error);

// Parses one UDP payload. Never reads outside `payload`, never throws.
// The options field must end with END; an overloaded sname/file may instead
// run to the end of its field. Option 53, if present, must be 1 byte, 1..8.
tl::expected<Packet, DecodeError> decode(std::span<const uint8_t> payload);

// Encodes `packet` into at most `max_size` bytes (clamped to >= 548 and
// <= 1500 - 28). Options that would not fit are left out, in order, so the
// caller puts essential options first. Options longer than 255 bytes are
// split into several instances (RFC 3396). Always ends with END and pads to
// the 300-byte BOOTP minimum that some relays and clients expect.
// sname/file are written verbatim and never used for overload; options with
// code 0, 52 or 255 are ignored. Option 82 (relay agent info) is always
// written last (RFC 3046 2.2) but gets its room first, before the others.
Bytes encode(const Packet& packet, size_t max_size = kMinMessageSize);

}  // namespace bs::wire
