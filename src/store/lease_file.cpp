// memfile's files on disk. Kea's lease file cleanup renames files and never
// syncs; here every name change is made durable before the next step, and
// renames whose loss would lose data are done as link + fsync + unlink, so
// at no instant does a power cut leave the leases without a durable name.
#include "store/lease_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>

#include "store/db_file.h"

namespace bs::store {
namespace {

constexpr size_t kReadChunkBytes = size_t{1} << 20;
// A longer line is garbage, not a lease: it is skipped as a bad row rather
// than buffered without bound.
constexpr size_t kMaxLineBytes = size_t{256} << 10;
constexpr size_t kWriteChunkBytes = size_t{1} << 20;
constexpr mode_t kFileMode = 0640;

StoreError errno_error(const std::string& what, const std::string& path) {
  const int saved = errno;
  StoreError error{fmt::format("{} {}: {}", what, path, std::strerror(saved)), StoreFault::IoError};
  if (saved == ENOSPC || saved == EDQUOT) error.fault = StoreFault::DiskFull;
  if (saved == EROFS) error.fault = StoreFault::ReadOnly;
  if (saved == EACCES || saved == EPERM || saved == ENOENT) error.fault = StoreFault::Other;
  return error;
}

// Kea on Debian runs as _kea and owns /var/lib/kea. A file blackstart (as
// root) creates there takes the directory's owner, so an administrator can
// go back to Kea without a chown: Kea could not open a root-owned 0640 file.
tl::expected<void, StoreError> own_like_directory(int fd, const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  struct stat dir_info {};
  struct stat file_info {};
  if (::stat(directory.c_str(), &dir_info) != 0 || ::fstat(fd, &file_info) != 0) {
    return tl::unexpected(errno_error("stat", path));
  }
  if (dir_info.st_uid == file_info.st_uid && dir_info.st_gid == file_info.st_gid) return {};
  if (::fchown(fd, dir_info.st_uid, dir_info.st_gid) != 0) {
    return tl::unexpected(errno_error("chown", path));
  }
  return {};
}

// Creates (or truncates) `path` for writing, owned like its directory.
tl::expected<int, StoreError> create_lease_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kFileMode);
  if (fd < 0) return tl::unexpected(errno_error("create", path));
  if (auto owned = own_like_directory(fd, path); !owned) {
    ::close(fd);
    return tl::unexpected(owned.error());
  }
  return fd;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

tl::expected<void, StoreError> remove_if_present(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return tl::unexpected(errno_error("remove", path));
  }
  return {};
}

tl::expected<void, StoreError> write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return tl::unexpected(errno_error("write", path));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Writes `text` to a new file (replacing one of that name), fsync'd.
tl::expected<void, StoreError> write_new_file(const std::string& path, std::string_view text) {
  auto created = create_lease_file(path);
  if (!created) return tl::unexpected(created.error());
  const int fd = *created;
  auto written = write_all(fd, text, path);
  if (written && ::fsync(fd) != 0) written = tl::unexpected(errno_error("fsync", path));
  ::close(fd);
  return written;
}

// Splits a file into lines as it is read, in bounded memory.
class LineScanner {
 public:
  LineScanner(FileScan& scan, const RowSink& sink, bool header_only)
      : scan_(scan), sink_(sink), header_only_(header_only) {}

