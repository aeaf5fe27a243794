// An SQLite VFS shim for tests: it wraps the default (unix) VFS and, while
// armed, makes writes or fsyncs fail the way a full or broken disk makes them
// fail (SQLITE_FULL with ENOSPC, SQLITE_IOERR_FSYNC with EIO), or opens
// database files read-only as a read-only file system does. The store
// under test is the real SqliteLeaseStore; only the bottom layer lies.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <string>
#include <utility>

namespace bs::store::test {

struct FaultPlan {
  int write_error = SQLITE_OK;  // e.g. SQLITE_FULL, SQLITE_IOERR_WRITE
  int write_errno = 0;          // what errno says meanwhile (ENOSPC, EIO)
  int sync_error = SQLITE_OK;   // e.g. SQLITE_IOERR_FSYNC
  int sync_errno = 0;
  // Database files open read-only, as the unix VFS falls back to when
  // open(O_RDWR) fails with EROFS on a read-only file system.
  bool open_read_only = false;
  std::string only_suffix = "";  // fail only files whose name ends so ("" = all)
};

class FaultVfs {
 public:
  // Registers the shim on first use (not as the default) and returns its
  // name for SqliteOptions::vfs.
  static const char* name();
  static void arm(FaultPlan plan);
  static void disarm();
  // Operations failed on purpose since the last arm().
  static size_t injected();
};

// Disarms on scope exit, so a failing assertion cannot leave faults armed
// for the next test.
struct ArmedFaults {
  explicit ArmedFaults(FaultPlan plan) { FaultVfs::arm(std::move(plan)); }
  ~ArmedFaults() { FaultVfs::disarm(); }
  ArmedFaults(const ArmedFaults&) = delete;
  ArmedFaults& operator=(const ArmedFaults&) = delete;
};

}  // namespace bs::store::test
