// The fault-injecting VFS: every file method forwards to the real file that
// lives right behind our header in the same allocation; xWrite and xSync
// consult the armed plan first.
#include "fault_vfs.h"

#include <cerrno>
#include <cstring>
#include <string_view>

namespace bs::store::test {
namespace {

struct FaultFile {
  sqlite3_file base;  // must come first: SQLite sees only this
  sqlite3_file* real;
  const char* name;  // valid until xClose (SQLite guarantees it)
};

FaultPlan g_plan;
size_t g_injected = 0;
sqlite3_vfs* g_real = nullptr;

sqlite3_file* real(sqlite3_file* file) { return reinterpret_cast<FaultFile*>(file)->real; }

bool applies(sqlite3_file* file) {
  if (g_plan.only_suffix.empty()) return true;
  const char* name = reinterpret_cast<FaultFile*>(file)->name;
  return name != nullptr && std::string_view(name).ends_with(g_plan.only_suffix);
}

int inject(sqlite3_file* file, int error, int error_number) {
  if (error == SQLITE_OK || !applies(file)) return SQLITE_OK;
  ++g_injected;
  errno = error_number;
  return error;
}

int x_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int x_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return real(f)->pMethods->xRead(real(f), out, amount, offset);
}
int x_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  if (int rc = inject(f, g_plan.write_error, g_plan.write_errno); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xWrite(real(f), data, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  if (int rc = inject(f, g_plan.sync_error, g_plan.sync_errno); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xSync(real(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real(f)->pMethods->xFetch(real(f), offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real(f)->pMethods->xUnfetch(real(f), offset, page);
}

// Version 3 like the unix VFS's files, so WAL (xShm*) and mmap work.
const sqlite3_io_methods kMethods = {3,           x_close,          x_read,         x_write,
                                     x_truncate,  x_sync,           x_file_size,    x_lock,
                                     x_unlock,    x_check_reserved, x_file_control, x_sector_size,
                                     x_device,    x_shm_map,        x_shm_lock,     x_shm_barrier,
                                     x_shm_unmap, x_fetch,          x_unfetch};

int x_open(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* wrapper = reinterpret_cast<FaultFile*>(file);
  wrapper->real = reinterpret_cast<sqlite3_file*>(wrapper + 1);
  wrapper->name = name;
  if (g_plan.open_read_only && (flags & SQLITE_OPEN_MAIN_DB) != 0 &&
      (flags & SQLITE_OPEN_READWRITE) != 0) {
    ++g_injected;
    flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
  }
  const int rc = g_real->xOpen(g_real, name, wrapper->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set; set it only when the
  // real file is open, so a failed open is not closed twice.
  wrapper->base.pMethods = wrapper->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}

sqlite3_vfs make_vfs() {
  g_real = sqlite3_vfs_find(nullptr);
  sqlite3_vfs vfs = *g_real;
  vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_real->szOsFile;
  vfs.pNext = nullptr;
  vfs.zName = "bs-fault";
  vfs.xOpen = x_open;
  return vfs;
}

}  // namespace

const char* FaultVfs::name() {
  static sqlite3_vfs vfs = make_vfs();
  static const bool registered = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
  return registered ? vfs.zName : nullptr;
}

void FaultVfs::arm(FaultPlan plan) {
  g_plan = std::move(plan);
  g_injected = 0;
}

void FaultVfs::disarm() { g_plan = FaultPlan{}; }

size_t FaultVfs::injected() { return g_injected; }

}  // namespace bs::store::test
