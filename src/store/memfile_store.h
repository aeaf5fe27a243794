// The memfile lease store: Kea's CSV lease file, made durable. A batch of
// changes is one write() of its rows and one fdatasync() before commit()
// returns, so every ACK of the batch waits for one disk flush, as with
// SQLite. Kea's lease file cleanup runs every lfc-interval seconds: the
// rotation (a few renames and fsyncs) between two commits, the merge of
// the old files in a background thread (lease_file.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/lease_file.h"
#include "store/lease_store.h"

namespace bs::store {

class MemfileLeaseStore final : public LeaseStore {
 public:
  static tl::expected<std::unique_ptr<MemfileLeaseStore>, StoreError> open(
      const std::string& path, MemfileOptions options = {});
  ~MemfileLeaseStore() override;
  MemfileLeaseStore(const MemfileLeaseStore&) = delete;
  MemfileLeaseStore& operator=(const MemfileLeaseStore&) = delete;

  // Kea's load order (lease_file.h); the last row of an address wins and a
  // row with valid_lifetime 0 deletes it. Torn rows (a write a crash cut
  // short) are skipped and counted; other unreadable rows are skipped too,
  // but more than max-row-errors of them (when not 0) is an error, as in Kea.
  tl::expected<std::vector<Lease>, StoreError> load_all() override;
  // One write and one fdatasync per batch. After a failed write the file is
  // cut back to where the batch began and closed; the next call reopens it.
  tl::expected<void, StoreError> commit(std::span<const LeaseChange> changes) override;
  std::string describe() const override { return "memfile:" + names_.current; }

  // What the last load_all found, file by file.
  const LoadScan& last_load() const { return last_load_; }
  // write() and fdatasync() calls that carried batches; tests use them to
  // show that one batch is one write and one sync.
  uint64_t write_count() const { return writes_; }
  uint64_t sync_count() const { return syncs_; }
  // Starts a cleanup now, whatever the interval (false if one is running);
  // wait_for_cleanup() joins it and returns its report.
  bool start_cleanup();
  // True when no cleanup runs (or the one started has ended).
  bool cleanup_finished() const { return worker_done_; }
  std::optional<tl::expected<CleanupReport, StoreError>> wait_for_cleanup();
  // Tests stop a cleanup before a chosen step, as a crash there would.
  void set_step_gate(StepGate gate) { gate_ = std::move(gate); }
  // How long the last rotation held up its commit.
  std::chrono::microseconds last_rotation_time() const { return last_rotation_; }

 private:
  MemfileLeaseStore(std::string path, MemfileOptions options);
  tl::expected<void, StoreError> prepare_files();
  tl::expected<void, StoreError> ensure_open();
  tl::expected<void, StoreError> inspect_current();
  void close_file();
  void maybe_start_cleanup();
  void reap_worker();
  tl::unexpected<StoreError> fail_batch(StoreError failure, off_t batch_start);

  LeaseFileNames names_;
  MemfileOptions options_;
  StepGate gate_;
  int fd_ = -1;
  CsvLayout layout_;
  // Where the torn row at the end of the file begins, if it ends in one:
  // cut off before the next batch, so it never becomes a complete line
  // that the next load would count against max-row-errors.
  std::optional<uint64_t> torn_tail_at_;
  std::string batch_text_;  // the rows of the batch being committed
  LoadScan last_load_;
  uint64_t writes_ = 0;
  uint64_t syncs_ = 0;
  std::chrono::steady_clock::time_point next_cleanup_;
  std::chrono::microseconds last_rotation_{0};
  std::thread worker_;
  std::atomic<bool> worker_done_{true};
  std::atomic<bool> stop_{false};
  std::mutex report_mutex_;
  std::optional<tl::expected<CleanupReport, StoreError>> report_;
};

}  // namespace bs::store
