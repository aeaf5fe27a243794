// Kea's "csv-format" option text turned into wire bytes. The text is split
// into values as Kea splits it (commas, "\," keeps a comma, empty values are
// dropped, each value trimmed), then every value is written in its type's
// wire form. Errors are short messages the config loader shows next to the
// option's name.
#include <arpa/inet.h>

#include <charconv>
#include <limits>

#include "wire/option_defs.h"

namespace bs::wire {
namespace {

using T = OptionType;
using Encoded = tl::expected<void, std::string>;

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

// Kea's tokenizer: "\," is a comma inside a value, "\\" a backslash, and a
// backslash before anything else is kept as it is.
std::vector<std::string> split_values(std::string_view text) {
  std::vector<std::string> values;
  std::string value;
  bool escaped = false;
  for (char c : text) {
    if (escaped) {
      if (c != ',' && c != '\\') value.push_back('\\');
      value.push_back(c);
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ',') {
      values.push_back(std::move(value));
      value.clear();
    } else {
      value.push_back(c);
    }
  }
  if (escaped) value.push_back('\\');
  values.push_back(std::move(value));
  for (auto& v : values) v = std::string(trim(v));
  return values;
}

void append_be(Bytes& out, uint64_t value, size_t width) {
  for (size_t i = width; i > 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * (i - 1))));
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
    case T::I8:
      return {"int8", std::numeric_limits<int8_t>::min(), std::numeric_limits<int8_t>::max(), 1};
    case T::I16:
      return {"int16", std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max(), 2};
    case T::I32:
      return {"int32", std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), 4};
    default:
      return {"uint32", 0, std::numeric_limits<uint32_t>::max(), 4};
  }
}

// Decimal, or hex with "0x" as in Kea's own examples ("0xf0").
Encoded write_integer(Bytes& out, OptionType type, std::string_view digits) {
  const IntRange range = int_range(type);
  int64_t value = 0;
  const bool hex = digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
  const char* first = digits.data() + (hex ? 2 : 0);
  const char* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(first, end, value, hex ? 16 : 10);
  const bool numeric = first != end && stop == end;
  if (error == std::errc::result_out_of_range && stop == end) {
    return tl::unexpected(quoted(digits) + " is out of range for " + range.type_name);
  }
  if (error != std::errc() || !numeric) {
    return tl::unexpected(quoted(digits) + " is not a valid " + range.type_name);
  }
  if (value < range.min || value > range.max) {
    return tl::unexpected(quoted(digits) + " is out of range for " + range.type_name);
  }
  // Negative values wrap to their two's-complement bit pattern.
  append_be(out, static_cast<uint64_t>(value), range.width_bytes);
  return {};
}

Encoded write_ip4(Bytes& out, std::string_view text) {
  if (text.empty()) return tl::unexpected(std::string("empty IPv4 address"));
  const auto parsed = parse_ip4(text);
  if (!parsed) return tl::unexpected(quoted(text) + " is not a valid IPv4 address");
  append_be(out, parsed->value, 4);
  return {};
}

Encoded write_ip6(Bytes& out, std::string_view text) {
  uint8_t bytes[16];
  const std::string copy(text);
  if (inet_pton(AF_INET6, copy.c_str(), bytes) != 1) {
    return tl::unexpected(quoted(text) + " is not a valid IPv6 address");
  }
  out.insert(out.end(), std::begin(bytes), std::end(bytes));
  return {};
}

Encoded write_boolean(Bytes& out, std::string_view word) {
  if (word == "true" || word == "1") {
    out.push_back(1);
  } else if (word == "false" || word == "0") {
    out.push_back(0);
  } else {
    return tl::unexpected(quoted(word) + " is not a boolean (true/false)");
  }
  return {};
}

Encoded write_binary(Bytes& out, std::string_view hex) {
  if (hex.empty()) return {};
  auto bytes = parse_hex(hex);
  if (!bytes) return tl::unexpected(quoted(hex) + " is not valid hex");
  out.insert(out.end(), bytes->begin(), bytes->end());
  return {};
}

