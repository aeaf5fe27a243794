/* LD_PRELOAD shim for the power-cut harness. A SIGKILL alone is not a power
 * cut: the page cache survives it, so everything a server wrote is still
 * there when it restarts. This shim records what would survive a real cut.
 * At every durability point of a file in $POWERCUT_DIR (fsync, fdatasync,
 * syncfs, sync) it copies that file's content into the durable image in
 * $POWERCUT_SNAPSHOT (snapshot.h); after the kill, `bs-powercut restore`
 * rebuilds the directory from the image, so every byte that was not synced
 * is gone. The real call runs first, so the server still pays the real
 * fsync's cost and the image is only updated once the data is on disk.
 *
 * Not durability points, and so not recorded: sync_file_range (flushes no
 * metadata and no disk cache) and msync (none of the servers under test
 * writes lease data through a shared mapping; SQLite's -shm is rebuilt on
 * open). O_SYNC/O_DSYNC writes are not modelled either; none of the three
 * servers opens its lease files that way (see tools/powercut/README.md). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot.h"

/* Only the interposed calls leave the library (see CMakeLists.txt). */
#define SHIM_EXPORT __attribute__((visibility("default")))

typedef int (*FdSyncFn)(int);
typedef void (*SyncFn)(void);

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static FdSyncFn g_real_fsync, g_real_fdatasync, g_real_syncfs;
static SyncFn g_real_sync;
static char g_dir[PATH_MAX];
static char g_snap[PATH_MAX];
static int g_enabled;

/* ISO C has no cast from dlsym's object pointer to a function pointer;
 * POSIX guarantees the representations match, so the bytes are copied. */
static FdSyncFn next_fd_sync(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  FdSyncFn fn;
  memcpy(&fn, &symbol, sizeof fn);
  return fn;
}

/* dlsym is resolved on first use, not in a constructor, so the shim works
 * however early in start-up the server first syncs. */
static void init_once(void) {
  g_real_fsync = next_fd_sync("fsync");
  g_real_fdatasync = next_fd_sync("fdatasync");
  g_real_syncfs = next_fd_sync("syncfs");
  void* symbol = dlsym(RTLD_NEXT, "sync");
  memcpy(&g_real_sync, &symbol, sizeof g_real_sync);
  const char* dir = getenv("POWERCUT_DIR");
  const char* snap = getenv("POWERCUT_SNAPSHOT");
  if (dir == NULL || snap == NULL) return;
  if (realpath(dir, g_dir) == NULL || realpath(snap, g_snap) == NULL) {
    fprintf(stderr, "powercut shim: cannot resolve POWERCUT_DIR or POWERCUT_SNAPSHOT\n");
    abort(); /* a silently inactive shim would make every cut look clean */
  }
  g_enabled = 1;
}

/* A failed update must not pass unnoticed either: the image would claim
 * less (or more) than the disk holds. */
static void die(const char* what, const char* path) {
  fprintf(stderr, "powercut shim: %s %s: %s\n", what, path, strerror(errno));
  abort();
}

/* The file name of `fd` if it lies directly in the watched directory, or
 * NULL. `deleted` is set for an unlinked file that is still open. */
static const char* name_in_dir(int fd, char* path, int* deleted) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, PATH_MAX - 1);
  if (n <= 0) return NULL;
  path[n] = '\0';
  static const char kDeleted[] = " (deleted)";
  const size_t len = (size_t)n, suffix = sizeof kDeleted - 1;
  *deleted = len > suffix && strcmp(path + len - suffix, kDeleted) == 0;
  if (*deleted) path[len - suffix] = '\0';
  const size_t dir_len = strlen(g_dir);
  if (strncmp(path, g_dir, dir_len) != 0 || path[dir_len] != '/') return NULL;
  const char* name = path + dir_len + 1;
  return strchr(name, '/') == NULL ? name : NULL;
}

static int is_watched_dir(int fd) {
  struct stat st, dir_st;
  return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && stat(g_dir, &dir_st) == 0 &&
         st.st_dev == dir_st.st_dev && st.st_ino == dir_st.st_ino;
}

static void record_fd(int fd) {
  if (is_watched_dir(fd)) {
    if (pc_save_listing(g_snap, g_dir) != 0) die("cannot save listing of", g_dir);
    return;
  }
  char path[PATH_MAX];
  int deleted = 0;
  const char* name = name_in_dir(fd, path, &deleted);
  struct stat st;
  if (name == NULL || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  char source[64];
  snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
  if (pc_save_file(g_snap, source, st.st_ino, deleted ? NULL : name) != 0) {
    die("cannot save", path);
  }
}

/* sync() and syncfs(): every file in the directory, then its names. */
static void record_all(void) {
  if (pc_baseline(g_dir, g_snap) != 0) die("cannot save", g_dir);
}

static int after_fd_sync(int fd, int rc) {
  if (rc == 0 && g_enabled) {
    const int saved = errno;
    record_fd(fd);
    errno = saved;
  }
  return rc;
}

SHIM_EXPORT int fsync(int fd) {
  pthread_once(&g_once, init_once);
  return after_fd_sync(fd, g_real_fsync(fd));
}

SHIM_EXPORT int fdatasync(int fd) {
  pthread_once(&g_once, init_once);
  return after_fd_sync(fd, g_real_fdatasync(fd));
}

SHIM_EXPORT int syncfs(int fd) {
  pthread_once(&g_once, init_once);
  const int rc = g_real_syncfs(fd);
  if (rc == 0 && g_enabled) record_all();
  return rc;
}

SHIM_EXPORT void sync(void) {
  pthread_once(&g_once, init_once);
  g_real_sync();
  if (g_enabled) record_all();
}
