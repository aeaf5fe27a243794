// The lease file reader. Each top-level statement is read whole (tokens up
// to its ';' or '{'); a lease block's statements are then read one by one
// and interpreted from their tokens, so a malformed statement costs only its
// block, and the reader stays in step with the braces whatever it meets.
#include "import/dhcpd_leases.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_map>

#include "import/dhcpd_lexer.h"

namespace bs::import {
namespace {

// Latest date accepted: dhcpd's "never" is spelt out, so a far date is junk.
constexpr int kMaxYear = 9999;

// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

template <typename T>
std::optional<T> to_number(std::string_view text) {
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// "A/B/C" or "A:B:C" as three numbers.
std::optional<std::array<int, 3>> three_numbers(std::string_view text, char separator) {
  std::array<int, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    const size_t cut = i < 2 ? text.find(separator) : text.size();
    if (cut == std::string_view::npos) return std::nullopt;
    const auto value = to_number<int>(text.substr(0, cut));
    if (!value || *value < 0) return std::nullopt;
    out[i] = *value;
    text = i < 2 ? text.substr(cut + 1) : std::string_view();
  }
  return out;
}

std::optional<BindingState> binding_state(std::string_view word) {
  static const std::unordered_map<std::string_view, BindingState> kStates = {
      {"free", BindingState::Free},           {"active", BindingState::Active},
      {"expired", BindingState::Expired},     {"released", BindingState::Released},
      {"abandoned", BindingState::Abandoned}, {"reset", BindingState::Reset},
      {"backup", BindingState::Backup},       {"bootp", BindingState::Bootp}};
  const auto it = kStates.find(word);
  return it == kStates.end() ? std::nullopt : std::optional(it->second);
}

std::optional<uint8_t> hardware_type(std::string_view word) {
  if (word == "ethernet") return 1;
  if (word == "token-ring") return 6;
  if (word == "fddi") return 8;
  if (word == "infiniband") return 32;
  return std::nullopt;
}

// Statements of a lease block blackstart has no use for; read and dropped
// without a warning because dhcpd writes them routinely.
bool routinely_ignored(std::string_view keyword) {
  static constexpr std::string_view kIgnored[] = {"tsfp",
                                                  "atsfp",
                                                  "rewind",
                                                  "option",
                                                  "billing",
                                                  "on",
                                                  "ddns-text",
                                                  "ddns-fwd-name",
                                                  "ddns-client-fqdn",
                                                  "ddns-rev-name",
                                                  "reserved",
                                                  "bootp",
                                                  "abandoned",
                                                  "hardware-type",
                                                  "client-fqdn",
                                                  "vendor-class-identifier"};
  for (const auto ignored : kIgnored) {
    if (keyword == ignored) return true;
  }
  return false;
}

class LeaseFileReader {
 public:
  explicit LeaseFileReader(std::string_view text) : lexer_(text) {}
  LeaseFile run();

 private:
  void top_level(Statement statement);
  void lease_block(const Statement& header);
  // Interprets one statement of a lease block; an error message or "".
  std::string lease_statement(const Statement& statement, DhcpdLease& lease);
  std::string date_statement(const std::vector<Token>& tokens, DhcpdLease& lease);
  std::string state_statement(const std::vector<Token>& tokens, DhcpdLease& lease);
  std::string hardware_statement(const std::vector<Token>& tokens, DhcpdLease& lease);
  std::string uid_statement(const std::vector<Token>& tokens, DhcpdLease& lease);
  std::string set_statement(const std::vector<Token>& tokens, DhcpdLease& lease);
  void error(const Token& at, std::string message);
  void warning(const Token& at, std::string message);
  void keep(DhcpdLease lease);

