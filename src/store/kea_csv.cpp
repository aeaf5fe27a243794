// Kea lease4 CSV rows. Reading is as strict as Kea's own reader (so a file
// means the same lease table to both servers) and never throws: a row that
// does not parse comes back as an error naming the first bad field.
#include "store/kea_csv.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "store/lease_row.h"

namespace bs::store {
namespace {

constexpr std::string_view kEscapeTag = "&#x";
// Where blackstart keeps a non-Ethernet hardware type: Kea's file has no
// column for it (Kea itself reads every hwaddr back as Ethernet).
constexpr const char* kContextKey = "blackstart";

enum Column : size_t {
  kAddress,
  kHwaddr,
  kClientId,
  kValidLifetime,
  kExpire,
  kSubnetId,
  kFqdnFwd,
  kFqdnRev,
  kHostname,
  kState,
  kUserContext,
  kPoolId,
};

// Kea's defaults for columns an older file lacks.
constexpr std::array<std::string_view, 12> kDefaults = {"", "", "", "",  "", "",
                                                        "", "", "", "0", "", "0"};

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Kea's decodeSeparatedHexString: groups of one or two hex digits, no empty
// group unless the whole text is empty.
std::optional<Bytes> decode_separated(std::string_view text, char separator) {
  Bytes out;
  if (text.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t end = std::min(text.find(separator, start), text.size());
    const std::string_view group = text.substr(start, end - start);
    if (group.empty() || group.size() > 2) return std::nullopt;
    int value = 0;
    for (char c : group) {
      const int digit = hex_digit(c);
      if (digit < 0) return std::nullopt;
      value = value * 16 + digit;
    }
    out.push_back(static_cast<uint8_t>(value));
    if (end == text.size()) return out;
    start = end + 1;
  }
}

// Kea's decodeFormattedHexString, used for client ids: colon- or
// space-separated, else plain hex with an optional "0x".
std::optional<Bytes> decode_formatted(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return decode_separated(text, ':');
  if (text.find(' ') != std::string_view::npos) return decode_separated(text, ' ');
  if (text.size() > 2 && text.starts_with("0x")) text.remove_prefix(2);
  Bytes out;
  size_t i = 0;
  if (text.size() % 2 != 0) {
    const int digit = hex_digit(text[0]);
    if (digit < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(digit));
    i = 1;
  }
  for (; i < text.size(); i += 2) {
    const int high = hex_digit(text[i]);
    const int low = hex_digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(high * 16 + low));
  }
  return out;
}

void append_hex_colon(std::string& out, std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
}

// Collects the first problem of a row, like lease_row.cpp's RowReader.
class FieldReader {
 public:
  FieldReader(const std::vector<std::string_view>& fields, const CsvLayout& layout)
      : fields_(fields), layout_(layout) {}

  std::string_view raw(Column column) const {
    return column < layout_.known ? fields_[column] : kDefaults[column];
  }

  template <typename T>
  T number(Column column, const char* name) {
    const std::string_view text = raw(column);
    const auto value = parse_number<T>(text);
    if (!value) fail(fmt::format("{} \"{}\" is not a number", name, text));
    return value.value_or(T{});
  }

  bool flag(Column column, const char* name) {
    const std::string_view text = raw(column);
    if (text != "0" && text != "1") fail(fmt::format("{} \"{}\" is not 0 or 1", name, text));
    return text == "1";
  }

  void fail(std::string message) {
    if (problem_.empty()) problem_ = std::move(message);
  }
  const std::string& problem() const { return problem_; }

 private:
  const std::vector<std::string_view>& fields_;
  const CsvLayout& layout_;
  std::string problem_;
};

// Kea's LeaseFileLoader takes a user context only if it is a JSON map; the
// hardware type blackstart keeps there is read back if present.
void read_context(FieldReader& row, Lease& lease) {
  const std::string text = kea_unescape(row.raw(kUserContext));
  if (text.empty()) return;
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    row.fail("user_context is not a JSON map");
    return;
  }
  const auto ours = json.find(kContextKey);
  if (ours == json.end() || !ours->is_object()) return;
  const auto htype = ours->find("htype");
  if (htype != ours->end() && htype->is_number_unsigned() && htype->get<uint64_t>() <= 255) {
    lease.hw_address.htype = static_cast<uint8_t>(htype->get<uint64_t>());
  }
}