  void feed(std::string_view chunk) {
    while (!chunk.empty()) {
      const size_t newline = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, newline);
      if (!skipping_) {
        carry_.append(piece);
        if (carry_.size() > kMaxLineBytes) {
          skipping_ = true;
          carry_.clear();
        }
      }
      if (newline == std::string_view::npos) return;
      end_line(true);
      chunk.remove_prefix(newline + 1);
    }
  }

  void finish() {
    if (skipping_ || !carry_.empty()) end_line(false);
  }

  const std::string& error() const { return error_; }
  bool header_seen() const { return header_seen_; }

 private:
  void end_line(bool terminated) {
    ++line_number_;
    if (skipping_) {
      skipping_ = false;
      bad(terminated, "line longer than 256 KiB");
    } else if (!header_seen_) {
      header(terminated);
    } else if (!carry_.empty() && !header_only_) {
      row(terminated);
    }
    carry_.clear();
  }

  void header(bool terminated) {
    if (carry_.empty() && terminated) return;  // Kea skips blank lines
    // Nothing but zeros, or a header cut short: a file whose creation a
    // crash interrupted, which holds no lease yet.
    const bool zeros = carry_.find_first_not_of('\0') == std::string::npos;
    const std::string full = header_line(CsvLayout{12, 12});
    if (!terminated && (zeros || std::string_view(full).starts_with(carry_))) {
      scan_.empty = true;
      return;
    }
    auto layout = parse_header(carry_);
    if (!layout) {
      error_ = layout.error();
      return;
    }
    scan_.layout = *layout;
    scan_.empty = false;
    header_seen_ = true;
  }

  void row(bool terminated) {
    if (!terminated || carry_.find('\0') != std::string::npos) {
      ++scan_.torn_rows;
      note(fmt::format("line {}: torn row skipped (a write cut short)", line_number_));
      return;
    }
    auto decoded = decode_row(carry_, scan_.layout);
    if (!decoded) {
      bad(true, decoded.error());
      return;
    }
    ++scan_.rows;
    sink_(carry_, *decoded);
  }

  void bad(bool terminated, const std::string& why) {
    if (!terminated) {
      ++scan_.torn_rows;
    } else {
      ++scan_.bad_rows;
    }
    note(fmt::format("line {}: {}", line_number_, why));
  }

  void note(std::string problem) {
    if (scan_.first_problem.empty()) scan_.first_problem = std::move(problem);
  }

  FileScan& scan_;
  const RowSink& sink_;
  std::string carry_;
  std::string error_;
  size_t line_number_ = 0;
  bool header_only_;
  bool header_seen_ = false;
  bool skipping_ = false;
};

// The offset just past the last '\n' of an open file (0 if none), read
// backwards so that a large file costs one chunk.
tl::expected<uint64_t, StoreError> end_of_last_line(int fd, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return tl::unexpected(errno_error("stat", path));
  std::string buffer(kReadChunkBytes / 16, '\0');
  auto end = static_cast<uint64_t>(info.st_size);
  while (end > 0) {
    const uint64_t start = end > buffer.size() ? end - buffer.size() : 0;
    const auto want = static_cast<size_t>(end - start);
    if (::pread(fd, buffer.data(), want, static_cast<off_t>(start)) != static_cast<ssize_t>(want)) {
      return tl::unexpected(errno_error("read", path));
    }
    const size_t newline = std::string_view(buffer.data(), want).rfind('\n');
    if (newline != std::string_view::npos) return start + newline + 1;
    end = start;
  }
  return 0;
}

bool gate_open(const StepGate& gate, CleanupStep step) { return !gate || gate(step); }

tl::unexpected<StoreError> stopped_before(CleanupStep step) {
  return tl::unexpected(StoreError{fmt::format("cleanup stopped before {}", to_string(step))});
}

// The merge of .2 and .1: the last row of each address, in address order,
// carried over as written (Kea's columns this layout lacks get defaults).
tl::expected<CleanupReport, StoreError> write_output(const LeaseFileNames& names,
                                                     const CsvLayout& layout,
                                                     const std::atomic<bool>* stop) {
  CleanupReport report;
  std::map<uint32_t, std::string> latest;
  const RowSink keep = [&](std::string_view line, const CsvRow& row) {
    if (row.erase) {
      latest.erase(row.lease.address.value);
      return;
    }
    std::string& text = latest[row.lease.address.value];
    text.clear();
    append_fields(text, split_fields(line), layout);
  };
  for (const std::string* input : {&names.previous, &names.input}) {
    if (!exists(*input)) continue;
    auto scan = scan_lease_file(*input, keep);
    if (!scan) return tl::unexpected(scan.error());
    report.rows_read += scan->rows;
    report.rows_skipped += scan->bad_rows + scan->torn_rows;
  }
  auto created = create_lease_file(names.output);
  if (!created) return tl::unexpected(created.error());
  const int fd = *created;
  std::string buffer = header_line(layout);
  tl::expected<void, StoreError> written;
  for (const auto& [address, text] : latest) {
    buffer += text;
    if (buffer.size() >= kWriteChunkBytes) {
      written = write_all(fd, buffer, names.output);
      buffer.clear();
      if (!written || (stop != nullptr && stop->load())) break;
    }
  }
  if (written && !(stop != nullptr && stop->load())) written = write_all(fd, buffer, names.output);
  if (written && ::fsync(fd) != 0) written = tl::unexpected(errno_error("fsync", names.output));
  ::close(fd);
  if (!written) return tl::unexpected(written.error());
  report.leases_written = latest.size();
  if (stop != nullptr && stop->load()) report.stopped = true;
  return report;
}