  Lexer lexer_;
  LeaseFile out_;
  std::unordered_map<uint32_t, size_t> index_;  // address -> position in out_.leases
};

void add(std::vector<Diagnostic>& list, size_t& count, const Token& at, std::string message) {
  ++count;
  if (list.size() < kMaxDiagnosticsKept) list.push_back({at.line, at.column, std::move(message)});
}

void LeaseFileReader::error(const Token& at, std::string message) {
  add(out_.errors, out_.error_count, at, std::move(message));
}
void LeaseFileReader::warning(const Token& at, std::string message) {
  add(out_.warnings, out_.warning_count, at, std::move(message));
}

LeaseFile LeaseFileReader::run() {
  while (true) {
    Token first = lexer_.next();
    if (first.kind == TokenKind::End) break;
    top_level(read_statement(lexer_, std::move(first), /*stop_at_open=*/true));
  }
  // Blocks are kept in the order their final version appeared.
  std::vector<DhcpdLease> ordered = std::move(out_.leases);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const DhcpdLease& a, const DhcpdLease& b) { return a.line < b.line; });
  out_.leases = std::move(ordered);
  return std::move(out_);
}

void LeaseFileReader::top_level(Statement statement) {
  if (!statement.ok()) {
    error(statement.error_at, statement.error);
    if (statement.end == StatementEnd::Open) {
      if (auto skipped = skip_block(lexer_, statement.terminator); !skipped.empty()) {
        error(statement.terminator, skipped);
      }
    }
    return;
  }
  if (statement.end == StatementEnd::Parent) {
    error(statement.terminator, "'}' without a block to close");
    return;
  }
  if (statement.tokens.empty()) return;  // a stray ';'
  const Token& keyword = statement.tokens.front();
  if (statement.end == StatementEnd::Open) {
    if (keyword.kind == TokenKind::Word && keyword.text == "lease") {
      lease_block(statement);
      return;
    }
    ++out_.other_blocks;
    if (keyword.text == "failover") ++out_.failover_peers;
    if (auto skipped = skip_block(lexer_, statement.terminator); !skipped.empty()) {
      error(statement.terminator, skipped);
    }
    return;
  }
  if (statement.end == StatementEnd::Eof) {
    error(statement.terminator, fmt::format("statement at {} has no ';'", where(keyword)));
    return;
  }
  if (keyword.text == "server-duid" && statement.tokens.size() == 2) {
    const Token& value = statement.tokens[1];
    if (value.kind == TokenKind::String) {
      out_.server_duid.assign(value.text.begin(), value.text.end());
    } else if (auto hex = parse_colon_hex(value.text, kMaxUidBytes)) {
      out_.server_duid = std::move(*hex);
    }
    return;
  }
  if (keyword.text == "authoring-byte-order" || keyword.text == "server-duid") return;
  if (keyword.text == "subclass" || keyword.text == "class") {
    ++out_.other_blocks;
    return;
  }
  error(keyword, fmt::format("unexpected {} at the top level", describe(keyword)));
}

void LeaseFileReader::lease_block(const Statement& header) {
  DhcpdLease lease;
  lease.line = header.tokens.front().line;
  std::string first_error;
  Token first_error_at;
  const auto fail = [&](const Token& at, std::string message) {
    if (first_error.empty()) {
      first_error = std::move(message);
      first_error_at = at;
    }
  };
  const auto address = header.tokens.size() == 2 ? parse_ip4(header.tokens[1].text) : std::nullopt;
  if (!address || header.tokens[1].kind != TokenKind::Word) {
    fail(header.tokens.front(), "expected 'lease ADDRESS {'");
  } else {
    lease.address = *address;
  }
  while (true) {
    Statement statement = read_statement(lexer_, lexer_.next(), /*stop_at_open=*/false);
    if (!statement.ok()) fail(statement.error_at, statement.error);
    if (statement.end == StatementEnd::Eof) {
      fail(statement.terminator,
           fmt::format("lease block at {} is not closed before the end of the file",
                       where(header.tokens.front())));
      break;
    }
    if (!statement.tokens.empty() && statement.ok()) {
      if (statement.end == StatementEnd::Parent) {
        fail(statement.terminator,
             fmt::format("missing ';' after {}", describe(statement.tokens.back())));
      } else if (auto message = lease_statement(statement, lease); !message.empty()) {
        fail(statement.tokens.front(), std::move(message));
      }
    }
    if (statement.end == StatementEnd::Parent) break;
  }
  if (!first_error.empty()) {
    ++out_.bad_blocks;
    error(first_error_at,
          first_error + fmt::format(" (lease block at line {} dropped)", lease.line));
    return;
  }
  ++out_.lease_blocks;
  keep(std::move(lease));
}

