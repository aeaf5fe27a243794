// The explicit recovery command (blackstart --recover-db): copy every lease
// row that can still be read and decoded out of a damaged database into a
// fresh one, keep the damaged file beside it, and say exactly what was lost.
// Start-up never does this on its own: an operator decides to accept losses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "store/lease_store.h"

namespace bs::store {

struct DroppedRows {
  uint64_t rows = 0;
  std::string example;  // "row 17 (address 198.18.0.5): state 7 is out of range"
};

// A stretch of the table SQLite could not read; how many rows it held is
// unknown.
struct UnreadableRange {
  int64_t first_address = 0;
  int64_t last_address = 0;  // inclusive; INT64_MAX = to the end
  std::string error;
};

struct RecoveryReport {
  std::string database;
  std::string kept_as;  // the damaged file's new name
  uint64_t rows_kept = 0;
  uint64_t rows_dropped = 0;                   // read, but not a valid lease
  std::map<std::string, DroppedRows> dropped;  // by reason, digits as "N"
  std::vector<UnreadableRange> unreadable;
};

// Recovers the database at `path`; `now_s` names the kept copy
// (<path>.corrupt-YYYYMMDDTHHMMSSZ). Refuses, changing nothing, when the
// file is in use by another process, when SQLite cannot read it as a
// database at all, or when not a single row can be read.
tl::expected<RecoveryReport, StoreError> recover_database(const std::string& path, int64_t now_s);

// The report as printed by the command, several lines.
std::string format_report(const RecoveryReport& report);

}  // namespace bs::store
