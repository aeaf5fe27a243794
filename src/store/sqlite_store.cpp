// SQLite lease store. The durability promise lives here: WAL journal with
// synchronous=FULL makes COMMIT return only after the WAL is fsync'd, and a
// whole batch is one transaction, so one fsync covers every ACK of a batch.
// Reading is strict: a file that is not ours, is corrupt, or holds a row we
// cannot make sense of is an error naming the file, never an empty start.
#include "store/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <optional>
#include <span>
#include <system_error>

namespace bs::store {

namespace {

// user_version of the schema below; bump with a migration when it changes.
constexpr int64_t kSchemaVersion = 1;

// Long enough to ride out an operator's sqlite3 shell holding a read lock
// during a checkpoint; short enough that a wedged lock surfaces as an error.
constexpr int kBusyTimeout_ms = 2000;

// Addresses and times are host-order integers; hw_type is the ARP hardware
// type from chaddr's htype; state numbers follow Kea (0 default, 1 declined,
// 2 expired-reclaimed).
constexpr const char* kCreateSchema = R"sql(
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

constexpr const char* kUpsert =
    "INSERT OR REPLACE INTO leases (address, hw_type, hw_address, client_id, hostname, "
    "subnet_id, valid_lifetime, cltt, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kErase = "DELETE FROM leases WHERE address = ?1";
constexpr const char* kSelectAll =
    "SELECT address, hw_type, hw_address, client_id, hostname, subnet_id, valid_lifetime, cltt, "
    "state FROM leases";

// Same bound as check_changes(): whatever commit accepts must load back.
constexpr size_t kMaxFieldBytes = 65535;
// Keeps cltt + valid_lifetime far from int64 overflow.
constexpr int64_t kMaxCltt_s = int64_t{1} << 40;

// Reads one row's columns with type and range checks, keeping the first
// problem so a malformed row becomes one clear message instead of a crash.
class RowReader {
 public:
  explicit RowReader(sqlite3_stmt* stmt) : stmt_(stmt) {}

  int64_t integer(int column, const char* name, int64_t min, int64_t max) {
    if (sqlite3_column_type(stmt_, column) != SQLITE_INTEGER) {
      fail(fmt::format("{} is not an integer", name));
      return min;
    }
    const int64_t value = sqlite3_column_int64(stmt_, column);
    if (value < min || value > max) fail(fmt::format("{} {} is out of range", name, value));
    return value;
  }

  Bytes blob(int column, const char* name, size_t max_size) {
    const std::span<const uint8_t> bytes = checked_blob(column, name, max_size);
    return {bytes.begin(), bytes.end()};
  }

  // For fixed arrays (chaddr): copies into `out`, returns the length.
  size_t blob_into(int column, const char* name, uint8_t* out, size_t max_size) {
    const std::span<const uint8_t> bytes = checked_blob(column, name, max_size);
    std::copy(bytes.begin(), bytes.end(), out);
    return bytes.size();
  }

  std::string text(int column, const char* name) {
    if (sqlite3_column_type(stmt_, column) != SQLITE_TEXT) {
      fail(fmt::format("{} is not text", name));
      return {};
    }
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt_, column));
    if (size > kMaxFieldBytes) fail(fmt::format("{} is {} bytes long", name, size));
    if (data == nullptr || size > kMaxFieldBytes) return {};
    return {data, size};
  }

  const std::string& problem() const { return problem_; }

 private:
  std::span<const uint8_t> checked_blob(int column, const char* name, size_t max_size) {
    if (sqlite3_column_type(stmt_, column) != SQLITE_BLOB) {
      fail(fmt::format("{} is not a blob", name));
      return {};
    }
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt_, column));
    if (size > max_size)
      fail(fmt::format("{} is {} bytes, at most {} allowed", name, size, max_size));
    if (data == nullptr || size > max_size) return {};
    return {data, size};
  }

  void fail(std::string message) {
    if (problem_.empty()) problem_ = std::move(message);
  }

  sqlite3_stmt* stmt_;
  std::string problem_;
};

