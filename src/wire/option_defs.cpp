// The table of standard DHCPv4 options blackstart knows by name, and the
// parser for Kea's comma-separated option "data" text. Errors are returned as
// short messages that the config loader shows next to the option's name.
#include "wire/option_defs.h"

#include <array>
#include <charconv>
#include <limits>

namespace bs::wire {
namespace {

using T = OptionType;

// Names follow Kea's standard DHCPv4 definitions so a Kea config carries over.
constexpr std::array<OptionDef, 31> kOptionDefs{{
    {"subnet-mask", 1, T::Ip4},
    {"time-offset", 2, T::I32},
    {"routers", 3, T::Ip4List},
    {"time-servers", 4, T::Ip4List},
    {"name-servers", 5, T::Ip4List},
    {"domain-name-servers", 6, T::Ip4List},
    {"log-servers", 7, T::Ip4List},
    {"host-name", 12, T::String},
    {"boot-size", 13, T::U16},
    {"domain-name", 15, T::String},
    {"root-path", 17, T::String},
    {"ip-forwarding", 19, T::Boolean},
    {"default-ip-ttl", 23, T::U8},
    {"interface-mtu", 26, T::U16},
    {"broadcast-address", 28, T::Ip4},
    {"router-discovery", 31, T::Boolean},
    {"nis-domain", 40, T::String},
    {"nis-servers", 41, T::Ip4List},
    {"ntp-servers", 42, T::Ip4List},
    {"vendor-encapsulated-options", 43, T::Binary},
    {"netbios-name-servers", 44, T::Ip4List},
    {"netbios-node-type", 46, T::U8},
    {"dhcp-lease-time", 51, T::U32},
    {"dhcp-renewal-time", 58, T::U32},
    {"dhcp-rebinding-time", 59, T::U32},
    {"vendor-class-identifier", 60, T::String},
    {"tftp-server-name", 66, T::String},
    {"boot-file-name", 67, T::String},
    {"smtp-server", 69, T::Ip4List},
    {"pop-server", 70, T::Ip4List},
    {"www-server", 72, T::Ip4List},
}};

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::string quoted(std::string_view text) {
  // Built with append: g++ 12 -O3 warns falsely (-Wrestrict) on operator+ here.
  std::string out;
  out.reserve(text.size() + 2);
  out.append(1, '\'').append(text).append(1, '\'');
  return out;
}

void append_be(Bytes& out, uint32_t value, size_t width) {
  for (size_t i = width; i > 0; --i) {
    out.push_back(static_cast<uint8_t>(value >> (8 * (i - 1))));
  }
}

tl::expected<Ip4, std::string> parse_address(std::string_view text) {
  const std::string_view address = trim(text);
  if (address.empty()) return tl::unexpected(std::string("empty IPv4 address"));
  const auto parsed = parse_ip4(address);
  if (!parsed) return tl::unexpected(quoted(address) + " is not a valid IPv4 address");
  return *parsed;
}

tl::expected<Bytes, std::string> encode_ip4(std::string_view text) {
  const auto address = parse_address(text);
  if (!address) return tl::unexpected(address.error());
  Bytes out;
  append_be(out, address->value, 4);
  return out;
}

tl::expected<Bytes, std::string> encode_ip4_list(std::string_view text) {
  Bytes out;
  while (true) {
    const size_t comma = text.find(',');
    const auto address = parse_address(text.substr(0, comma));
    if (!address) return tl::unexpected(address.error());
    append_be(out, address->value, 4);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

struct IntRange {
  const char* type_name;
  int64_t min;
  int64_t max;
  size_t width_bytes;
};

IntRange int_range(OptionType type) {
  switch (type) {
    case T::U8:
      return {"uint8", 0, std::numeric_limits<uint8_t>::max(), 1};
    case T::U16:
      return {"uint16", 0, std::numeric_limits<uint16_t>::max(), 2};
    case T::I32:
      return {"int32", std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), 4};
    default:
      return {"uint32", 0, std::numeric_limits<uint32_t>::max(), 4};
  }
}

tl::expected<Bytes, std::string> encode_integer(OptionType type, std::string_view text) {
  const IntRange range = int_range(type);
  const std::string_view digits = trim(text);
  int64_t value = 0;
  const char* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, value);
  const bool numeric = !digits.empty() && stop == end;
  if (error == std::errc::result_out_of_range && stop == end) {
    return tl::unexpected(quoted(digits) + " is out of range for " + range.type_name);
  }
  if (error != std::errc() || !numeric) {
    return tl::unexpected(quoted(digits) + " is not a valid " + range.type_name);
  }
  if (value < range.min || value > range.max) {
    return tl::unexpected(quoted(digits) + " is out of range for " + range.type_name);
  }
  Bytes out;
  // Negative int32 values wrap to their two's-complement bit pattern.
  append_be(out, static_cast<uint32_t>(value), range.width_bytes);
  return out;
}

tl::expected<Bytes, std::string> encode_boolean(std::string_view text) {
  const std::string_view word = trim(text);
  if (word == "true" || word == "1") return Bytes{1};
  if (word == "false" || word == "0") return Bytes{0};
  return tl::unexpected(quoted(word) + " is not a boolean (true/false)");
}

tl::expected<Bytes, std::string> encode_string(std::string_view text) {
  // RFC 2132 text options have a minimum length of 1.
  if (text.empty()) return tl::unexpected(std::string("empty string"));
  return Bytes(text.begin(), text.end());
}

tl::expected<Bytes, std::string> encode_binary(std::string_view text) {
  const std::string_view hex = trim(text);
  auto bytes = parse_hex(hex);
  if (!bytes) return tl::unexpected(quoted(hex) + " is not valid hex");
  return std::move(*bytes);
}

}  // namespace

const OptionDef* find_option_def(std::string_view name) {
  for (const OptionDef& def : kOptionDefs) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

const OptionDef* find_option_def(uint8_t code) {
  for (const OptionDef& def : kOptionDefs) {
    if (def.code == code) return &def;
  }
  return nullptr;
}

tl::expected<Bytes, std::string> encode_option_text(const OptionDef& def, std::string_view data) {
  switch (def.type) {
    case T::Ip4:
      return encode_ip4(data);
    case T::Ip4List:
      return encode_ip4_list(data);
    case T::String:
      return encode_string(data);
    case T::U8:
    case T::U16:
    case T::U32:
    case T::I32:
      return encode_integer(def.type, data);
    case T::Boolean:
      return encode_boolean(data);
    case T::Binary:
      return encode_binary(data);
  }
  return tl::unexpected(std::string("unknown option type"));
}

}  // namespace bs::wire