void read_identity(FieldReader& row, Lease& lease) {
  const auto hw = decode_separated(row.raw(kHwaddr), ':');
  if (!hw || hw->size() > lease.hw_address.bytes.size()) {
    row.fail(fmt::format("hwaddr \"{}\" is not a hardware address", row.raw(kHwaddr)));
  } else {
    lease.hw_address = make_hwaddr(*hw, 1);
  }
  const auto client_id = decode_formatted(row.raw(kClientId));
  if (!client_id || client_id->size() > kMaxFieldBytes) {
    row.fail(fmt::format("client_id \"{}\" is not a client id", row.raw(kClientId)));
  } else {
    lease.client_id = *client_id;
  }
}

void read_times(FieldReader& row, Lease& lease) {
  lease.valid_lifetime_s = row.number<uint32_t>(kValidLifetime, "valid_lifetime");
  const auto expire_s = row.number<uint64_t>(kExpire, "expire");
  if (!row.problem().empty()) return;
  if (expire_s < lease.valid_lifetime_s ||
      expire_s - lease.valid_lifetime_s > static_cast<uint64_t>(kMaxCltt_s)) {
    row.fail(fmt::format("expire {} is out of range", expire_s));
    return;
  }
  lease.cltt_s = static_cast<int64_t>(expire_s - lease.valid_lifetime_s);
}

void read_state(FieldReader& row, Lease& lease) {
  const auto state = row.number<uint32_t>(kState, "state");
  // 3 is the current Kea's "released" (kept for lease affinity): free, but
  // remembered for its client, which is what Reclaimed means here.
  if (state <= 2) {
    lease.state = static_cast<LeaseState>(state);
  } else if (state == 3) {
    lease.state = LeaseState::Reclaimed;
  } else {
    row.fail(fmt::format("state {} is not a DHCPv4 lease state", state));
  }
}

void append_value(std::string& out, uint64_t value) {
  fmt::format_to(std::back_inserter(out), "{}", value);
}

void append_lease_fields(std::string& out, const Lease& lease, uint32_t valid_lifetime_s,
                         LeaseState state, const CsvLayout& layout) {
  out += to_string(lease.address);
  out.push_back(',');
  append_hex_colon(out, lease.hw_address.view());
  out.push_back(',');
  append_hex_colon(out, lease.client_id);
  out.push_back(',');
  append_value(out, valid_lifetime_s);
  out.push_back(',');
  append_value(out, static_cast<uint64_t>(lease.cltt_s) + valid_lifetime_s);
  out.push_back(',');
  append_value(out, lease.subnet_id);
  out += ",0,0,";  // fqdn_fwd, fqdn_rev: blackstart does no DNS updates
  out += kea_escape(lease.hostname);
  for (size_t column = kState; column < layout.total; ++column) {
    out.push_back(',');
    if (column == kState) {
      append_value(out, static_cast<uint64_t>(state));
    } else if (column == kUserContext && lease.hw_address.htype != 1) {
      out += kea_escape(
          fmt::format(R"({{ "{}": {{ "htype": {} }} }})", kContextKey, lease.hw_address.htype));
    } else if (column < kKeaLease4Columns.size()) {
      out += kDefaults[column];
    }
  }
  out.push_back('\n');
}

}  // namespace

tl::expected<CsvLayout, std::string> parse_header(std::string_view line) {
  const auto fields = split_fields(line);
  size_t known = 0;
  while (known < fields.size() && known < kKeaLease4Columns.size() &&
         fields[known] == kKeaLease4Columns[known]) {
    ++known;
  }
  if (known < kKeaMinColumns) {
    const std::string_view shown = line.substr(0, 80);
    return tl::unexpected(fmt::format(
        "not a Kea DHCPv4 lease file: the header \"{}\" does not start with Kea's columns "
        "(address,hwaddr,client_id,...,hostname)",
        shown));
  }
  if (known < fields.size() && known < kKeaLease4Columns.size()) {
    return tl::unexpected(
        fmt::format("not a Kea DHCPv4 lease file: header column {} is \"{}\", expected \"{}\"",
                    known + 1, fields[known], kKeaLease4Columns[known]));
  }
  return CsvLayout{known, fields.size()};
}

