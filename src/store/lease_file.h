// The files of a memfile lease database and the steps that change them:
// reading one file row by row, creating the current file, Kea's lease file
// cleanup (LFC) with its .1/.2/.output/.completed files, and loading them in
// Kea's order. Every step that renames, links or removes is followed by an
// fsync of the directory, so a power cut between any two steps leaves a set
// of files that loads to the same leases (docs/ARCHITECTURE.md, "memfile").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "store/kea_csv.h"
#include "store/lease_store.h"

namespace bs::store {

// Kea's names (Memfile_LeaseMgr::appendSuffix) plus blackstart's side file.
struct LeaseFileNames {
  explicit LeaseFileNames(std::string path);
  std::string current;   // the file being appended to
  std::string input;     // .1: the current file as it was when the cleanup began
  std::string previous;  // .2: the result of the last cleanup
  std::string output;    // .output: the cleanup's result while it is written
  std::string finish;    // .completed: that result once complete
  std::string pid;       // .pid: Kea's kea-lfc while it runs
  std::string creating;  // .creating: a new current file before it gets its name
};

// What reading one file found. Torn rows are the debris of a write that a
// crash cut short (no '\n' at the end of the file, or zero bytes where the
// disk never got the data); bad rows are complete lines that do not parse,
// which Kea's max-row-errors limits.
struct FileScan {
  CsvLayout layout;
  bool empty = false;  // no header yet (a new or never-written file)
  uint64_t rows = 0;
  uint64_t bad_rows = 0;
  uint64_t torn_rows = 0;
  bool ends_with_newline = true;
  // Bytes up to and including the last '\n': where a torn tail begins.
  uint64_t complete_bytes = 0;
  std::string first_problem;  // "line 17: expire \"x\" is not a number"
};

using RowSink = std::function<void(std::string_view line, const CsvRow& row)>;

// Reads `path` row by row; `sink` gets every good row in file order. A
// missing or unreadable file, or one whose header is not Kea's, is an error.
// `header_only` stops after the header (the row counts stay 0) but still
// finds whether the file ends with a '\n'.
tl::expected<FileScan, StoreError> scan_lease_file(const std::string& path, const RowSink& sink,
                                                   bool header_only = false);

// A cut between the first two rotation steps leaves the current file with
// a second name, .1; this finishes that rotation (the current name goes) so
// that nothing is appended to the file a cleanup is reading.
tl::expected<void, StoreError> finish_interrupted_rotation(const LeaseFileNames& names);

// Creates `names.current` (which must not exist) holding only a header:
// written to the side file, fsync'd, renamed, directory fsync'd. Mode 0640.
tl::expected<void, StoreError> create_current_file(const LeaseFileNames& names,
                                                   const CsvLayout& layout);

// The steps of a cleanup, for tests that stop it between any two.
enum class CleanupStep : uint8_t {
  LinkInput,       // current -> .1 (a second name, then the directory fsync)
  UnlinkCurrent,   // the old current name goes (directory fsync)
  CreateCurrent,   // a fresh current file takes the name
  WriteOutput,     // .2 + .1 merged into .output, fsync'd
  RenameToFinish,  // .output -> .completed (directory fsync)
  RemovePrevious,  // .2 goes
  RemoveInput,     // .1 goes (directory fsync)
  LinkPrevious,    // .completed -> .2 (a second name, directory fsync)
  RemoveFinish,    // .completed goes (directory fsync)
};
const char* to_string(CleanupStep step);
// Returns false to stop before `step`, as a crash there would.
using StepGate = std::function<bool(CleanupStep step)>;

struct CleanupReport {
  uint64_t rows_read = 0;
  uint64_t leases_written = 0;
  uint64_t rows_skipped = 0;  // bad or torn rows left behind
  bool rotated = false;       // false: an unfinished cleanup was finished instead
  bool stopped = false;       // the gate or the stop flag ended it early
};

// Rotation, the part that runs between two commits (the appender must
// reopen the current file afterwards): if neither .1 nor .completed exists,
// the current file becomes .1 and a new current file is created. Kea's rule:
// a leftover .1 or .completed means an unfinished cleanup, which is finished
// first and the current file is left alone.
tl::expected<bool, StoreError> rotate_for_cleanup(const LeaseFileNames& names,
                                                  const CsvLayout& layout, const StepGate& gate);

// The rest, which touches no file the appender uses and so may run in a
// thread: .2 and .1 merged into .output, then renamed and swapped in as the
// new .2 (Kea's kea-lfc). `stop`, when set, ends it between two steps.
tl::expected<CleanupReport, StoreError> finish_cleanup(const LeaseFileNames& names,
                                                       const CsvLayout& layout,
                                                       const StepGate& gate,
                                                       const std::atomic<bool>* stop);

// Kea's load order: .completed if it exists, else .2 then .1; the current
// file last (it need not exist). `sink` sees every good row; the scans
// come back in that order, the current file's last.
struct LoadScan {
  std::vector<std::pair<std::string, FileScan>> files;
  uint64_t bad_rows() const;
  uint64_t torn_rows() const;
};
tl::expected<LoadScan, StoreError> scan_all_lease_files(const LeaseFileNames& names,
                                                        const RowSink& sink);

// A kea-lfc still running on these files (its .pid names a live process):
// Kea refuses to load then, and so does blackstart.
bool kea_cleanup_running(const LeaseFileNames& names);

}  // namespace bs::store