// A second name for `from` under `to`, made durable: the data has a
// durable name before and after, unlike with rename(), whose two name
// changes a cut may tear apart.
tl::expected<void, StoreError> link_durably(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno != EEXIST) return tl::unexpected(errno_error("link " + from + " to", to));
    // A leftover from a cut after an earlier link: replace it.
    if (auto removed = remove_if_present(to); !removed) return removed;
    if (::link(from.c_str(), to.c_str()) != 0) {
      return tl::unexpected(errno_error("link " + from + " to", to));
    }
  }
  return sync_directory_of(to);
}

tl::expected<void, StoreError> unlink_durably(const std::string& path) {
  if (auto removed = remove_if_present(path); !removed) return removed;
  return sync_directory_of(path);
}

}  // namespace

LeaseFileNames::LeaseFileNames(std::string path)
    : current(std::move(path)),
      input(current + ".1"),
      previous(current + ".2"),
      output(current + ".output"),
      finish(current + ".completed"),
      pid(current + ".pid"),
      creating(current + ".creating") {}

const char* to_string(CleanupStep step) {
  switch (step) {
    case CleanupStep::LinkInput:
      return "link-input";
    case CleanupStep::UnlinkCurrent:
      return "unlink-current";
    case CleanupStep::CreateCurrent:
      return "create-current";
    case CleanupStep::WriteOutput:
      return "write-output";
    case CleanupStep::RenameToFinish:
      return "rename-to-finish";
    case CleanupStep::RemovePrevious:
      return "remove-previous";
    case CleanupStep::RemoveInput:
      return "remove-input";
    case CleanupStep::LinkPrevious:
      return "link-previous";
    case CleanupStep::RemoveFinish:
      return "remove-finish";
  }
  return "unknown";
}

tl::expected<FileScan, StoreError> scan_lease_file(const std::string& path, const RowSink& sink,
                                                   bool header_only) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(errno_error("open", path));
  FileScan scan;
  scan.empty = true;
  LineScanner scanner(scan, sink, header_only);
  std::string buffer(kReadChunkBytes, '\0');
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto failed = errno_error("read", path);
      ::close(fd);
      return tl::unexpected(failed);
    }
    if (n == 0) break;
    scanner.feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
    if (!scanner.error().empty() || (header_only && scanner.header_seen())) break;
  }
  if (!header_only || !scanner.header_seen()) scanner.finish();
  struct stat info {};
  auto complete = end_of_last_line(fd, path);
  const bool sized = ::fstat(fd, &info) == 0;
  ::close(fd);
  if (!complete) return tl::unexpected(complete.error());
  scan.complete_bytes = *complete;
  scan.ends_with_newline = !sized || static_cast<uint64_t>(info.st_size) == *complete;
  if (!scanner.error().empty()) {
    return tl::unexpected(StoreError{fmt::format("{}: {}", path, scanner.error())});
  }
  return scan;
}

tl::expected<void, StoreError> finish_interrupted_rotation(const LeaseFileNames& names) {
  struct stat current {
  }, input{};
  if (::stat(names.current.c_str(), &current) != 0 || ::stat(names.input.c_str(), &input) != 0 ||
      current.st_ino != input.st_ino || current.st_dev != input.st_dev) {
    return {};
  }
  return unlink_durably(names.current);
}

tl::expected<void, StoreError> create_current_file(const LeaseFileNames& names,
                                                   const CsvLayout& layout) {
  if (auto written = write_new_file(names.creating, header_line(layout)); !written) {
    (void)remove_if_present(names.creating);
    return written;
  }
  // The side file holds no lease, so replacing a current file that holds
  // none either (empty, or a header cut short) loses nothing.
  if (::rename(names.creating.c_str(), names.current.c_str()) != 0) {
    auto failed = errno_error("rename " + names.creating + " to", names.current);
    (void)remove_if_present(names.creating);
    return tl::unexpected(failed);
  }
  return sync_directory_of(names.current);
}

