// The disk reserve (disk_reserve.h). The file is allocated under a
// temporary name and renamed, so a power cut mid-way leaves either no
// reserve or a whole one (a leftover temporary is removed the next time).
#include "store/disk_reserve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_sync.h"
#include "store/db_file.h"

namespace bs::store {
namespace {

bool disk_full(int error) { return error == ENOSPC || error == EDQUOT; }

// Bytes an unprivileged writer may still use on the file system of `path`
// (f_bavail: the root-only part is not the lease file's to count on).
tl::expected<uint64_t, std::string> free_bytes_near(const std::string& path) {
  struct statvfs info {};
  std::string directory = path.substr(0, path.find_last_of('/') + 1);
  if (directory.empty()) directory = ".";
  if (::statvfs(directory.c_str(), &info) != 0)
    return tl::unexpected(errno_message("statvfs", path));
  return static_cast<uint64_t>(info.f_bavail) * static_cast<uint64_t>(info.f_frsize);
}

// Allocates `path` (new, size_bytes) and syncs it. false: the disk is full
// (nothing is left behind).
tl::expected<bool, std::string> allocate(const std::string& path, uint64_t size_bytes) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, kLeaseFileMode);
  if (fd < 0) return tl::unexpected(errno_message("create", path));
  // posix_fallocate returns the error instead of setting errno.
  int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(size_bytes));
  if (rc == 0 && ::fsync(fd) != 0) rc = errno;
  ::close(fd);
  if (rc == 0) return true;
  ::unlink(path.c_str());
  if (disk_full(rc)) return false;
  errno = rc;
  return tl::unexpected(errno_message("allocate", path));
}

}  // namespace

std::string disk_reserve_path(const std::string& database_path) {
  return database_path + ".reserve";
}

const char* to_string(ReserveState state) {
  switch (state) {
    case ReserveState::Held:
      return "held";
    case ReserveState::Created:
      return "created";
    case ReserveState::NoRoom:
      return "no room";
  }
  return "?";
}

tl::expected<ReserveState, std::string> keep_disk_reserve(const std::string& database_path,
                                                          uint64_t size_bytes) {
  const std::string path = disk_reserve_path(database_path);
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_blocks) * 512 >= size_bytes) {
    return ReserveState::Held;
  }
  auto free_bytes = free_bytes_near(path);
  if (!free_bytes) return tl::unexpected(free_bytes.error());
  // Twice its size: taking the last free half would only move the full
  // disk from the other writer to the lease file.
  if (*free_bytes < 2 * size_bytes) return ReserveState::NoRoom;
  const std::string temporary = path + ".tmp";
  auto allocated = allocate(temporary, size_bytes);
  if (!allocated) return tl::unexpected(allocated.error());
  if (!*allocated) return ReserveState::NoRoom;
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string failure = errno_message("rename", temporary);
    ::unlink(temporary.c_str());
    return tl::unexpected(failure);
  }
  if (auto synced = sync_directory_of(path); !synced) {
    return tl::unexpected(synced.error().message);
  }
  return ReserveState::Created;
}

tl::expected<uint64_t, std::string> release_disk_reserve(const std::string& database_path) {
  const std::string path = disk_reserve_path(database_path);
  ::unlink((path + ".tmp").c_str());  // a cut during an allocation's leftover
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return uint64_t{0};
    return tl::unexpected(errno_message("stat", path));
  }
  if (::unlink(path.c_str()) != 0) return tl::unexpected(errno_message("remove", path));
  // The room is there once the inode is gone; syncing the directory keeps
  // a power cut from bringing the file (and the full disk) back.
  if (auto synced = sync_directory_of(path); !synced) {
    return tl::unexpected(synced.error().message);
  }
  return static_cast<uint64_t>(info.st_blocks) * 512;
}

}  // namespace bs::store
