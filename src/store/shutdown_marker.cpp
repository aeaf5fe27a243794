// Clean-shutdown marker. Both transitions fsync the directory, because the
// marker's existence is what a power cut must not get wrong.
#include "store/shutdown_marker.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file_sync.h"

namespace bs::store {
namespace {

tl::expected<void, std::string> sync_directory_of(const std::string& path) {
  auto synced = fsync_directory_of(path);
  if (!synced) return tl::unexpected(synced.error().message());
  return {};
}

// One line describing the database file; empty if it cannot be read. ctime
// is set by the kernel on every write and cannot be forged by cp -p.
std::string database_identity(const std::string& database_path) {
  struct stat info {};
  if (::stat(database_path.c_str(), &info) != 0) return {};
  return fmt::format("dev={} ino={} size={} mtime={}.{:09} ctime={}.{:09}\n",
                     static_cast<uint64_t>(info.st_dev), static_cast<uint64_t>(info.st_ino),
                     static_cast<int64_t>(info.st_size), static_cast<int64_t>(info.st_mtim.tv_sec),
                     info.st_mtim.tv_nsec, static_cast<int64_t>(info.st_ctim.tv_sec),
                     info.st_ctim.tv_nsec);
}

std::string read_marker(const std::string& marker_path) {
  std::ifstream in(marker_path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

const char* to_string(PreviousShutdown previous) {
  switch (previous) {
    case PreviousShutdown::FirstStart:
      return "first start";
    case PreviousShutdown::Clean:
      return "clean";
    case PreviousShutdown::Unclean:
      return "unclean";
    case PreviousShutdown::Changed:
      return "database changed while stopped";
  }
  return "unknown";
}

std::string shutdown_marker_path(const std::string& database_path) {
  return database_path + ".clean-shutdown";
}

PreviousShutdown previous_shutdown(const std::string& database_path) {
  std::error_code ignored;
  if (!std::filesystem::exists(database_path, ignored)) {
    // memfile's cleanup files without the current file: a cut in the middle
    // of a rotation (lease_file.h), not a first start.
    for (const char* suffix : {".1", ".2", ".completed"}) {
      if (std::filesystem::exists(database_path + suffix, ignored))
        return PreviousShutdown::Unclean;
    }
    return PreviousShutdown::FirstStart;
  }
  const std::string marker = shutdown_marker_path(database_path);
  if (!std::filesystem::exists(marker, ignored)) return PreviousShutdown::Unclean;
  // A marker written before it carried the identity says only "clean".
  const std::string recorded = read_marker(marker);
  if (recorded.empty() || recorded == database_identity(database_path)) {
    return PreviousShutdown::Clean;
  }
  return PreviousShutdown::Changed;
}

tl::expected<void, std::string> mark_running(const std::string& database_path) {
  const std::string marker = shutdown_marker_path(database_path);
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) {
    return tl::unexpected(errno_message("remove", marker));
  }
  return sync_directory_of(marker);
}

tl::expected<void, std::string> mark_clean_shutdown(const std::string& database_path) {
  const std::string marker = shutdown_marker_path(database_path);
  const std::string identity = database_identity(database_path);
  // 0640 as every lease store file (kLeaseFileMode): it names the database.
  const int fd =
      ::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) return tl::unexpected(errno_message("create", marker));
  const bool written =
      ::write(fd, identity.data(), identity.size()) == static_cast<ssize_t>(identity.size());
  const int rc = written ? ::fsync(fd) : -1;
  ::close(fd);
  if (rc != 0) return tl::unexpected(errno_message("fsync", marker));
  return sync_directory_of(marker);
}

}  // namespace bs::store