void LeaseFileReader::keep(DhcpdLease lease) {
  const auto [it, added] = index_.try_emplace(lease.address.value, out_.leases.size());
  if (added) {
    out_.leases.push_back(std::move(lease));
  } else {
    out_.leases[it->second] = std::move(lease);
  }
}

std::string LeaseFileReader::lease_statement(const Statement& statement, DhcpdLease& lease) {
  const auto& tokens = statement.tokens;
  const Token& keyword = tokens.front();
  if (keyword.kind != TokenKind::Word) return fmt::format("unexpected {}", describe(keyword));
  const std::string& word = keyword.text;
  if (statement.end == StatementEnd::Block) {
    if (word != "on") warning(keyword, fmt::format("ignored block '{}'", describe(keyword)));
    return "";
  }
  if (word == "starts" || word == "ends" || word == "cltt" || word == "tstp") {
    return date_statement(tokens, lease);
  }
  if (word == "binding" || word == "next") return state_statement(tokens, lease);
  if (word == "hardware") return hardware_statement(tokens, lease);
  if (word == "uid") return uid_statement(tokens, lease);
  if (word == "set") return set_statement(tokens, lease);
  if (word == "client-hostname") {
    if (tokens.size() != 2 || tokens[1].kind != TokenKind::String) {
      return "expected 'client-hostname \"NAME\";'";
    }
    lease.hostname = tokens[1].text;
    return "";
  }
  if (!routinely_ignored(word)) {
    warning(keyword, fmt::format("ignored statement {}", describe(keyword)));
  }
  return "";
}

std::string LeaseFileReader::date_statement(const std::vector<Token>& tokens, DhcpdLease& lease) {
  std::vector<std::string> words;
  for (size_t i = 1; i < tokens.size(); ++i) {
    if (tokens[i].kind != TokenKind::Word)
      return fmt::format("unexpected {} in a date", describe(tokens[i]));
    words.push_back(tokens[i].text);
  }
  auto date = parse_dhcpd_date(words);
  if (!date.error.empty()) return tokens[0].text + ": " + date.error;
  const std::string& word = tokens[0].text;
  if (word == "ends") {
    lease.ends_s = date.seconds;
    lease.ends_never = !date.seconds.has_value();
    return "";
  }
  if (!date.seconds) return word + " cannot be 'never'";
  (word == "starts" ? lease.starts_s : word == "cltt" ? lease.cltt_s : lease.tstp_s) = date.seconds;
  return "";
}

std::string LeaseFileReader::state_statement(const std::vector<Token>& tokens, DhcpdLease& lease) {
  const bool next = tokens[0].text == "next";
  const size_t at = next ? 1 : 0;
  if (tokens.size() != at + 3 || tokens[at].text != "binding" || tokens[at + 1].text != "state") {
    return "expected '[next] binding state STATE;'";
  }
  const auto state = binding_state(tokens[at + 2].text);
  if (!state || tokens[at + 2].kind != TokenKind::Word) {
    return fmt::format("unknown binding state {}", describe(tokens[at + 2]));
  }
  (next ? lease.next_binding : lease.binding) = *state;
  return "";
}

std::string LeaseFileReader::hardware_statement(const std::vector<Token>& tokens,
                                                DhcpdLease& lease) {
  if (tokens.size() != 3 || tokens[1].kind != TokenKind::Word ||
      tokens[2].kind != TokenKind::Word) {
    return "expected 'hardware TYPE ADDRESS;'";
  }
  const auto htype = hardware_type(tokens[1].text);
  if (!htype) return fmt::format("unknown hardware type {}", describe(tokens[1]));
  const auto bytes = parse_colon_hex(tokens[2].text, 16);
  if (!bytes || bytes->empty()) {
    return fmt::format("bad hardware address {} (1 to 16 hex bytes)", describe(tokens[2]));
  }
  lease.hw_address = make_hwaddr(*bytes, *htype);
  return "";
}