std::string header_line(const CsvLayout& layout) {
  std::string line;
  for (size_t column = 0; column < layout.total; ++column) {
    if (column > 0) line.push_back(',');
    // A newer Kea's extra columns cannot be named from here; such a layout
    // only ever comes from an existing header, which is never rewritten.
    if (column < layout.known) line += kKeaLease4Columns[column];
  }
  line.push_back('\n');
  return line;
}

tl::expected<CsvRow, std::string> decode_row(std::string_view line, const CsvLayout& layout) {
  const auto fields = split_fields(line);
  // Kea takes rows between the header's Kea columns and its own schema
  // (the current Kea appends 12-column rows to an 11-column file).
  const size_t most = std::max(layout.total, kKeaLease4Columns.size());
  if (fields.size() < layout.known || fields.size() > most) {
    return tl::unexpected(
        fmt::format("{} columns, the header has {}", fields.size(), layout.total));
  }
  CsvLayout row_layout = layout;
  row_layout.known = std::min(fields.size(), kKeaLease4Columns.size());
  FieldReader row(fields, row_layout);
  CsvRow result;
  Lease& lease = result.lease;
  const auto address = parse_ip4(row.raw(kAddress));
  if (!address || address->is_zero()) {
    return tl::unexpected(fmt::format("address \"{}\" is not an IPv4 address", row.raw(kAddress)));
  }
  lease.address = *address;
  read_identity(row, lease);
  read_times(row, lease);
  lease.subnet_id = row.number<uint32_t>(kSubnetId, "subnet_id");
  row.flag(kFqdnFwd, "fqdn_fwd");
  row.flag(kFqdnRev, "fqdn_rev");
  lease.hostname = kea_unescape(row.raw(kHostname));
  if (lease.hostname.size() > kMaxFieldBytes) row.fail("hostname is too long");
  read_state(row, lease);
  read_context(row, lease);
  if (row_layout.known > kPoolId) (void)row.number<uint32_t>(kPoolId, "pool_id");
  if (!row.problem().empty()) return tl::unexpected(row.problem());
  // Kea's own rule, so that both servers skip the same rows.
  if (lease.hw_address.empty() && lease.client_id.empty() && lease.state != LeaseState::Declined) {
    return tl::unexpected(std::string("neither a hardware address nor a client id"));
  }
  result.erase = lease.valid_lifetime_s == 0;
  return result;
}

void append_row(std::string& out, const Lease& lease, const CsvLayout& layout) {
  append_lease_fields(out, lease, lease.valid_lifetime_s, lease.state, layout);
}

void append_erase_row(std::string& out, Ip4 address, const std::optional<Lease>& before,
                      const CsvLayout& layout) {
  Lease gone = before.value_or(Lease{});
  gone.address = address;
  // Without an identity Kea skips the row unless it is declined; the state
  // of a row that deletes does not matter otherwise.
  const bool anonymous = gone.hw_address.empty() && gone.client_id.empty();
  append_lease_fields(out, gone, 0, anonymous ? LeaseState::Declined : gone.state, layout);
}

std::string kea_escape(std::string_view text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    if (c == ',' || c == '&' || byte < 0x20 || byte == 0x7f) {
      out += kEscapeTag;
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string kea_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    // Like Kea: a tag without two hex digits after it is literal text.
    if (text.substr(i, kEscapeTag.size()) == kEscapeTag &&
        i + kEscapeTag.size() + 2 <= text.size()) {
      const int high = hex_digit(text[i + kEscapeTag.size()]);
      const int low = hex_digit(text[i + kEscapeTag.size() + 1]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += kEscapeTag.size() + 2;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

void append_fields(std::string& out, const std::vector<std::string_view>& fields,
                   const CsvLayout& layout) {
  for (size_t column = 0; column < layout.total; ++column) {
    if (column > 0) out.push_back(',');
    if (column < fields.size()) {
      out += fields[column];
    } else if (column < kDefaults.size()) {
      out += kDefaults[column];
    }
  }
  out.push_back('\n');
}

}  // namespace bs::store
