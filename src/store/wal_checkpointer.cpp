// The WAL checkpointer's thread: one PASSIVE checkpoint per wake-up, on a
// connection of its own (see wal_checkpointer.h for the durability
// argument).
#include "store/wal_checkpointer.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace bs::store {

namespace {

// A checkpoint waits this long for a lock held by an operator's shell; the
// next request tries again.
constexpr int kBusyTimeout_ms = 2000;

}  // namespace

void WalCheckpointer::DbCloser::operator()(sqlite3* db) const {
  // The store's own connection folds the WAL in when it needs to; a
  // checkpoint on close here would be one more write on a failing disk.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_close_v2(db);
}

tl::expected<std::unique_ptr<WalCheckpointer>, StoreError> WalCheckpointer::start(
    const std::string& path, const char* vfs, bool fsync) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return tl::unexpected(StoreError{fmt::format("{}: checkpointer cannot open: {}", path,
                                                 raw ? sqlite3_errmsg(raw) : "out of memory")});
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeout_ms);
  // The checkpoint fsyncs the database file before it marks frames as
  // backfilled only when synchronous is not OFF.
  const char* sync = fsync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF";
  if (sqlite3_exec(db.get(), sync, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return tl::unexpected(StoreError{fmt::format("{}: checkpointer cannot set synchronous: {}",
                                                 path, sqlite3_errmsg(db.get()))});
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(db)));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<sqlite3, DbCloser> db)
    : db_(std::move(db)), thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::request() {
  {
    const std::lock_guard lock(mutex_);
    requested_ = true;
    busy_.store(true, std::memory_order_release);
  }
  wake_.notify_one();
}

void WalCheckpointer::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return requested_ || stopping_; });
      if (stopping_) return;
      requested_ = false;
    }
    int wal_frames = 0;
    int backfilled = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                             &wal_frames, &backfilled);
    if (rc == SQLITE_OK) {
      backfilled_.store(backfilled > 0 ? static_cast<uint32_t>(backfilled) : 0,
                        std::memory_order_release);
      completed_.fetch_add(1, std::memory_order_relaxed);
    } else {
      failed_.fetch_add(1, std::memory_order_relaxed);
    }
    const std::lock_guard lock(mutex_);
    if (!requested_) busy_.store(false, std::memory_order_release);
  }
}

}  // namespace bs::store
