// The lease store seam. The engine keeps the working set in memory; a store
// only has to load everything at start-up and make a batch of changes durable.
// SQLite implements it now, PostgreSQL later, and tests use MemoryLeaseStore.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tl/expected.hpp>
#include <unordered_map>
#include <vector>

#include "alloc/lease.h"
#include "config/config.h"

namespace bs::store {

// Why a store failed, for the operator's one-line summary and for deciding
// whether the connection needs rebuilding. Other = not an environment fault
// (e.g. a refused batch). Unreachable = the database server cannot be
// reached or dropped the connection; Conflict = a shared database refused a
// change because another server changed that address first (a new lease's
// insert hit the address's unique key, or a conditional update found the row
// changed): the batch is not applied and StoreError::address names it.
enum class StoreFault : uint8_t {
  Other,
  DiskFull,
  IoError,
  ReadOnly,
  Corrupt,
  Busy,
  Unreachable,
  Conflict
};
// "disk full", "I/O error", "read-only file system", ...
const char* to_string(StoreFault fault);

struct StoreError {
  std::string message;
  StoreFault fault = StoreFault::Other;
  // The address whose change failed, for a Conflict; 0.0.0.0 otherwise.
  Ip4 address{};
};

// A change a shared store left out of a batch because another server
// changed its address first (its insert found a row, or its conditional
// update or delete found the row changed), with the row the database holds
// there now (none: no row), so the caller can learn it.
struct CommitConflict {
  size_t index = 0;  // into the batch given to commit_each()
  std::optional<Lease> current;
};

// A row another server changed, as the database holds it now (none: the
// row was deleted).
struct RowUpdate {
  Ip4 address;
  std::optional<Lease> current;
};

// What a shared store learnt of other servers' changes since it was last
// asked (poll_changes()). lost_track: it cannot say what changed (the
// connection was rebuilt, and notifications sent meanwhile are gone), so
// the caller must reread everything.
struct StoreUpdates {
  std::vector<RowUpdate> rows;
  bool lost_track = false;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Every persisted lease, in no particular order.
  virtual tl::expected<std::vector<Lease>, StoreError> load_all() = 0;

  // Applies all changes in one transaction. Contract: when this returns
  // success the changes are on stable storage (unless the operator turned
  // fsync off); on error none of them are, and the caller must not send any
  // reply that promises them. Changes with state Offered are a caller bug.
  virtual tl::expected<void, StoreError> commit(std::span<const LeaseChange> changes) = 0;

  // The packet path's commit. As commit(), except that a store shared with
  // other servers applies the changes that do not conflict and lists the
  // ones that did in `conflicts` (in batch order; every later change of a
  // conflicted address is conflicted too), instead of failing the batch.
  // Success means the listed changes are NOT stored and all others are.
  // A store only this server writes never conflicts.
  virtual tl::expected<void, StoreError> commit_each(std::span<const LeaseChange> changes,
                                                     std::vector<CommitConflict>& conflicts) {
    conflicts.clear();
    return commit(changes);
  }

  // Rows other servers changed since the last call; nothing for a store
  // only this server writes. Called between batches; must not block.
  virtual tl::expected<StoreUpdates, StoreError> poll_changes() { return StoreUpdates{}; }

  // True for a store other servers write too (PostgreSQL): commit_each()
  // may report conflicts and poll_changes() may report rows.
  virtual bool shared() const { return false; }

  // Human-readable description for logs ("sqlite:/var/lib/...").
  virtual std::string describe() const = 0;
};

// The contract checks every store applies before writing anything: no
// offers, each change's rows carry the change's address, and field sizes fit
// the wire formats. Returns the first violation found.
tl::expected<void, StoreError> check_changes(std::span<const LeaseChange> changes);

struct SqliteOptions {
  // false = PRAGMA synchronous=OFF: faster, but a power cut can lose ACKed
  // leases. The durable default is the whole point of blackstart.
  bool fsync = true;
  // SQLite VFS to open the files through (nullptr = the default). Tests pass
  // a fault-injecting one.
  const char* vfs = nullptr;
  // WAL checkpoints (wal_checkpointer.h): a commit that leaves the WAL at
  // `checkpoint_pages` or more asks the checkpointer thread for one. Once
  // the thread has folded in all but `finish_checkpoint_pages`, the commit
  // folds in the rest itself, so that the next transaction can rewind the
  // WAL (commits made during a background checkpoint keep it from ever
  // being complete). A WAL at `inline_checkpoint_pages` (the thread cannot
  // keep up, or failed to start) is checkpointed inside the commit, so the
  // WAL stays bounded. false: SQLite's own autocheckpoint inside COMMIT.
  bool checkpoint_thread = true;
  uint32_t checkpoint_pages = 1000;
  uint32_t finish_checkpoint_pages = 64;
  uint32_t inline_checkpoint_pages = 16000;
};

// Opens (creating if needed) the database at `path`. A file that is not a
// lease database, or is corrupt, is an error naming the file. A new file
// appears complete or not at all (db_file.h).
tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_sqlite_store(const std::string& path,
                                                                        SqliteOptions options = {});

struct MemfileOptions {
  // As SqliteOptions::fsync: false skips the fdatasync after each batch.
  bool fsync = true;
  // Kea's lfc-interval: seconds between lease file cleanups, 0 = never.
  uint32_t lfc_interval_s = 3600;
  // Kea's max-row-errors: a load that finds more unreadable rows than this
  // fails; 0 = any number is skipped. Torn rows never count.
  uint32_t max_row_errors = 0;
};

// Opens (creating if needed) Kea's CSV lease file at `path` and its
// cleanup files (memfile_store.h). A file whose header is not Kea's is an
// error naming the file.
tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_memfile_store(
    const std::string& path, MemfileOptions options = {});

struct PgOptions {
  // libpq's connection settings, from Kea's "lease-database" keys. A host
  // starting with '/' is a UNIX socket directory (libpq's rule).
  std::string host = "localhost";
  uint16_t port = 5432;
  std::string name;  // the database
  std::string user;
  std::string password;
  uint32_t connect_timeout_s = 5;
  // false accepts a server whose effective synchronous_commit (or fsync) is
  // off, as SqliteOptions::fsync = false does: faster, but a crash of the
  // database server can lose ACKed leases.
  bool fsync = true;
};

// Connects to a PostgreSQL database holding Kea's lease4 table and
// blackstart's schema version (blackstart-admin db-init), and refuses one it
// cannot promise durability on or whose schema it does not know (pg_store.h).
tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_pg_store(const PgOptions& options);

// The store a config's "lease-database" names, so the daemon does not need
// to know which backend it runs on.
tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_lease_store(
    const config::LeaseDatabase& database);

// An in-memory store for tests and the simulation; can be told to fail.
class MemoryLeaseStore final : public LeaseStore {
 public:
  tl::expected<std::vector<Lease>, StoreError> load_all() override;
  tl::expected<void, StoreError> commit(std::span<const LeaseChange> changes) override;
  std::string describe() const override { return "memory"; }

  void set_failing(bool failing, StoreFault fault = StoreFault::IoError) {
    failing_ = failing;
    fault_ = fault;
  }
  // Every commit() call, successful or not.
  size_t commit_count() const { return commit_count_; }
  const std::vector<Lease>& rows() const { return rows_; }

 private:
  std::vector<Lease> rows_;
  std::unordered_map<uint32_t, size_t> index_;  // address -> position in rows_
  bool failing_ = false;
  StoreFault fault_ = StoreFault::IoError;
  size_t commit_count_ = 0;
};

}  // namespace bs::store