// RFC 1035 wire form, uncompressed, always ending with the root label.
Encoded write_fqdn(Bytes& out, std::string_view name) {
  constexpr size_t kMaxLabel = 63;
  constexpr size_t kMaxName = 255;
  if (name.empty()) return tl::unexpected(std::string("empty domain name"));
  const size_t start = out.size();
  const std::string_view whole = name;
  if (name != ".") {
    if (name.back() == '.') name.remove_suffix(1);
    while (true) {
      const size_t dot = name.find('.');
      const std::string_view label = name.substr(0, dot);
      if (label.empty() || label.size() > kMaxLabel) {
        return tl::unexpected(quoted(whole) + " is not a valid domain name");
      }
      out.push_back(static_cast<uint8_t>(label.size()));
      out.insert(out.end(), label.begin(), label.end());
      if (dot == std::string_view::npos) break;
      name.remove_prefix(dot + 1);
    }
  }
  out.push_back(0);
  if (out.size() - start > kMaxName) return tl::unexpected(std::string("domain name too long"));
  return {};
}

// RFC 7618: "PSID/LENGTH", the PSID left-aligned in 16 bits after the length.
Encoded write_psid(Bytes& out, std::string_view text) {
  const size_t slash = text.find('/');
  Bytes parts;
  if (slash == std::string_view::npos ||
      !write_integer(parts, T::U16, trim(text.substr(0, slash))) ||
      !write_integer(parts, T::U8, trim(text.substr(slash + 1)))) {
    return tl::unexpected(quoted(text) + " is not \"PSID/LENGTH\"");
  }
  const uint32_t psid = (uint32_t{parts[0]} << 8) | parts[1];
  const uint8_t length = parts[2];
  if (length > 16 || (length < 16 && (psid >> length) != 0)) {
    return tl::unexpected(quoted(text) + ": the PSID does not fit in its length");
  }
  out.push_back(length);
  append_be(out, length == 0 ? 0 : psid << (16 - length), 2);
  return {};
}

Encoded write_tuple(Bytes& out, std::string_view text) {
  append_be(out, text.size(), 2);
  out.insert(out.end(), text.begin(), text.end());
  return {};
}

Encoded write_value(Bytes& out, OptionType type, std::string_view value) {
  switch (type) {
    case T::Ip4:
      return write_ip4(out, value);
    case T::Ip6:
      return write_ip6(out, value);
    case T::String:
      if (value.empty()) return tl::unexpected(std::string("empty string"));
      out.insert(out.end(), value.begin(), value.end());
      return {};
    case T::U8:
    case T::U16:
    case T::U32:
    case T::I8:
    case T::I16:
    case T::I32:
      return write_integer(out, type, value);
    case T::Boolean:
      return write_boolean(out, value);
    case T::Binary:
      return write_binary(out, value);
    case T::Fqdn:
      return write_fqdn(out, value);
    case T::Psid:
      return write_psid(out, value);
    case T::Tuple:
      return write_tuple(out, value);
    default:
      return tl::unexpected(std::string("this type cannot be a record field"));
  }
}

