// Reader for ISC dhcpd's lease file (dhcpd.leases(5)), the input of
// `blackstart import`. dhcpd appends a new "lease ADDRESS { ... }" block
// every time a lease changes, so a file holds many blocks per address and
// the last one is the truth (dhcpd reads it the same way). The reader keeps
// the last block of each address, skips what it does not need (failover
// peer state, server-duid, dynamic host and class declarations) and turns
// anything malformed into a diagnostic with line and column. The file is
// untrusted: sizes are bounded and a bad block never stops the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.h"

namespace bs::import {

// Biggest lease file read; dhcpd's own files stay far below this (a
// million leases are a few hundred MB only before dhcpd rewrites the file).
inline constexpr size_t kMaxLeaseFileBytes = size_t{1} << 30;
// Diagnostics kept for the report; more are counted only.
inline constexpr size_t kMaxDiagnosticsKept = 200;
// DHCP client identifiers are one option; more than that is not a uid.
inline constexpr size_t kMaxUidBytes = 255;

struct Diagnostic {
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;
  // "FILE:LINE:COLUMN: MESSAGE"
  std::string to_string(std::string_view file) const;
};

// dhcpd's binding states (failover adds backup); Missing: an old file whose
// blocks have none, where dhcpd decides by the end time.
enum class BindingState : uint8_t {
  Missing,
  Free,
  Active,
  Expired,
  Released,
  Abandoned,
  Reset,
  Backup,
  Bootp
};
const char* to_string(BindingState state);

// What one "lease" block says, as far as blackstart needs it.
struct DhcpdLease {
  Ip4 address;
  std::optional<int64_t> starts_s, cltt_s, tstp_s;
  std::optional<int64_t> ends_s;  // unset with ends_never or when absent
  bool ends_never = false;
  BindingState binding = BindingState::Missing;
  BindingState next_binding = BindingState::Missing;
  std::optional<HwAddr> hw_address;
  Bytes uid;                 // the client identifier (option 61) as sent
  std::string hostname;      // client-hostname
  std::string vendor_class;  // set vendor-class-identifier = "..."
  uint32_t line = 0;         // where the block begins
};

struct LeaseFile {
  // The last block of each address, in the order of those last blocks.
  std::vector<DhcpdLease> leases;
  size_t lease_blocks = 0;    // every well-formed lease block read
  size_t bad_blocks = 0;      // lease blocks dropped for an error
  size_t other_blocks = 0;    // host, class, failover, lease6, ... skipped
  size_t failover_peers = 0;  // failover peer state blocks
  Bytes server_duid;
  size_t error_count = 0;          // all errors, including those not kept
  std::vector<Diagnostic> errors;  // the first kMaxDiagnosticsKept
  size_t warning_count = 0;
  std::vector<Diagnostic> warnings;  // statements read but ignored
};

// Never fails as a whole: each problem is a diagnostic, and the blocks
// that could be read are returned.
LeaseFile parse_dhcpd_leases(std::string_view text);

// A date as dhcpd writes it, "W YYYY/MM/DD HH:MM:SS" (UTC, W the weekday,
// ignored as dhcpd does) or "epoch SECONDS" (db-time-format local); the
// words after the keyword. Returns Unix seconds or an error message.
struct DateParse {
  std::optional<int64_t> seconds;  // unset: "never"
  std::string error;               // non-empty when invalid
};
DateParse parse_dhcpd_date(const std::vector<std::string>& words);

// "1:2:3", "01:ab:ff": dhcpd's colon-separated hex (one or two digits per
// byte), at most max_bytes bytes.
std::optional<Bytes> parse_colon_hex(std::string_view text, size_t max_bytes);

}  // namespace bs::import
