// Clean-shutdown marker. Both transitions fsync the directory, because the
// marker's existence is what a power cut must not get wrong.
#include "store/shutdown_marker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bs::store {
namespace {

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

tl::expected<void, std::string> sync_directory_of(const std::string& path) {
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(errno_text("open directory", directory));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return tl::unexpected(errno_text("fsync directory", directory));
  return {};
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
  }
  return "unknown";
}

std::string shutdown_marker_path(const std::string& database_path) {
  return database_path + ".clean-shutdown";
}

PreviousShutdown previous_shutdown(const std::string& database_path) {
  std::error_code ignored;
  if (!std::filesystem::exists(database_path, ignored)) return PreviousShutdown::FirstStart;
  if (std::filesystem::exists(shutdown_marker_path(database_path), ignored)) {
    return PreviousShutdown::Clean;
  }
  return PreviousShutdown::Unclean;
}

tl::expected<void, std::string> mark_running(const std::string& database_path) {
  const std::string marker = shutdown_marker_path(database_path);
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) {
    return tl::unexpected(errno_text("remove", marker));
  }
  return sync_directory_of(marker);
}

tl::expected<void, std::string> mark_clean_shutdown(const std::string& database_path) {
  const std::string marker = shutdown_marker_path(database_path);
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return tl::unexpected(errno_text("create", marker));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return tl::unexpected(errno_text("fsync", marker));
  return sync_directory_of(marker);
}

}  // namespace bs::store
