// SQLite lease store. The durability promise lives here: WAL journal with
// synchronous=FULL makes COMMIT return only after the WAL is fsync'd, and a
// whole batch is one transaction, so one fsync covers every ACK of a batch.
// Reading is strict: a file that is not ours, is corrupt, or holds a row we
// cannot make sense of is an error naming the file, never an empty start.
// Disk faults are survived, not fatal: the failed batch is rolled back, the
// connection is dropped (SQLite may leave it in an error state, and open
// files would keep an operator from remounting the disk), and the next
// commit starts from a fresh connection.
#include "store/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <span>
#include <system_error>

#include "store/db_file.h"
#include "store/lease_row.h"

namespace bs::store {

namespace {

// Long enough to ride out an operator's sqlite3 shell holding a read lock
// during a checkpoint; short enough that a wedged lock surfaces as an error.
constexpr int kBusyTimeout_ms = 2000;

// Faults after which the connection is not trusted: the pager may be in its
// error state, and the fix (free space, remount) happens outside.
bool needs_new_connection(StoreFault fault) {
  return fault == StoreFault::DiskFull || fault == StoreFault::IoError ||
         fault == StoreFault::ReadOnly || fault == StoreFault::Corrupt;
}

}  // namespace

StoreFault fault_of(int extended_code, int system_errno) {
  switch (extended_code & 0xff) {
    case SQLITE_FULL:
      return StoreFault::DiskFull;
    case SQLITE_READONLY:
      return StoreFault::ReadOnly;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      // SQLite records errno only for these two, so it is current here.
      if (system_errno == ENOSPC || system_errno == EDQUOT) return StoreFault::DiskFull;
      if (system_errno == EROFS) return StoreFault::ReadOnly;
      return StoreFault::IoError;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StoreFault::Corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StoreFault::Busy;
    default:
      return StoreFault::Other;
  }
}

void SqliteLeaseStore::DbCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

void SqliteLeaseStore::StmtFinalizer::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

SqliteLeaseStore::SqliteLeaseStore(std::string path, SqliteOptions options)
    : path_(std::move(path)), options_(options) {}

SqliteLeaseStore::~SqliteLeaseStore() = default;

StoreError SqliteLeaseStore::error(const std::string& what) const {
  if (!db_) return {fmt::format("{}: {}: not connected", path_, what), StoreFault::IoError};
  return {fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_.get())),
          fault_of(sqlite3_extended_errcode(db_.get()), sqlite3_system_errno(db_.get()))};
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
  if (!existed) {
    if (auto missing = check_missing_database(path); !missing) {
      return tl::unexpected(missing.error());
    }
    if (auto created = create_database_file(path, options.vfs); !created) {
      return tl::unexpected(created.error());
    }
  }
  std::unique_ptr<SqliteLeaseStore> store(new SqliteLeaseStore(path, options));
  if (auto connected = store->connect(true); !connected) return tl::unexpected(connected.error());
  return store;
}

tl::expected<void, StoreError> SqliteLeaseStore::connect(bool at_start) {
  sqlite3* raw = nullptr;
  // No SQLITE_OPEN_CREATE: the file exists (open() made it); a file that
  // vanished while we ran is a fault to report, not a fresh start.
  // NOMUTEX: a store belongs to one thread (the server loop); SQLite's
  // per-call mutex cost a few percent of start-up for nothing.
  const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                 options_.vfs);
  db_.reset(raw);
  tl::expected<void, StoreError> ready;
  if (rc == SQLITE_OK) {
    ready = set_up(at_start);
  } else {
    ready = tl::unexpected(error("cannot open"));
  }
  if (!ready) disconnect();
  return ready;
}

tl::expected<void, StoreError> SqliteLeaseStore::set_up(bool at_start) {
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), kBusyTimeout_ms);
  // Read-only checks first, so a foreign file is not switched to WAL.
  if (auto checked = check_schema(); !checked) return checked;
  // SQLite quietly falls back to read-only when the file system is; every
  // commit would then fail, so say so now.
  if (sqlite3_db_readonly(db_.get(), "main") == 1) {
    return tl::unexpected(StoreError{
        fmt::format("{}: opened read-only (read-only file system or no write permission)", path_),
        StoreFault::ReadOnly});
  }
  auto mode = pragma("journal_mode=WAL");
  if (!mode) return tl::unexpected(mode.error());
  if (*mode != "wal") {
    return tl::unexpected(
        StoreError{fmt::format("{}: cannot use WAL journal mode (got \"{}\")", path_, *mode)});
  }
  auto sync = pragma(options_.fsync ? "synchronous=FULL" : "synchronous=OFF");
  if (!sync) return tl::unexpected(sync.error());
  // quick_check reads every page: worth it once at start, not on every
  // reconnection during an outage.
  if (at_start) {
    if (auto intact = check_integrity(); !intact) return intact;
  }
  if (auto prepared = prepare_all(); !prepared) return prepared;
  sqlite3_commit_hook(db_.get(), &SqliteLeaseStore::count_commit, this);
  start_checkpoints();
  return {};
}

// The WAL hook replaces SQLite's autocheckpoint. Without a thread (off, or
// its connection failed to open) the commit checkpoints at the usual size,
// as SQLite would.
void SqliteLeaseStore::start_checkpoints() {
  if (!options_.checkpoint_thread) return;
  last_wal_pages_ = 0;
  if (auto started = WalCheckpointer::start(path_, options_.vfs, options_.fsync)) {
    checkpointer_ = std::move(*started);
  }
  sqlite3_wal_hook(db_.get(), &SqliteLeaseStore::on_wal_commit, this);
}

