// The SQLite lease store behind open_sqlite_store(). Declared here, rather
// than hidden in the .cpp, so tests and tools can reach the diagnostics the
// LeaseStore interface does not offer (transaction count, PRAGMA values,
// reconnections after a disk fault).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/lease_store.h"
#include "store/wal_checkpointer.h"

struct sqlite3;
struct sqlite3_stmt;

namespace bs::store {

// Classifies an SQLite failure from its extended result code and the OS
// errno SQLite recorded (sqlite3_system_errno), e.g. SQLITE_IOERR_SHMSIZE
// with ENOSPC is a full disk.
StoreFault fault_of(int extended_code, int system_errno);

class SqliteLeaseStore final : public LeaseStore {
 public:
  static tl::expected<std::unique_ptr<SqliteLeaseStore>, StoreError> open(
      const std::string& path, SqliteOptions options = {});
  ~SqliteLeaseStore() override;
  SqliteLeaseStore(const SqliteLeaseStore&) = delete;
  SqliteLeaseStore& operator=(const SqliteLeaseStore&) = delete;

  tl::expected<std::vector<Lease>, StoreError> load_all() override;
  // After a disk fault (full, I/O error, read-only) the failed transaction
  // is rolled back and the connection closed; the next call opens a fresh
  // one, so the store resumes by itself once the disk is usable again.
  tl::expected<void, StoreError> commit(std::span<const LeaseChange> changes) override;
  std::string describe() const override { return "sqlite:" + path_; }

  // Transactions committed on this connection since open (a commit hook
  // counts them); tests use it to show that one batch is one transaction.
  uint64_t transaction_count() const { return transactions_; }
  // Fresh connections opened after a disk fault, and whether one is open.
  uint64_t reconnect_count() const { return reconnects_; }
  bool connected() const { return db_ != nullptr; }
  // WAL checkpoints run by the checkpointer thread; those a commit ran to
  // fold in the last few pages after one; and those a commit ran whole
  // because the WAL reached inline_checkpoint_pages (or there is no thread).
  uint64_t background_checkpoints() const { return checkpointer_ ? checkpointer_->completed() : 0; }
  uint64_t finishing_checkpoints() const { return finishing_checkpoints_; }
  uint64_t inline_checkpoints() const { return inline_checkpoints_; }
  // "PRAGMA <name>" on this connection, first column of the first row as
  // text; synchronous is per connection, so tests cannot ask another one.
  tl::expected<std::string, StoreError> pragma(const std::string& name);

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

  SqliteLeaseStore(std::string path, SqliteOptions options);
  tl::expected<void, StoreError> connect(bool at_start);
  tl::expected<void, StoreError> set_up(bool at_start);
  tl::expected<void, StoreError> ensure_connected();
  void disconnect();
  void start_checkpoints();
  tl::expected<void, StoreError> check_schema();
  tl::expected<void, StoreError> check_integrity();
  tl::expected<void, StoreError> prepare_all();
  tl::expected<int64_t, StoreError> query_int(const char* sql);
  tl::expected<void, StoreError> step_done(sqlite3_stmt* stmt, const char* what);
  tl::expected<void, StoreError> write_change(const LeaseChange& change);
  tl::unexpected<StoreError> abandon(StoreError failure);
  void rollback_if_open();
  StoreError error(const std::string& what) const;
  static int count_commit(void* self);
  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void checkpoint_after_commit(sqlite3* db, const char* schema, uint32_t wal_pages);

  std::string path_;
  SqliteOptions options_;
  std::unique_ptr<sqlite3, DbCloser> db_;
  Statement begin_, commit_, rollback_, upsert_, erase_, select_all_;
  uint64_t transactions_ = 0;
  uint64_t reconnects_ = 0;
  uint64_t finishing_checkpoints_ = 0;
  uint64_t inline_checkpoints_ = 0;
  uint32_t last_wal_pages_ = 0;
  // Declared after db_, so it is destroyed (its thread stopped) first.
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace bs::store
