// DHCPv4 wire codec: turns a UDP payload into a Packet and back. Everything
// here runs on untrusted bytes, so every read is bounds-checked by hand and
// failures are returned as DecodeError values; nothing throws.
#include "wire/packet.h"

#include <algorithm>

#include "common/byte_order.h"

namespace bs::wire {
namespace {

constexpr std::array<uint8_t, 4> kMagicCookie{99, 130, 83, 99};
constexpr size_t kChaddrOffset = 28;
constexpr size_t kSnameOffset = 44;
constexpr size_t kFileOffset = 108;
constexpr size_t kOptionsOffset = kFixedHeaderSize + kMagicCookie.size();
constexpr size_t kBootpMinSize = 300;
constexpr size_t kMaxEncodeSize = 1500 - 28;
constexpr size_t kMaxOptionChunk = 255;
constexpr uint8_t kOverloadFile = 1;
constexpr uint8_t kOverloadSname = 2;
// Options a query or a reply usually carries (a DISCOVER's 5-8, a reply's
// 8-12): room for them at once, instead of the vector growing 1, 2, 4, 8,
// 16, which was a fifth of the pipeline's heap allocations.
constexpr size_t kTypicalOptionCount = 16;

OptionBytes u32_bytes(uint32_t value) {
  const std::array<uint8_t, 4> bytes{static_cast<uint8_t>(value >> 24),
                                     static_cast<uint8_t>(value >> 16),
                                     static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
  return OptionBytes(std::span<const uint8_t>(bytes));
}

// Merges repeated instances of a code into the first one (RFC 3396). The
// per-code index keeps this linear even for a 64 KiB packet of tiny options.
class OptionCollector {
 public:
  explicit OptionCollector(std::vector<Option>& options) : options_(options) {
    options_.reserve(kTypicalOptionCount);
  }

  void add(uint8_t code, std::span<const uint8_t> data) {
    uint16_t& slot = slot_of_code_[code];
    if (slot == 0) {
      options_.push_back(Option{code, OptionBytes(data)});
      slot = static_cast<uint16_t>(options_.size());
      return;
    }
    options_[slot - 1].data.append(data);
  }

 private:
  std::vector<Option>& options_;
  std::array<uint16_t, 256> slot_of_code_{};  // index + 1; 0 = not seen yet
};

enum class Area : uint8_t { Options, Overloaded };

// Walks one option area. The main options field must close with END; an
// overloaded sname/file may simply run to the end of its fixed-size field,
// and must not itself carry option 52, which would let fields nest.
tl::expected<void, DecodeError> parse_area(std::span<const uint8_t> area, Area kind,
                                           OptionCollector& collector) {
  size_t pos = 0;
  while (pos < area.size()) {
    const uint8_t code = area[pos];
    if (code == opt::kPad) {
      ++pos;
      continue;
    }
    if (code == opt::kEnd) return {};
    if (area.size() - pos < 2) return tl::unexpected(DecodeError::OptionTruncated);
    const size_t length = area[pos + 1];
    if (area.size() - pos - 2 < length) return tl::unexpected(DecodeError::OptionTruncated);
    if (kind == Area::Overloaded && code == opt::kOverload) {
      return tl::unexpected(DecodeError::BadOverload);
    }
    collector.add(code, area.subspan(pos + 2, length));
    pos += 2 + length;
  }
  if (kind == Area::Options) return tl::unexpected(DecodeError::MissingEnd);
  return {};
}

tl::expected<Packet, DecodeError> decode_fixed(std::span<const uint8_t> payload) {
  if (payload.size() < kOptionsOffset) return tl::unexpected(DecodeError::TooShort);
  if (payload.size() > kMaxDecodeSize) return tl::unexpected(DecodeError::TooLong);
  const uint8_t op = payload[0];
  if (op != static_cast<uint8_t>(Op::BootRequest) && op != static_cast<uint8_t>(Op::BootReply)) {
    return tl::unexpected(DecodeError::BadOp);
  }
  if (payload[2] > 16) return tl::unexpected(DecodeError::BadHlen);
  if (!std::equal(kMagicCookie.begin(), kMagicCookie.end(), payload.begin() + kFixedHeaderSize)) {
    return tl::unexpected(DecodeError::BadMagicCookie);
  }
  Packet packet;
  packet.op = static_cast<Op>(op);
  packet.htype = payload[1];
  packet.hlen = payload[2];
  packet.hops = payload[3];
  packet.xid = load_be32(payload, 4);
  packet.secs = load_be16(payload, 8);
  packet.flags = load_be16(payload, 10);
  packet.ciaddr = Ip4{load_be32(payload, 12)};
  packet.yiaddr = Ip4{load_be32(payload, 16)};
  packet.siaddr = Ip4{load_be32(payload, 20)};
  packet.giaddr = Ip4{load_be32(payload, 24)};
  std::copy_n(payload.begin() + kChaddrOffset, packet.chaddr.size(), packet.chaddr.begin());
  std::copy_n(payload.begin() + kSnameOffset, packet.sname.size(), packet.sname.begin());
  std::copy_n(payload.begin() + kFileOffset, packet.file.size(), packet.file.begin());
  return packet;
}

// Reads option 52 as gathered from the options field; 0 when absent.
tl::expected<uint8_t, DecodeError> overload_value(const Packet& packet) {
  const Option* overload = packet.find(opt::kOverload);
  if (overload == nullptr) return uint8_t{0};
  if (overload->data.size() != 1) return tl::unexpected(DecodeError::BadOverload);
  const uint8_t value = overload->data[0];
  if (value < 1 || value > 3) return tl::unexpected(DecodeError::BadOverload);
  return value;
}

// RFC 3396 orders the aggregate buffer as options, then file, then sname.
// Consumed fields are zeroed and option 52 dropped so that encode() writing
// the Packet back out reproduces the same decoded content.
tl::expected<void, DecodeError> decode_overload(std::span<const uint8_t> payload, Packet& packet,
                                                OptionCollector& collector) {
  const auto overload = overload_value(packet);
  if (!overload) return tl::unexpected(overload.error());
  if ((*overload & kOverloadFile) != 0) {
    auto parsed =
        parse_area(payload.subspan(kFileOffset, packet.file.size()), Area::Overloaded, collector);
    if (!parsed) return parsed;
    packet.file.fill(0);
  }
  if ((*overload & kOverloadSname) != 0) {
    auto parsed =
        parse_area(payload.subspan(kSnameOffset, packet.sname.size()), Area::Overloaded, collector);
    if (!parsed) return parsed;
    packet.sname.fill(0);
  }
  packet.remove(opt::kOverload);
  return {};
}

bool message_type_valid(const Packet& packet) {
  const Option* type = packet.find(opt::kMessageType);
  return type == nullptr || packet.message_type().has_value();
}

size_t encoded_size(const Option& option) {
  if (option.data.empty()) return 2;
  const size_t chunks = (option.data.size() + kMaxOptionChunk - 1) / kMaxOptionChunk;
  return option.data.size() + 2 * chunks;
}

void append_option(Bytes& out, const Option& option) {
  out.push_back(option.code);
  if (option.data.empty()) {
    out.push_back(0);
    return;
  }
  size_t pos = 0;
  while (true) {
    const size_t chunk = std::min(kMaxOptionChunk, option.data.size() - pos);
    out.push_back(static_cast<uint8_t>(chunk));
    out.insert(out.end(), option.data.begin() + static_cast<std::ptrdiff_t>(pos),
               option.data.begin() + static_cast<std::ptrdiff_t>(pos + chunk));
    pos += chunk;
    if (pos == option.data.size()) return;
    out.push_back(option.code);
  }
}

// Codes the in-order pass skips: PAD/END are framing, option 52 would make a
// reader misread the sname/file written verbatim, and 82 is placed last.
bool encodable_code(uint8_t code) {
  return code != opt::kPad && code != opt::kEnd && code != opt::kOverload &&
         code != opt::kRelayAgentInfo;
}

void append_fixed(Bytes& out, const Packet& packet) {
  out.push_back(static_cast<uint8_t>(packet.op));
  out.push_back(packet.htype);
  out.push_back(packet.hlen);
  out.push_back(packet.hops);
  append_be32(out, packet.xid);
  append_be16(out, packet.secs);
  append_be16(out, packet.flags);
  for (Ip4 address : {packet.ciaddr, packet.yiaddr, packet.siaddr, packet.giaddr}) {
    append_be32(out, address.value);
  }
  out.insert(out.end(), packet.chaddr.begin(), packet.chaddr.end());
  out.insert(out.end(), packet.sname.begin(), packet.sname.end());
  out.insert(out.end(), packet.file.begin(), packet.file.end());
  out.insert(out.end(), kMagicCookie.begin(), kMagicCookie.end());
}

}  // namespace

const char* to_string(MessageType type) {
  switch (type) {
    case MessageType::Discover:
      return "DHCPDISCOVER";
    case MessageType::Offer:
      return "DHCPOFFER";
    case MessageType::Request:
      return "DHCPREQUEST";
    case MessageType::Decline:
      return "DHCPDECLINE";
    case MessageType::Ack:
      return "DHCPACK";
    case MessageType::Nak:
      return "DHCPNAK";
    case MessageType::Release:
      return "DHCPRELEASE";
    case MessageType::Inform:
      return "DHCPINFORM";
  }
  return "DHCPUNKNOWN";
}

const char* to_string(DecodeError error) {
  switch (error) {
    case DecodeError::TooShort:
      return "packet too short";
    case DecodeError::TooLong:
      return "packet too long";
    case DecodeError::BadOp:
      return "op is neither BOOTREQUEST nor BOOTREPLY";
    case DecodeError::BadHlen:
      return "hlen larger than 16";
    case DecodeError::BadMagicCookie:
      return "bad magic cookie";
    case DecodeError::OptionTruncated:
      return "option runs past the end of its field";
    case DecodeError::MissingEnd:
      return "options field has no END option";
    case DecodeError::BadOverload:
      return "bad option overload (52)";
    case DecodeError::BadMessageType:
      return "bad DHCP message type (53)";
  }
  return "unknown decode error";
}

const Option* Packet::find(uint8_t code) const {
  for (const Option& option : options) {
    if (option.code == code) return &option;
  }
  return nullptr;
}

Option* Packet::find(uint8_t code) {
  for (Option& option : options) {
    if (option.code == code) return &option;
  }
  return nullptr;
}

void Packet::set(uint8_t code, OptionBytes data) {
  if (Option* existing = find(code)) {
    existing->data = std::move(data);
    return;
  }
  if (options.capacity() == 0) options.reserve(kTypicalOptionCount);
  options.push_back(Option{code, std::move(data)});
}

void Packet::set_ip(uint8_t code, Ip4 address) { set(code, u32_bytes(address.value)); }

void Packet::set_u32(uint8_t code, uint32_t value) { set(code, u32_bytes(value)); }

void Packet::remove(uint8_t code) {
  std::erase_if(options, [code](const Option& option) { return option.code == code; });
}

std::optional<MessageType> Packet::message_type() const {
  const Option* type = find(opt::kMessageType);
  if (type == nullptr || type->data.size() != 1) return std::nullopt;
  const uint8_t value = type->data[0];
  if (value < static_cast<uint8_t>(MessageType::Discover) ||
      value > static_cast<uint8_t>(MessageType::Inform)) {
    return std::nullopt;
  }
  return static_cast<MessageType>(value);
}

std::optional<Ip4> Packet::option_ip(uint8_t code) const {
  const auto value = option_u32(code);
  if (!value) return std::nullopt;
  return Ip4{*value};
}

std::optional<uint32_t> Packet::option_u32(uint8_t code) const {
  const Option* option = find(code);
  if (option == nullptr || option->data.size() != 4) return std::nullopt;
  return load_be32(option->data, 0);
}

std::optional<uint16_t> Packet::option_u16(uint8_t code) const {
  const Option* option = find(code);
  if (option == nullptr || option->data.size() != 2) return std::nullopt;
  return load_be16(option->data, 0);
}

HwAddr Packet::hw_address() const {
  // hlen may be set out of range by a caller; never read past chaddr.
  const size_t length = std::min<size_t>(hlen, chaddr.size());
  return make_hwaddr(std::span<const uint8_t>(chaddr.data(), length), htype);
}

tl::expected<Packet, DecodeError> decode(std::span<const uint8_t> payload) {
  auto packet = decode_fixed(payload);
  if (!packet) return packet;
  OptionCollector collector(packet->options);
  auto parsed = parse_area(payload.subspan(kOptionsOffset), Area::Options, collector);
  if (!parsed) return tl::unexpected(parsed.error());
  parsed = decode_overload(payload, *packet, collector);
  if (!parsed) return tl::unexpected(parsed.error());
  if (!message_type_valid(*packet)) return tl::unexpected(DecodeError::BadMessageType);
  return packet;
}

Bytes encode(const Packet& packet, size_t max_size) {
  const size_t limit = std::clamp(max_size, kMinMessageSize, kMaxEncodeSize);
  Bytes out;
  out.reserve(limit);
  append_fixed(out, packet);
  size_t room = limit - kOptionsOffset - 1;  // keep one byte for END
  // RFC 3046 2.2: the server echoes option 82 as the last option. It is
  // budgeted first because a relay drops replies that lost it.
  const Option* relay_info = packet.find(opt::kRelayAgentInfo);
  if (relay_info != nullptr && encoded_size(*relay_info) > room) relay_info = nullptr;
  if (relay_info != nullptr) room -= encoded_size(*relay_info);
  for (const Option& option : packet.options) {
    if (!encodable_code(option.code)) continue;
    const size_t size = encoded_size(option);
    if (size > room) continue;
    append_option(out, option);
    room -= size;
  }
  if (relay_info != nullptr) append_option(out, *relay_info);
  out.push_back(opt::kEnd);
  if (out.size() < kBootpMinSize) out.resize(kBootpMinSize, opt::kPad);
  return out;
}

}  // namespace bs::wire