// Runs after each commit, on the committing thread, with the WAL's size.
int SqliteLeaseStore::on_wal_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  static_cast<SqliteLeaseStore*>(self)->checkpoint_after_commit(
      db, schema, wal_pages > 0 ? static_cast<uint32_t>(wal_pages) : 0);
  return SQLITE_OK;
}

// Every checkpoint here is PASSIVE and best effort, as SQLite's own
// autocheckpoint: the commit is already durable in the WAL, so a failed
// checkpoint fails nothing and the next commit asks again.
void SqliteLeaseStore::checkpoint_after_commit(sqlite3* db, const char* schema,
                                               uint32_t wal_pages) {
  const bool rewound = wal_pages < last_wal_pages_;
  last_wal_pages_ = wal_pages;
  if (checkpointer_ == nullptr) {
    if (wal_pages >= options_.checkpoint_pages) {
      ++inline_checkpoints_;
      (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return;
  }
  if (rewound) checkpointer_->forget();
  if (wal_pages >= options_.inline_checkpoint_pages) {
    ++inline_checkpoints_;
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return;
  }
  if (wal_pages < options_.checkpoint_pages || checkpointer_->busy()) return;
  const uint32_t backfilled = checkpointer_->backfilled_pages();
  if (backfilled > 0 && backfilled <= wal_pages &&
      wal_pages - backfilled <= options_.finish_checkpoint_pages) {
    ++finishing_checkpoints_;
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return;
  }
  checkpointer_->request();
}

tl::expected<void, StoreError> SqliteLeaseStore::ensure_connected() {
  if (db_) return {};
  auto connected = connect(false);
  if (connected) ++reconnects_;
  return connected;
}

void SqliteLeaseStore::disconnect() {
  // Its connection holds the files open too, and its thread must not run
  // a checkpoint against a disk being repaired.
  checkpointer_.reset();
  for (Statement* statement : {&begin_, &commit_, &rollback_, &upsert_, &erase_, &select_all_}) {
    statement->reset();
  }
  // No checkpoint on the way out: on a failing disk it is one more write
  // that fails or half-succeeds, and the WAL it would fold in is replayed
  // by the next connection anyway.
  if (db_) sqlite3_db_config(db_.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  db_.reset();
}

tl::expected<void, StoreError> SqliteLeaseStore::check_schema() {
  auto user_version = query_int("PRAGMA user_version");
  if (!user_version) {
    // A disk that cannot be read right now says nothing about the file.
    const StoreFault fault = user_version.error().fault;
    if (fault != StoreFault::Corrupt && fault != StoreFault::Other) {
      return tl::unexpected(user_version.error());
    }
    return tl::unexpected(error("not a lease database"));
  }
  const int64_t version = *user_version;
  auto tables = query_int("SELECT count(*) FROM sqlite_master");
  if (!tables) return tl::unexpected(tables.error());
  auto leases =
      query_int("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='leases'");
  if (!leases) return tl::unexpected(leases.error());
  if (version == 0 && *tables == 0) {
    // New files get their schema before they get their name (db_file.h),
    // so an existing file without one was truncated: SQLite reads a file
    // shorter than one page as an empty database.
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

tl::expected<void, StoreError> SqliteLeaseStore::check_integrity() {
  // quick_check reads every page, so a damaged file fails here, at start,
  // with the file named, rather than as a half-loaded lease table.
  auto verdict = pragma("quick_check(1)");
  if (!verdict) return tl::unexpected(verdict.error());
  if (*verdict != "ok") {
    return tl::unexpected(StoreError{fmt::format("{}: database is corrupt: {}", path_, *verdict),
                                     StoreFault::Corrupt});
  }
  return {};
}

tl::expected<void, StoreError> SqliteLeaseStore::prepare_all() {
  const std::pair<Statement*, const char*> statements[] = {
      {&begin_, "BEGIN IMMEDIATE"}, {&commit_, "COMMIT"}, {&rollback_, "ROLLBACK"},
      {&upsert_, kUpsert},          {&erase_, kErase},    {&select_all_, kSelectColumns},
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
  if (auto connected = ensure_connected(); !connected) return tl::unexpected(connected.error());
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
  if (auto connected = ensure_connected(); !connected) return tl::unexpected(connected.error());
  sqlite3_stmt* stmt = select_all_.get();
  std::vector<Lease> leases;
  size_t row_number = 0;
  while (true) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      StoreError failed = error(fmt::format("read failed after row {}", row_number));
      sqlite3_reset(stmt);
      return abandon(std::move(failed));
    }
    ++row_number;
    auto lease = decode_row(stmt);
    if (!lease) {
      StoreError bad{
          fmt::format("{}: {}: {}", path_, describe_row(stmt, row_number), lease.error()),
          StoreFault::Corrupt};
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
  if (auto connected = ensure_connected(); !connected) return connected;
  if (auto begun = step_done(begin_.get(), "cannot begin transaction"); !begun) {
    return abandon(std::move(begun.error()));
  }
  for (const LeaseChange& change : changes) {
    if (auto written = write_change(change); !written) return abandon(std::move(written.error()));
  }
  if (auto committed = step_done(commit_.get(), "commit failed"); !committed) {
    return abandon(std::move(committed.error()));
  }
  return {};
}

tl::unexpected<StoreError> SqliteLeaseStore::abandon(StoreError failure) {
  rollback_if_open();
  if (needs_new_connection(failure.fault)) disconnect();
  return tl::unexpected(std::move(failure));
}

void SqliteLeaseStore::rollback_if_open() {
  // Some errors (I/O, full disk) already roll back; a second ROLLBACK
  // would only add a misleading error.
  if (db_ && sqlite3_get_autocommit(db_.get()) == 0) {
    (void)step_done(rollback_.get(), "rollback failed");
  }
}

}  // namespace bs::store
