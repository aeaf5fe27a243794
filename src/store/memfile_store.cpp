// The memfile store. The durability argument: a batch's rows reach the file
// in one append and fdatasync() returns before commit() does; a cut before
// that leaves at most a torn tail, which loading skips and the next append
// steps over with a '\n'. Compaction never rewrites the file being
// appended to (lease_file.h), so the append path needs no lock.
#include "store/memfile_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "store/db_file.h"
#include "store/shutdown_marker.h"

namespace bs::store {
namespace {

StoreError errno_error(const std::string& what, const std::string& path) {
  const int saved = errno;
  StoreError error{fmt::format("{} {}: {}", what, path, std::strerror(saved)), StoreFault::IoError};
  if (saved == ENOSPC || saved == EDQUOT) error.fault = StoreFault::DiskFull;
  if (saved == EROFS) error.fault = StoreFault::ReadOnly;
  return error;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// New and rotated files keep the columns a file already has, but never
// fewer than Kea 2.2's and never a newer Kea's unknown ones.
CsvLayout fresh_layout(const CsvLayout& old) {
  const size_t columns = std::max(std::min(old.known, kKeaLease4Columns.size()), kNewFileColumns);
  return {columns, columns};
}

}  // namespace

tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_memfile_store(const std::string& path,
                                                                         MemfileOptions options) {
  auto store = MemfileLeaseStore::open(path, options);
  if (!store) return tl::unexpected(store.error());
  return std::unique_ptr<LeaseStore>(std::move(*store));
}

tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_lease_store(
    const config::LeaseDatabase& database) {
  if (database.is_memfile()) {
    return open_memfile_store(database.name, {.fsync = database.fsync,
                                              .lfc_interval_s = database.lfc_interval_s,
                                              .max_row_errors = database.max_row_errors});
  }
  if (database.is_postgresql()) {
    return open_pg_store({.host = database.host,
                          .port = database.port,
                          .name = database.name,
                          .user = database.user,
                          .password = database.password,
                          .connect_timeout_s = database.connect_timeout_s,
                          .fsync = database.fsync});
  }
  return open_sqlite_store(database.name, {.fsync = database.fsync});
}

MemfileLeaseStore::MemfileLeaseStore(std::string path, MemfileOptions options)
    : names_(std::move(path)), options_(options) {}

MemfileLeaseStore::~MemfileLeaseStore() {
  // Every step of a cleanup leaves loadable files, so it may stop anywhere.
  stop_ = true;
  if (worker_.joinable()) worker_.join();
  close_file();
}

tl::expected<std::unique_ptr<MemfileLeaseStore>, StoreError> MemfileLeaseStore::open(
    const std::string& path, MemfileOptions options) {
  std::unique_ptr<MemfileLeaseStore> store(new MemfileLeaseStore(path, options));
  if (auto prepared = store->prepare_files(); !prepared) return tl::unexpected(prepared.error());
  if (auto opened = store->ensure_open(); !opened) return tl::unexpected(opened.error());
  const auto now = std::chrono::steady_clock::now();
  // An unfinished cleanup (a crash, or a kea-lfc that died) is finished at
  // the first commit rather than an interval later.
  const bool unfinished = exists(store->names_.input) || exists(store->names_.finish);
  store->next_cleanup_ = unfinished ? now : now + std::chrono::seconds(options.lfc_interval_s);
  return store;
}

tl::expected<void, StoreError> MemfileLeaseStore::prepare_files() {
  if (kea_cleanup_running(names_)) {
    return tl::unexpected(StoreError{fmt::format(
        "{}: Kea's lease file cleanup (kea-lfc, {}) is still running on this file; start again "
        "once it has finished",
        names_.current, names_.pid)});
  }
  if (auto finished = finish_interrupted_rotation(names_); !finished) return finished;
  const bool has_current = exists(names_.current);
  if (!has_current && !exists(names_.input) && !exists(names_.previous) && !exists(names_.finish)) {
    // No lease file at all, yet a clean-shutdown marker: someone removed it.
    return check_missing_database(names_.current);
  }
  return {};
}

tl::expected<void, StoreError> MemfileLeaseStore::inspect_current() {
  const RowSink ignore = [](std::string_view, const CsvRow&) {};
  auto scan = scan_lease_file(names_.current, ignore, true);
  if (!scan) return tl::unexpected(scan.error());
  if (scan->empty) {
    // Empty, or a header cut short: nothing to lose, start it afresh.
    layout_ = fresh_layout(layout_);
    return create_current_file(names_, layout_);
  }
  layout_ = scan->layout;
  torn_tail_at_.reset();
  if (!scan->ends_with_newline) torn_tail_at_ = scan->complete_bytes;
  return {};
}

tl::expected<void, StoreError> MemfileLeaseStore::ensure_open() {
  if (fd_ >= 0) return {};
  if (auto finished = finish_interrupted_rotation(names_); !finished) return finished;
  if (!exists(names_.current)) {
    layout_ = fresh_layout(layout_);
    if (auto created = create_current_file(names_, layout_); !created) return created;
  } else if (auto inspected = inspect_current(); !inspected) {
    return inspected;
  }
  fd_ = ::open(names_.current.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return tl::unexpected(errno_error("open", names_.current));
  return {};
}

void MemfileLeaseStore::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

tl::expected<std::vector<Lease>, StoreError> MemfileLeaseStore::load_all() {
  std::unordered_map<uint32_t, Lease> leases;
  const RowSink apply = [&](std::string_view, const CsvRow& row) {
    if (row.erase) {
      leases.erase(row.lease.address.value);
    } else {
      leases.insert_or_assign(row.lease.address.value, row.lease);
    }
  };
  auto load = scan_all_lease_files(names_, apply);
  if (!load) return tl::unexpected(load.error());
  last_load_ = std::move(*load);
  for (const auto& [file, scan] : last_load_.files) {
    if (scan.bad_rows + scan.torn_rows == 0) continue;
    spdlog::warn("{}: skipped {} unreadable and {} torn rows (first: {})", file, scan.bad_rows,
                 scan.torn_rows, scan.first_problem);
  }
  const uint64_t bad = last_load_.bad_rows();
  if (options_.max_row_errors > 0 && bad > options_.max_row_errors) {
    return tl::unexpected(
        StoreError{fmt::format("{}: {} unreadable rows, more than max-row-errors ({}) allows",
                               names_.current, bad, options_.max_row_errors),
                   StoreFault::Corrupt});
  }
  std::vector<Lease> result;
  result.reserve(leases.size());
  for (auto& [address, lease] : leases) result.push_back(std::move(lease));
  return result;
}

tl::expected<void, StoreError> MemfileLeaseStore::commit(std::span<const LeaseChange> changes) {
  if (auto checked = check_changes(changes); !checked) {
    return tl::unexpected(
        StoreError{fmt::format("{}: {}", names_.current, checked.error().message)});
  }
  if (changes.empty()) return {};
  maybe_start_cleanup();
  if (auto opened = ensure_open(); !opened) return opened;
  // Reused: its capacity grows to the largest batch and stays, so a commit
  // allocates nothing here after the first few.
  std::string& text = batch_text_;
  text.clear();
  text.reserve(changes.size() * 128);
  if (torn_tail_at_) {
    // It was never synced (batches end in '\n'), so it was never promised.
    // If it cannot be cut off, a '\n' at least keeps it from swallowing
    // this batch's first row.
    if (::ftruncate(fd_, static_cast<off_t>(*torn_tail_at_)) != 0) text.push_back('\n');
  }
  for (const LeaseChange& change : changes) {
    if (change.after) {
      append_row(text, *change.after, layout_);
    } else {
      append_erase_row(text, change.address, change.before, layout_);
    }
  }
  struct stat info {};
  if (::fstat(fd_, &info) != 0) return fail_batch(errno_error("stat", names_.current), -1);
  const off_t batch_start = info.st_size;
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail_batch(errno_error("write", names_.current), batch_start);
    rest.remove_prefix(static_cast<size_t>(n));
  }
  ++writes_;
  if (options_.fsync) {
    if (::fdatasync(fd_) != 0) {
      return fail_batch(errno_error("fdatasync", names_.current), batch_start);
    }
    ++syncs_;
  }
  torn_tail_at_.reset();
  return {};
}

tl::unexpected<StoreError> MemfileLeaseStore::fail_batch(StoreError failure, off_t batch_start) {
  // Best effort: rows of a failed batch must not come back at the next
  // start; if the cut fails, the reopened file steps over what is left.
  if (batch_start >= 0) (void)::ftruncate(fd_, batch_start);
  close_file();
  return tl::unexpected(std::move(failure));
}

void MemfileLeaseStore::reap_worker() {
  if (!worker_.joinable() || !worker_done_) return;
  worker_.join();
  std::lock_guard lock(report_mutex_);
  if (!report_) return;
  if (*report_) {
    spdlog::info("{}: lease file cleanup done: {} rows read, {} leases kept, {} rows skipped",
                 names_.current, (*report_)->rows_read, (*report_)->leases_written,
                 (*report_)->rows_skipped);
  } else {
    spdlog::warn("{}: lease file cleanup failed: {}", names_.current, report_->error().message);
  }
}

void MemfileLeaseStore::maybe_start_cleanup() {
  reap_worker();
  if (options_.lfc_interval_s == 0 || worker_.joinable()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_cleanup_) return;
  next_cleanup_ = now + std::chrono::seconds(options_.lfc_interval_s);
  (void)start_cleanup();
}

bool MemfileLeaseStore::start_cleanup() {
  reap_worker();
  if (worker_.joinable()) return false;
  // The rotation renames the file this thread appends to, so it runs here,
  // between two batches; it costs a few directory fsyncs.
  const auto began = std::chrono::steady_clock::now();
  if (fd_ >= 0 || exists(names_.current)) {
    const CsvLayout next = fresh_layout(layout_);
    auto rotated = rotate_for_cleanup(names_, next, gate_);
    if (!rotated) {
      spdlog::warn("{}: lease file cleanup not started: {}", names_.current,
                   rotated.error().message);
      close_file();  // reopened (or recreated) by the next commit
      return false;
    }
    if (*rotated) {
      close_file();
      layout_ = next;
    }
  }
  last_rotation_ = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - began);
  // A thread rather than Kea's separate kea-lfc process: it shares no
  // state with the appender but the file names, needs no helper binary, and
  // the destructor can stop it between two steps (docs/ARCHITECTURE.md).
  worker_done_ = false;
  {
    std::lock_guard lock(report_mutex_);
    report_.reset();
  }
  try {
    worker_ = std::thread([this, layout = fresh_layout(layout_)] {
      auto report = finish_cleanup(names_, layout, gate_, &stop_);
      std::lock_guard lock(report_mutex_);
      report_ = std::move(report);
      worker_done_ = true;
    });
  } catch (const std::system_error& failure) {
    // No thread now: the files stay as they are and the next interval tries again.
    worker_done_ = true;
    spdlog::warn("{}: lease file cleanup not started: {}", names_.current, failure.what());
    return false;
  }
  return true;
}

std::optional<tl::expected<CleanupReport, StoreError>> MemfileLeaseStore::wait_for_cleanup() {
  if (worker_.joinable()) worker_.join();
  std::lock_guard lock(report_mutex_);
  return report_;
}

}  // namespace bs::store
