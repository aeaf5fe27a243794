// Directory fsync and errno wording (file_sync.h).
#include "common/file_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace bs {

std::string DirectorySyncError::message() const {
  return std::string(step) + " " + directory + ": " + std::strerror(error_number);
}

tl::expected<void, DirectorySyncError> fsync_directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return tl::unexpected(DirectorySyncError{"open directory", directory, errno});
  if (::fsync(fd.get()) != 0) {
    return tl::unexpected(DirectorySyncError{"fsync directory", std::move(directory), errno});
  }
  return {};
}

std::string errno_message(std::string_view what, std::string_view path) {
  const int saved = errno;
  std::string text(what);
  text += ' ';
  text += path;
  text += ": ";
  text += std::strerror(saved);
  return text;
}

}  // namespace bs
