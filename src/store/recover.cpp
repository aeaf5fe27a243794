// Salvaging a damaged lease database. The table is read in address order;
// where SQLite reports a damaged page, the reader probes forward (doubling,
// then bisecting) for the first address it can read again, so one bad page
// costs the rows on that page, not the rest of the table. Each row goes
// through decode_row, the same check start-up applies, so what is kept will
// load. The new file is built beside the old one and renamed into place, and
// the old file is first hard-linked to its .corrupt- name, so at every
// instant the database name points at a complete file.
#include "store/recover.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

#include "common/clock.h"
#include "store/db_file.h"
#include "store/lease_row.h"

namespace bs::store {
namespace {

// Offset of SQLite's "dead man switch" byte in the -shm file (unix VFS):
// every connection holds a read lock on it while the database is open.
constexpr off_t kShmDmsOffset = 128;
// A damaged file can fail in many places; past this many stretches the
// reader stops and reports what it has.
constexpr size_t kMaxUnreadableRanges = 1000;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Statement = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

StoreError db_error(const std::string& path, const std::string& what, sqlite3* db) {
  return {fmt::format("{}: {}: {}", path, what, db != nullptr ? sqlite3_errmsg(db) : "no memory")};
}

// The pid of a process that has the database open, if any.
std::optional<pid_t> user_of(const std::string& path) {
  const std::string shm = path + "-shm";
  const int fd = ::open(shm.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = kShmDmsOffset;
  probe.l_len = 1;
  const int rc = ::fcntl(fd, F_GETLK, &probe);
  ::close(fd);
  if (rc != 0 || probe.l_type == F_UNLCK) return std::nullopt;
  return probe.l_pid;
}

// `name`, or name-2, name-3, ... if a recovery in the same second took it.
std::string unused_name(const std::string& name) {
  std::error_code ec;
  std::string candidate = name;
  for (int n = 2; std::filesystem::exists(candidate, ec); ++n) {
    candidate = name + "-" + std::to_string(n);
  }
  return candidate;
}

// "state 7 is out of range" -> "state N is out of range", so rows that fail
// the same way are counted together.
std::string reason_key(const std::string& problem) {
  std::string key;
  for (size_t i = 0; i < problem.size(); ++i) {
    const bool digit = problem[i] >= '0' && problem[i] <= '9';
    if (!digit) {
      key += problem[i];
    } else if (key.empty() || key.back() != 'N') {
      key += 'N';
    }
  }
  return key;
}

std::string address_text(int64_t value) {
  if (value >= 0 && value <= UINT32_MAX) return to_string(Ip4{static_cast<uint32_t>(value)});
  return value == std::numeric_limits<int64_t>::max() ? "the end" : std::to_string(value);
}

// Reads the leases table of a damaged database.
class Salvager {
 public:
  Salvager(std::string path, sqlite3* db, RecoveryReport& report)
      : path_(std::move(path)), db_(db), report_(report) {}

  tl::expected<std::vector<Lease>, StoreError> run() {
    const std::string sql = std::string(kSelectColumns) + " WHERE address >= ?1 ORDER BY address";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      return tl::unexpected(db_error(path_, "cannot read the leases table", db_));
    }
    scan_.reset(raw);
    int64_t from = std::numeric_limits<int64_t>::min();
    while (true) {
      const std::optional<int64_t> failed_after = scan_from(from);
      if (!failed_after) break;
      const int64_t low = std::max(*failed_after, from) + 1;
      const std::optional<int64_t> resume = find_readable(low);
      // Resuming right where the scan broke skips no address: nothing lost.
      if (!resume || *resume > low) {
        report_.unreadable.push_back(
            {low, resume ? *resume - 1 : std::numeric_limits<int64_t>::max(), last_error_});
      }
      if (!resume || report_.unreadable.size() >= kMaxUnreadableRanges) break;
      from = *resume;
    }
    return std::move(kept_);
  }

 private:
  // Reads rows from `from` on; returns the last address read before an
  // error (from - 1 if none), or nothing when the scan reached the end.
  std::optional<int64_t> scan_from(int64_t from) {
    sqlite3_stmt* stmt = scan_.get();
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, from);
    int64_t last = from == std::numeric_limits<int64_t>::min() ? from : from - 1;
    while (true) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return std::nullopt;
      if (rc != SQLITE_ROW) {
        last_error_ = sqlite3_errmsg(db_);
        return last;
      }
      last = sqlite3_column_int64(stmt, 0);
      ++rows_seen_;
      take(stmt);
    }
  }

  void take(sqlite3_stmt* stmt) {
    auto lease = decode_row(stmt);
    if (lease) {
      kept_.push_back(std::move(*lease));
      ++report_.rows_kept;
      return;
    }
    ++report_.rows_dropped;
    DroppedRows& reason = report_.dropped[reason_key(lease.error())];
    if (reason.rows++ == 0) reason.example = describe_row(stmt, rows_seen_) + ": " + lease.error();
  }

  // Can the table be read from `address` on (the next row, or its end)?
  bool readable_from(int64_t address) {
    sqlite3_stmt* stmt = scan_.get();
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, address);
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
  }

  // The lowest address >= low from which reading works again: double the
  // step until a probe succeeds, then bisect back towards the damage.
  std::optional<int64_t> find_readable(int64_t low) {
    int64_t bad = low - 1;
    int64_t step = 1;
    int64_t good = 0;
    while (true) {
      if (bad > std::numeric_limits<int64_t>::max() - step) return std::nullopt;
      const int64_t probe = bad + step;
      if (readable_from(probe)) {
        good = probe;
        break;
      }
      bad = probe;
      step = step > std::numeric_limits<int64_t>::max() / 2 ? step : step * 2;
    }
    while (good - bad > 1) {
      const int64_t middle = bad + (good - bad) / 2;
      (readable_from(middle) ? good : bad) = middle;
    }
    return good;
  }

  std::string path_;
  sqlite3* db_;
  RecoveryReport& report_;
  Statement scan_;
  std::vector<Lease> kept_;
  std::string last_error_;
  size_t rows_seen_ = 0;
};