tl::expected<Lease, std::string> decode_row(sqlite3_stmt* stmt) {
  RowReader row(stmt);
  Lease lease;
  lease.address.value = static_cast<uint32_t>(row.integer(0, "address", 1, UINT32_MAX));
  lease.hw_address.htype = static_cast<uint8_t>(row.integer(1, "hw_type", 0, UINT8_MAX));
  lease.hw_address.length = static_cast<uint8_t>(
      row.blob_into(2, "hw_address", lease.hw_address.bytes.data(), lease.hw_address.bytes.size()));
  lease.client_id = row.blob(3, "client_id", kMaxFieldBytes);
  lease.hostname = row.text(4, "hostname");
  lease.subnet_id = static_cast<uint32_t>(row.integer(5, "subnet_id", 0, UINT32_MAX));
  lease.valid_lifetime_s = static_cast<uint32_t>(row.integer(6, "valid_lifetime", 0, UINT32_MAX));
  lease.cltt_s = row.integer(7, "cltt", 0, kMaxCltt_s);
  // Offered (3) is refused too: offers are never written, so one on disk
  // means the file was not written by us.
  const int64_t state = row.integer(8, "state", 0, 2);
  lease.state = static_cast<LeaseState>(state);
  if (!row.problem().empty()) return tl::unexpected(row.problem());
  return lease;
}

// "row 17 (address 198.18.0.5)"; the address is shown only if it is one.
std::string describe_row(sqlite3_stmt* stmt, size_t row_number) {
  std::string text = fmt::format("row {}", row_number);
  if (sqlite3_column_type(stmt, 0) == SQLITE_INTEGER) {
    const int64_t value = sqlite3_column_int64(stmt, 0);
    if (value >= 0 && value <= UINT32_MAX) {
      text += fmt::format(" (address {})", to_string(Ip4{static_cast<uint32_t>(value)}));
    }
  }
  return text;
}

void bind_bytes(sqlite3_stmt* stmt, int index, const void* data, size_t size) {
  // A null pointer would bind SQL NULL, which load_all rightly rejects.
  sqlite3_bind_blob(stmt, index, size == 0 ? "" : data, static_cast<int>(size), SQLITE_STATIC);
}

void bind_lease(sqlite3_stmt* stmt, const Lease& lease) {
  sqlite3_bind_int64(stmt, 1, lease.address.value);
  sqlite3_bind_int(stmt, 2, lease.hw_address.htype);
  bind_bytes(stmt, 3, lease.hw_address.bytes.data(), lease.hw_address.length);
  bind_bytes(stmt, 4, lease.client_id.data(), lease.client_id.size());
  sqlite3_bind_text(stmt, 5, lease.hostname.c_str(), static_cast<int>(lease.hostname.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 6, lease.subnet_id);
  sqlite3_bind_int64(stmt, 7, lease.valid_lifetime_s);
  sqlite3_bind_int64(stmt, 8, lease.cltt_s);
  sqlite3_bind_int(stmt, 9, static_cast<int>(lease.state));
}

}  // namespace

void SqliteLeaseStore::DbCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

void SqliteLeaseStore::StmtFinalizer::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

SqliteLeaseStore::SqliteLeaseStore(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db) {}

SqliteLeaseStore::~SqliteLeaseStore() = default;

StoreError SqliteLeaseStore::error(const std::string& what) const {
  return {fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_.get()))};
}

tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_sqlite_store(const std::string& path,
                                                                        SqliteOptions options) {
  auto store = SqliteLeaseStore::open(path, options);
  if (!store) return tl::unexpected(store.error());
  return std::unique_ptr<LeaseStore>(std::move(*store));
}