std::string LeaseFileReader::uid_statement(const std::vector<Token>& tokens, DhcpdLease& lease) {
  if (tokens.size() != 2) return "expected 'uid \"BYTES\";' or 'uid HEX;'";
  const Token& value = tokens[1];
  if (value.kind == TokenKind::String) {
    if (value.text.size() > kMaxUidBytes) {
      return fmt::format("uid of {} bytes (at most {})", value.text.size(), kMaxUidBytes);
    }
    lease.uid.assign(value.text.begin(), value.text.end());
  } else {
    auto hex = parse_colon_hex(value.text, kMaxUidBytes);
    if (!hex)
      return fmt::format("bad uid {} (colon-separated hex, at most {} bytes)", describe(value),
                         kMaxUidBytes);
    lease.uid = std::move(*hex);
  }
  if (lease.uid.empty()) return "empty uid";
  return "";
}

std::string LeaseFileReader::set_statement(const std::vector<Token>& tokens, DhcpdLease& lease) {
  if (tokens.size() < 4 || tokens[1].kind != TokenKind::Word ||
      tokens[2].kind != TokenKind::Equals) {
    return "expected 'set NAME = VALUE;'";
  }
  if (tokens[1].text == "vendor-class-identifier" && tokens[3].kind == TokenKind::String) {
    lease.vendor_class = tokens[3].text;
  }
  return "";
}

}  // namespace

std::string Diagnostic::to_string(std::string_view file) const {
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

const char* to_string(BindingState state) {
  switch (state) {
    case BindingState::Missing:
      return "none";
    case BindingState::Free:
      return "free";
    case BindingState::Active:
      return "active";
    case BindingState::Expired:
      return "expired";
    case BindingState::Released:
      return "released";
    case BindingState::Abandoned:
      return "abandoned";
    case BindingState::Reset:
      return "reset";
    case BindingState::Backup:
      return "backup";
    case BindingState::Bootp:
      return "bootp";
  }
  return "?";
}

DateParse parse_dhcpd_date(const std::vector<std::string>& words) {
  DateParse out;
  if (words.size() == 1 && words[0] == "never") return out;
  if (words.size() == 2 && words[0] == "epoch") {
    const auto seconds = to_number<int64_t>(words[1]);
    if (!seconds || *seconds < 0 || *seconds > days_from_civil(kMaxYear, 12, 31) * 86400) {
      out.error = "bad epoch seconds";
    } else {
      out.seconds = seconds;
    }
    return out;
  }
  if (words.size() != 3) {
    out.error = "expected 'WEEKDAY YYYY/MM/DD HH:MM:SS', 'epoch SECONDS' or 'never'";
    return out;
  }
  const auto weekday = to_number<int>(words[0]);
  const auto date = three_numbers(words[1], '/');
  const auto time = three_numbers(words[2], ':');
  if (!weekday || *weekday < 0 || *weekday > 6 || !date || !time) {
    out.error = "expected 'WEEKDAY YYYY/MM/DD HH:MM:SS'";
    return out;
  }
  auto [year, month, day] = *date;
  // dhcpd before 3.0 wrote years since 1900.
  if (year < 1900) year += 1900;
  const auto [hour, minute, second] = *time;
  if (year < 1970 || year > kMaxYear || month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 ||
      minute > 59 || second > 60) {
    out.error = fmt::format("no such date or time '{} {}'", words[1], words[2]);
    return out;
  }
  const int64_t day_s =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400;
  out.seconds = day_s + int64_t{hour} * 3600 + int64_t{minute} * 60 + second;
  return out;
}

std::optional<Bytes> parse_colon_hex(std::string_view text, size_t max_bytes) {
  Bytes out;
  if (text.empty()) return std::nullopt;
  size_t pos = 0;
  while (true) {
    const size_t cut = std::min(text.find(':', pos), text.size());
    const std::string_view part = text.substr(pos, cut - pos);
    if (part.empty() || part.size() > 2 || out.size() >= max_bytes) return std::nullopt;
    unsigned value = 0;
    for (const char c : part) {
      const bool digit = c >= '0' && c <= '9';
      const bool lower = c >= 'a' && c <= 'f';
      const bool upper = c >= 'A' && c <= 'F';
      if (!digit && !lower && !upper) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(digit   ? c - '0'
                                                 : lower ? c - 'a' + 10
                                                         : c - 'A' + 10);
    }
    out.push_back(static_cast<uint8_t>(value));
    if (cut == text.size()) return out;
    pos = cut + 1;
  }
}

LeaseFile parse_dhcpd_leases(std::string_view text) { return LeaseFileReader(text).run(); }

}  // namespace bs::import
