// How a lease is laid out in an SQLite row, in one place: the schema, the
// statements, binding a lease to a statement and decoding one back. The
// store's load_all, the recovery command and the lease-row fuzz target all
// use these same functions, so what the fuzzer proves holds for start-up.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <tl/expected.hpp>

#include "alloc/lease.h"

namespace bs::store {

// user_version of the schema below; bump with a migration when it changes.
inline constexpr int64_t kSchemaVersion = 1;

// Addresses and times are host-order integers; hw_type is the ARP hardware
// type from chaddr's htype; state numbers follow Kea (0 default, 1 declined,
// 2 expired-reclaimed).
inline constexpr const char* kCreateSchema = R"sql(
CREATE TABLE leases (
  address        INTEGER PRIMARY KEY NOT NULL,
  hw_type        INTEGER NOT NULL,
  hw_address     BLOB NOT NULL,
  client_id      BLOB NOT NULL,
  hostname       TEXT NOT NULL,
  subnet_id      INTEGER NOT NULL,
  valid_lifetime INTEGER NOT NULL,
  cltt           INTEGER NOT NULL,
  state          INTEGER NOT NULL
);
PRAGMA user_version = 1;
)sql";

inline constexpr const char* kUpsert =
    "INSERT OR REPLACE INTO leases (address, hw_type, hw_address, client_id, hostname, "
    "subnet_id, valid_lifetime, cltt, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
inline constexpr const char* kErase = "DELETE FROM leases WHERE address = ?1";
// The columns in the order decode_row expects them.
inline constexpr const char* kSelectColumns =
    "SELECT address, hw_type, hw_address, client_id, hostname, subnet_id, valid_lifetime, cltt, "
    "state FROM leases";

// Same bound as check_changes(): whatever commit accepts must load back.
inline constexpr size_t kMaxFieldBytes = 65535;
// Keeps cltt + valid_lifetime far from int64 overflow.
inline constexpr int64_t kMaxCltt_s = int64_t{1} << 40;

// Decodes the current row of a statement over kSelectColumns. Every column
// is checked for type and range; the first problem is the error ("state 7
// is out of range"), so a malformed row is rejected, never half-read.
tl::expected<Lease, std::string> decode_row(sqlite3_stmt* stmt);

// "row 17 (address 198.18.0.5)"; the address is shown only if it is one.
std::string describe_row(sqlite3_stmt* stmt, size_t row_number);

// Binds all nine columns of kUpsert. The lease must outlive the step.
void bind_lease(sqlite3_stmt* stmt, const Lease& lease);

}  // namespace bs::store