tl::expected<std::unique_ptr<SqliteLeaseStore>, StoreError> SqliteLeaseStore::open(
    const std::string& path, SqliteOptions options) {
  // SQLite treats an empty file as a fresh database. An existing empty lease
  // file is more likely a truncated one, and starting empty would hand out
  // addresses that live clients still hold.
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  if (existed && std::filesystem::file_size(path, ec) == 0 && !ec) {
    return tl::unexpected(StoreError{fmt::format(
        "{}: lease database file is empty (truncated?); remove it to start a new one", path)});
  }
  sqlite3* raw = nullptr;
  // NOMUTEX: a store belongs to one thread (the server loop); SQLite's
  // per-call mutex cost a few percent of start-up for nothing.
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteLeaseStore> store(new SqliteLeaseStore(path, raw));
  if (rc != SQLITE_OK) return tl::unexpected(store->error("cannot open"));
  if (auto ready = store->set_up(options, existed); !ready) return tl::unexpected(ready.error());
  return store;
}

tl::expected<void, StoreError> SqliteLeaseStore::set_up(SqliteOptions options, bool existed) {
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), kBusyTimeout_ms);
  // Read-only checks first, so a foreign file is not switched to WAL.
  int64_t version = 0;
  if (auto checked = check_schema(version, existed); !checked) return checked;
  auto mode = pragma("journal_mode=WAL");
  if (!mode) return tl::unexpected(mode.error());
  if (*mode != "wal") {
    return tl::unexpected(
        StoreError{fmt::format("{}: cannot use WAL journal mode (got \"{}\")", path_, *mode)});
  }
  auto sync = pragma(options.fsync ? "synchronous=FULL" : "synchronous=OFF");
  if (!sync) return tl::unexpected(sync.error());
  if (version == 0) {
    if (auto created = create_schema(); !created) return created;
  }
  if (auto intact = check_integrity(); !intact) return intact;
  if (auto prepared = prepare_all(); !prepared) return prepared;
  sqlite3_commit_hook(db_.get(), &SqliteLeaseStore::count_commit, this);
  return {};
}

tl::expected<void, StoreError> SqliteLeaseStore::check_schema(int64_t& version, bool existed) {
  auto user_version = query_int("PRAGMA user_version");
  if (!user_version) {
    return tl::unexpected(
        StoreError{fmt::format("{}: not a lease database: {}", path_, sqlite3_errmsg(db_.get()))});
  }
  version = *user_version;
  auto tables = query_int("SELECT count(*) FROM sqlite_master");
  if (!tables) return tl::unexpected(tables.error());
  auto leases =
      query_int("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='leases'");
  if (!leases) return tl::unexpected(leases.error());
  if (version == 0 && *tables == 0) {
    if (!existed) return {};
    // SQLite reads a file shorter than one page as an empty database; for
    // an existing lease file that means truncation, not a fresh start.
    return tl::unexpected(StoreError{fmt::format(
        "{}: not a lease database (no schema; truncated?); remove it to start a new one", path_)});
  }
  if (version > kSchemaVersion) {
    return tl::unexpected(
        StoreError{fmt::format("{}: schema version {} is newer than this blackstart supports ({})",
                               path_, version, kSchemaVersion)});
  }
  if (version != kSchemaVersion || *leases != 1) {
    return tl::unexpected(StoreError{fmt::format(
        "{}: not a lease database (schema version {}, no usable leases table)", path_, version)});
  }
  return {};
}

tl::expected<void, StoreError> SqliteLeaseStore::create_schema() {
  const std::string sql = std::string("BEGIN IMMEDIATE;") + kCreateSchema + "COMMIT;";
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    StoreError failed = error("cannot create schema");
    rollback_if_open();
    return tl::unexpected(std::move(failed));
  }
  return {};
}

tl::expected<void, StoreError> SqliteLeaseStore::check_integrity() {
  // quick_check reads every page, so a damaged file fails here, at start,
  // with the file named, rather than as a half-loaded lease table.
  auto verdict = pragma("quick_check(1)");
  if (!verdict) return tl::unexpected(verdict.error());
  if (*verdict != "ok") {
    return tl::unexpected(StoreError{fmt::format("{}: database is corrupt: {}", path_, *verdict)});
  }
  return {};
}