tl::expected<std::vector<Lease>, StoreError> read_damaged(const std::string& path,
                                                          RecoveryReport& report) {
  sqlite3* raw = nullptr;
  // Read-only: the damaged file and its WAL stay exactly as they were.
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  const Db db(raw);
  if (rc != SQLITE_OK) return tl::unexpected(db_error(path, "cannot open", raw));
  sqlite3_extended_result_codes(db.get(), 1);
  auto leases = Salvager(path, db.get(), report).run();
  if (leases && leases->empty() && !report.unreadable.empty()) {
    return tl::unexpected(StoreError{fmt::format(
        "{}: not a single lease row could be read ({}); nothing changed. To start with an "
        "empty lease table, move the file away yourself.",
        path, report.unreadable.front().error)});
  }
  return leases;
}

tl::expected<void, StoreError> write_rows(const std::string& built,
                                          const std::vector<Lease>& leases) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(built.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  const Db db(raw);
  if (rc != SQLITE_OK) return tl::unexpected(db_error(built, "cannot open", raw));
  if (sqlite3_exec(db.get(), "PRAGMA synchronous=FULL; BEGIN IMMEDIATE", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    return tl::unexpected(db_error(built, "cannot begin", db.get()));
  }
  sqlite3_stmt* stmt_raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), kUpsert, -1, &stmt_raw, nullptr) != SQLITE_OK) {
    return tl::unexpected(db_error(built, "cannot prepare", db.get()));
  }
  const Statement upsert(stmt_raw);
  for (const Lease& lease : leases) {
    bind_lease(upsert.get(), lease);
    const int step = sqlite3_step(upsert.get());
    sqlite3_reset(upsert.get());
    if (step != SQLITE_DONE) return tl::unexpected(db_error(built, "cannot write", db.get()));
  }
  if (sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return tl::unexpected(db_error(built, "cannot commit", db.get()));
  }
  return {};
}

StoreError errno_error(const std::string& what) {
  return StoreError{fmt::format("{}: {}", what, std::strerror(errno))};
}

// Old file -> kept_as (hard link, so `path` never disappears), its WAL and
// journal moved along (a stale WAL next to the new file would be replayed
// into it), then the new file renamed over `path`.
tl::expected<void, StoreError> swap_in(const std::string& path, const std::string& built,
                                       const std::string& kept_as) {
  if (::link(path.c_str(), kept_as.c_str()) != 0) {
    return tl::unexpected(errno_error("keep " + path + " as " + kept_as));
  }
  // The kept copy holds the same MACs and hostnames; a database from before
  // the store set its modes may be world-readable.
  if (auto restricted = restrict_file_mode(kept_as); !restricted) return restricted;
  for (const char* suffix : {"-wal", "-journal"}) {
    const std::string from = path + suffix;
    const std::string to = kept_as + suffix;
    if (::rename(from.c_str(), to.c_str()) != 0) {
      if (errno == ENOENT) continue;
      return tl::unexpected(errno_error("move " + from));
    }
    if (auto restricted = restrict_file_mode(to); !restricted) return restricted;
  }
  const std::string shm = path + "-shm";
  if (::unlink(shm.c_str()) != 0 && errno != ENOENT) {
    return tl::unexpected(errno_error("remove " + shm));
  }
  return publish_database(built, path, true);
}

}  // namespace

tl::expected<RecoveryReport, StoreError> recover_database(const std::string& path, int64_t now_s) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return tl::unexpected(StoreError{fmt::format("{}: no such lease database file", path)});
  }
  if (const auto pid = user_of(path)) {
    return tl::unexpected(StoreError{
        fmt::format("{}: in use by process {} (a running blackstart?); stop it before recovering",
                    path, *pid)});
  }
  RecoveryReport report;
  report.database = path;
  report.kept_as = unused_name(path + ".corrupt-" + format_utc(now_s, "%Y%m%dT%H%M%SZ"));
  auto leases = read_damaged(path, report);
  if (!leases) return tl::unexpected(leases.error());
  auto built = build_empty_database(path, nullptr);
  if (!built) return tl::unexpected(built.error());
  auto swapped =
      write_rows(*built, *leases).and_then([&] { return swap_in(path, *built, report.kept_as); });
  if (!swapped) {
    for (const char* suffix : {"", "-journal"}) std::filesystem::remove(*built + suffix, ec);
    return tl::unexpected(swapped.error());
  }
  return report;
}

std::string format_report(const RecoveryReport& report) {
  std::string text = fmt::format("recovered {}: kept {} rows, dropped {} rows", report.database,
                                 report.rows_kept, report.rows_dropped);
  if (!report.unreadable.empty()) {
    text += fmt::format(", {} unreadable address ranges", report.unreadable.size());
  }
  text += "\n";
  for (const auto& [reason, dropped] : report.dropped) {
    text += fmt::format("  dropped {}: {} (first: {})\n", dropped.rows, reason, dropped.example);
  }
  for (const UnreadableRange& range : report.unreadable) {
    text += fmt::format("  unreadable, rows lost (how many unknown): addresses {} to {}: {}\n",
                        address_text(range.first_address), address_text(range.last_address),
                        range.error);
  }
  text += fmt::format("the damaged file is kept as {}\n", report.kept_as);
  return text;
}

}  // namespace bs::store
