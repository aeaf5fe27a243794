// SQLite WAL checkpoints off the packet path. By default SQLite folds the
// WAL back into the database file inside the COMMIT that pushes the WAL
// past 1,000 pages, so one batch in every few hundred waits for a copy of
// ~4 MiB and an fsync of the main file before its ACKs can leave. The
// checkpointer runs those checkpoints on its own thread and its own
// connection instead; the lease store's commit only asks for one.
//
// Durability is unchanged (docs/ARCHITECTURE.md, "WAL checkpoints"): a
// PASSIVE checkpoint copies only frames of committed, already fsync'd
// transactions, fsyncs the database file, and only then marks the frames as
// backfilled; the WAL is rewound only by a writer that finds every frame
// backfilled. A power cut at any point leaves each ACKed lease in the fsync'd
// WAL or in the fsync'd database file, and the next open replays the WAL.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/lease_store.h"

struct sqlite3;

namespace bs::store {

class WalCheckpointer {
 public:
  // Opens a second connection to the database at `path` (which must exist
  // and be in WAL mode) through `vfs`, and starts the thread.
  static tl::expected<std::unique_ptr<WalCheckpointer>, StoreError> start(const std::string& path,
                                                                          const char* vfs,
                                                                          bool fsync);
  // Stops the thread after any checkpoint in progress and closes the
  // connection (no checkpoint on close).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Never blocks: wakes the thread; requests made while one runs merge
  // into one more checkpoint.
  void request();
  // A checkpoint is running or asked for.
  bool busy() const { return busy_.load(std::memory_order_acquire); }
  // Frames of the WAL the last checkpoint had folded in (0: none since the
  // WAL was last rewound, see forget()).
  uint32_t backfilled_pages() const { return backfilled_.load(std::memory_order_acquire); }
  // The WAL was rewound: what the last checkpoint folded in is gone.
  void forget() { backfilled_.store(0, std::memory_order_release); }

  // Checkpoints run, and those SQLite reported an error for (the next
  // request tries again; a failing disk also fails the store's commits,
  // which is where it is reported).
  uint64_t completed() const { return completed_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  explicit WalCheckpointer(std::unique_ptr<sqlite3, DbCloser> db);
  void run();

  std::unique_ptr<sqlite3, DbCloser> db_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::atomic<bool> busy_{false};
  std::atomic<uint32_t> backfilled_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> failed_{0};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace bs::store
