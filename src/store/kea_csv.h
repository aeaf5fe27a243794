// Kea's lease4 CSV format (the memfile backend's file), in one place: the
// header, one row <-> one lease, and Kea's escaping. Rows are read the way
// Kea 2.2 and the current Kea read them (a file of either version loads as
// it is) and written the way both can read back, so a lease file can move
// between Kea and blackstart in both directions.
//
// Layout (Kea's CSVLeaseFile4): address, hwaddr, client_id, valid_lifetime,
// expire (= cltt + valid_lifetime), subnet_id, fqdn_fwd, fqdn_rev, hostname,
// then state (schema 2.0), user_context (2.1, Kea 2.2's last column) and
// pool_id (3.0, current Kea). A row with valid_lifetime 0 deletes the
// address; the last row of an address wins.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "alloc/lease.h"

namespace bs::store {

inline constexpr std::array<std::string_view, 12> kKeaLease4Columns = {
    "address",  "hwaddr",   "client_id", "valid_lifetime", "expire",       "subnet_id",
    "fqdn_fwd", "fqdn_rev", "hostname",  "state",          "user_context", "pool_id"};
// Kea refuses a header without at least the columns up to hostname.
inline constexpr size_t kKeaMinColumns = 9;
// New files get Kea 2.2's eleven columns: Kea 2.2 reads them as current and
// the current Kea upgrades them, while a twelve-column file would make Kea
// 2.2 warn about a downgrade.
inline constexpr size_t kNewFileColumns = 11;

// What a header line says: how many of Kea's columns it has, in Kea's order
// (`known`), and how many columns in all (more than 12 = a newer Kea's file;
// the extra columns are carried as empty values, as Kea does on downgrade).
struct CsvLayout {
  size_t known = kNewFileColumns;
  size_t total = kNewFileColumns;
};

tl::expected<CsvLayout, std::string> parse_header(std::string_view line);
// The header line for a layout, with its '\n'.
std::string header_line(const CsvLayout& layout);

struct CsvRow {
  Lease lease;
  bool erase = false;  // valid_lifetime 0: Kea's "delete this address"
};

// One line without its '\n'. Every field is checked as Kea checks it (a row
// Kea would skip is an error here too), plus blackstart's own bounds.
tl::expected<CsvRow, std::string> decode_row(std::string_view line, const CsvLayout& layout);

// Appends one row, with its '\n', in `layout`. An erase row carries the
// lease it ends (Kea writes the lease with valid_lifetime 0), since Kea
// skips a row that has neither a hardware address nor a client id unless it
// is declined.
void append_row(std::string& out, const Lease& lease, const CsvLayout& layout);
void append_erase_row(std::string& out, Ip4 address, const std::optional<Lease>& before,
                      const CsvLayout& layout);

// Kea's escaping: "&#x" and two hex digits. Kea escapes ',' and '&'; this
// also escapes control characters, which Kea would write raw (a newline in
// a hostname would split the row) but reads back the same.
std::string kea_escape(std::string_view text);
std::string kea_unescape(std::string_view text);

// The fields of a line (split at ','), and a line rebuilt from them in
// another layout: missing columns get Kea's defaults, extra ones are dropped.
// Compaction uses these to carry rows over without re-encoding them.
std::vector<std::string_view> split_fields(std::string_view line);
void append_fields(std::string& out, const std::vector<std::string_view>& fields,
                   const CsvLayout& layout);

}  // namespace bs::store