tl::expected<void, StoreError> SqliteLeaseStore::prepare_all() {
  const std::pair<Statement*, const char*> statements[] = {
      {&begin_, "BEGIN IMMEDIATE"}, {&commit_, "COMMIT"}, {&rollback_, "ROLLBACK"},
      {&upsert_, kUpsert},          {&erase_, kErase},    {&select_all_, kSelectAll},
  };
  for (const auto& [statement, sql] : statements) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    statement->reset(raw);
    if (rc != SQLITE_OK) return tl::unexpected(error(fmt::format("cannot prepare \"{}\"", sql)));
  }
  return {};
}

tl::expected<int64_t, StoreError> SqliteLeaseStore::query_int(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
    return tl::unexpected(error(sql));
  }
  const Statement stmt(raw);
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return tl::unexpected(error(sql));
  return sqlite3_column_int64(stmt.get(), 0);
}

tl::expected<std::string, StoreError> SqliteLeaseStore::pragma(const std::string& name) {
  const std::string sql = "PRAGMA " + name;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    return tl::unexpected(error(sql));
  }
  const Statement stmt(raw);
  const int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return tl::unexpected(error(sql));
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
  return std::string(text != nullptr ? text : "");
}

int SqliteLeaseStore::count_commit(void* self) {
  ++static_cast<SqliteLeaseStore*>(self)->transactions_;
  return 0;  // 0 lets the commit proceed
}

tl::expected<std::vector<Lease>, StoreError> SqliteLeaseStore::load_all() {
  sqlite3_stmt* stmt = select_all_.get();
  std::vector<Lease> leases;
  size_t row_number = 0;
  while (true) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      StoreError failed = error(fmt::format("read failed after row {}", row_number));
      sqlite3_reset(stmt);
      return tl::unexpected(std::move(failed));
    }
    ++row_number;
    auto lease = decode_row(stmt);
    if (!lease) {
      StoreError bad{
          fmt::format("{}: {}: {}", path_, describe_row(stmt, row_number), lease.error())};
      sqlite3_reset(stmt);
      return tl::unexpected(std::move(bad));
    }
    leases.push_back(std::move(*lease));
  }
  sqlite3_reset(stmt);
  return leases;
}

tl::expected<void, StoreError> SqliteLeaseStore::step_done(sqlite3_stmt* stmt, const char* what) {
  const int rc = sqlite3_step(stmt);
  // The message is read before reset, which may replace it.
  std::optional<StoreError> failed;
  if (rc != SQLITE_DONE) failed = error(what);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (failed) return tl::unexpected(std::move(*failed));
  return {};
}

tl::expected<void, StoreError> SqliteLeaseStore::write_change(const LeaseChange& change) {
  sqlite3_stmt* stmt = change.after ? upsert_.get() : erase_.get();
  if (change.after) {
    bind_lease(stmt, *change.after);
  } else {
    sqlite3_bind_int64(stmt, 1, change.address.value);
  }
  auto done = step_done(stmt, "cannot write lease");
  if (!done) done.error().message += fmt::format(" (address {})", to_string(change.address));
  return done;
}

tl::expected<void, StoreError> SqliteLeaseStore::commit(std::span<const LeaseChange> changes) {
  if (auto checked = check_changes(changes); !checked) {
    return tl::unexpected(StoreError{fmt::format("{}: {}", path_, checked.error().message)});
  }
  if (changes.empty()) return {};
  if (auto begun = step_done(begin_.get(), "cannot begin transaction"); !begun) return begun;
  for (const LeaseChange& change : changes) {
    if (auto written = write_change(change); !written) {
      rollback_if_open();
      return written;
    }
  }
  if (auto committed = step_done(commit_.get(), "commit failed"); !committed) {
    rollback_if_open();
    return committed;
  }
  return {};
}

void SqliteLeaseStore::rollback_if_open() {
  // Some errors (I/O, full disk) already roll back; a second ROLLBACK
  // would only add a misleading error.
  if (sqlite3_get_autocommit(db_.get()) == 0) (void)step_done(rollback_.get(), "rollback failed");
}

}  // namespace bs::store