tl::expected<bool, StoreError> rotate_for_cleanup(const LeaseFileNames& names,
                                                  const CsvLayout& layout, const StepGate& gate) {
  if (exists(names.finish) || exists(names.input)) return false;
  if (!gate_open(gate, CleanupStep::LinkInput)) return stopped_before(CleanupStep::LinkInput);
  if (auto linked = link_durably(names.current, names.input); !linked) {
    return tl::unexpected(linked.error());
  }
  // The current name goes before a new file takes it: a name whose inode
  // changes in one step could come back from a cut as neither file.
  if (!gate_open(gate, CleanupStep::UnlinkCurrent))
    return stopped_before(CleanupStep::UnlinkCurrent);
  if (auto removed = unlink_durably(names.current); !removed) {
    return tl::unexpected(removed.error());
  }
  if (!gate_open(gate, CleanupStep::CreateCurrent))
    return stopped_before(CleanupStep::CreateCurrent);
  if (auto created = create_current_file(names, layout); !created) {
    return tl::unexpected(created.error());
  }
  return true;
}

tl::expected<CleanupReport, StoreError> finish_cleanup(const LeaseFileNames& names,
                                                       const CsvLayout& layout,
                                                       const StepGate& gate,
                                                       const std::atomic<bool>* stop) {
  CleanupReport report;
  const auto stopping = [&](CleanupStep step) {
    return (stop != nullptr && stop->load()) || !gate_open(gate, step);
  };
  if (!exists(names.finish)) {
    if (stopping(CleanupStep::WriteOutput)) return stopped_before(CleanupStep::WriteOutput);
    auto merged = write_output(names, layout, stop);
    if (!merged) return merged;
    report = *merged;
    if (report.stopped) return report;
    if (stopping(CleanupStep::RenameToFinish)) return stopped_before(CleanupStep::RenameToFinish);
    // Losing this rename to a cut loses nothing: .2 and .1 are still there.
    if (::rename(names.output.c_str(), names.finish.c_str()) != 0) {
      return tl::unexpected(errno_error("rename " + names.output + " to", names.finish));
    }
    if (auto synced = sync_directory_of(names.finish); !synced) {
      return tl::unexpected(synced.error());
    }
  }
  const std::pair<CleanupStep, std::function<tl::expected<void, StoreError>()>> steps[] = {
      {CleanupStep::RemovePrevious, [&] { return remove_if_present(names.previous); }},
      {CleanupStep::RemoveInput, [&] { return unlink_durably(names.input); }},
      {CleanupStep::LinkPrevious, [&] { return link_durably(names.finish, names.previous); }},
      {CleanupStep::RemoveFinish, [&] { return unlink_durably(names.finish); }},
  };
  for (const auto& [step, run] : steps) {
    if (stopping(step)) return stopped_before(step);
    if (auto done = run(); !done) return tl::unexpected(done.error());
  }
  return report;
}

uint64_t LoadScan::bad_rows() const {
  uint64_t total = 0;
  for (const auto& [name, scan] : files) total += scan.bad_rows;
  return total;
}

uint64_t LoadScan::torn_rows() const {
  uint64_t total = 0;
  for (const auto& [name, scan] : files) total += scan.torn_rows;
  return total;
}

tl::expected<LoadScan, StoreError> scan_all_lease_files(const LeaseFileNames& names,
                                                        const RowSink& sink) {
  std::vector<const std::string*> order;
  if (exists(names.finish)) {
    order = {&names.finish};
  } else {
    order = {&names.previous, &names.input};
  }
  order.push_back(&names.current);
  LoadScan load;
  for (const std::string* path : order) {
    if (!exists(*path)) continue;
    auto scan = scan_lease_file(*path, sink);
    if (!scan) return tl::unexpected(scan.error());
    load.files.emplace_back(*path, *scan);
  }
  return load;
}

bool kea_cleanup_running(const LeaseFileNames& names) {
  std::ifstream in(names.pid);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace bs::store