// RFC 3442 as Kea writes it: "NETWORK/LENGTH - ROUTER" entries, comma separated.
tl::expected<Bytes, std::string> encode_classless_routes(const std::vector<std::string>& values) {
  Bytes out;
  for (const std::string& route : values) {
    const size_t dash = route.find('-');
    const size_t slash = route.find('/');
    if (dash == std::string::npos || slash == std::string::npos || slash > dash) {
      return tl::unexpected(quoted(route) + " is not \"NETWORK/LENGTH - ROUTER\"");
    }
    const auto network = parse_ip4(trim(std::string_view(route).substr(0, slash)));
    Bytes length_byte;
    if (!network ||
        !write_integer(length_byte, T::U8,
                       trim(std::string_view(route).substr(slash + 1, dash - slash - 1))) ||
        length_byte[0] > 32) {
      return tl::unexpected(quoted(route) + " has no valid NETWORK/LENGTH");
    }
    const uint8_t length = length_byte[0];
    out.push_back(length);
    append_be(out, network->value >> (32 - ((length + 7) / 8) * 8), (length + 7) / 8);
    if (auto ok = write_ip4(out, trim(std::string_view(route).substr(dash + 1))); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return out;
}

// RFC 3361, blackstart's syntax: a list of IPv4 addresses (encoding 1) or
// of domain names (encoding 0), told apart by the values themselves; a
// leading "0" or "1" value states the encoding as a Kea "uint8, ..." record
// definition of option 120 would write it. Mixing the two is refused.
tl::expected<Bytes, std::string> encode_sip_servers(std::vector<std::string> values) {
  int encoding = -1;
  if (values.size() > 1 && (values.front() == "0" || values.front() == "1")) {
    encoding = values.front() == "1" ? 1 : 0;
    values.erase(values.begin());
  }
  if (values.front().empty()) return tl::unexpected(std::string("needs at least one server"));
  if (encoding < 0) encoding = parse_ip4(values.front()) ? 1 : 0;
  Bytes out{static_cast<uint8_t>(encoding)};
  for (const std::string& value : values) {
    const bool address = parse_ip4(value).has_value();
    if (address != (encoding == 1)) {
      return tl::unexpected(quoted(value) +
                            (encoding == 1 ? " is not an IPv4 address" : " is an address") +
                            "; RFC 3361 servers are all addresses or all domain names");
    }
    auto ok = encoding == 1 ? write_ip4(out, value) : write_fqdn(out, value);
    if (!ok) return tl::unexpected(ok.error());
  }
  return out;
}

tl::expected<Bytes, std::string> encode_record(const OptionDef& def,
                                               const std::vector<std::string>& values) {
  if (values.size() < def.fields.size()) {
    return tl::unexpected("needs " + std::to_string(def.fields.size()) +
                          " comma-separated values, got " + std::to_string(values.size()));
  }
  if (!def.array && values.size() > def.fields.size()) {
    return tl::unexpected("takes " + std::to_string(def.fields.size()) +
                          " comma-separated values, got " + std::to_string(values.size()));
  }
  Bytes out;
  for (size_t i = 0; i < values.size(); ++i) {
    // Past the fields of an array record, the last field repeats (Kea).
    const OptionType type = def.fields[std::min(i, def.fields.size() - 1)];
    if (auto ok = write_value(out, type, values[i]); !ok) return tl::unexpected(ok.error());
  }
  return out;
}

}  // namespace

tl::expected<Bytes, std::string> encode_option_text(const OptionDef& def, std::string_view data) {
  std::vector<std::string> values = split_values(data);
  // Kea drops empty values ("a,,b"), except that a lone empty value is kept
  // so that types without data can say so.
  if (values.size() > 1) std::erase(values, std::string());
  switch (def.type) {
    case T::Empty:
      if (!values.front().empty())
        return tl::unexpected(std::string("this option carries no data"));
      return Bytes{};
    case T::Record:
      return encode_record(def, values);
    case T::ClasslessRoutes:
      return encode_classless_routes(values);
    case T::SipServers:
      return encode_sip_servers(std::move(values));
    case T::Vivso: {
      // The enterprise number and an empty sub-option block, as Kea sends
      // option 125 when no vendor sub-options are configured.
      Bytes out;
      if (values.size() != 1) return tl::unexpected(std::string("takes one enterprise number"));
      if (auto ok = write_integer(out, T::U32, values.front()); !ok)
        return tl::unexpected(ok.error());
      out.push_back(0);
      return out;
    }
    default:
      break;
  }
  if (!def.array && values.size() > 1) {
    const std::string what = def.type == T::String
                                 ? "contains a comma; Kea keeps only the text before it, so write "
                                   "\\, for a comma inside the text"
                                 : "takes one value, got " + std::to_string(values.size());
    return tl::unexpected(quoted(data) + " " + what);
  }
  Bytes out;
  for (const std::string& value : values) {
    if (auto ok = write_value(out, def.type, value); !ok) return tl::unexpected(ok.error());
  }
  return out;
}

}  // namespace bs::wire
