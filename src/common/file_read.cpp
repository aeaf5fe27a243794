// Bounded file reads: a loop of read(2) that stops one byte past the limit,
// so the size of what a path yields never depends on the path.
#include "common/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "common/unique_fd.h"

namespace bs {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string too_large(size_t max_bytes) {
  return "the file is larger than " + std::to_string(max_bytes) + " bytes";
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string not_regular(mode_t mode) {
  return std::string("it is ") + kind_of(mode) + ", not a regular file";
}

tl::expected<std::string, std::string> read_all(int fd, size_t max_bytes) {
  std::string text;
  char buffer[8192];
  while (true) {
    const size_t room = max_bytes + 1 - text.size();
    const ssize_t count = ::read(fd, buffer, std::min(sizeof buffer, room));
    if (count < 0 && errno == EINTR) continue;
    // A directory opens fine and fails here with EISDIR.
    if (count < 0) return tl::unexpected(errno_text());
    if (count == 0) return text;
    text.append(buffer, static_cast<size_t>(count));
    if (text.size() > max_bytes) return tl::unexpected(too_large(max_bytes));
  }
}

}  // namespace

tl::expected<std::string, std::string> read_bounded_file(const std::string& path,
                                                         size_t max_bytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return tl::unexpected(errno_text());
  return read_all(fd.get(), max_bytes);
}

tl::expected<std::string, std::string> read_regular_file(const std::string& path,
                                                         size_t max_bytes) {
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0) return tl::unexpected(errno_text());
  if (!S_ISREG(before.st_mode)) return tl::unexpected(not_regular(before.st_mode));
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return tl::unexpected(errno_text());
  struct stat opened {};
  if (::fstat(fd.get(), &opened) != 0) return tl::unexpected(errno_text());
  if (!S_ISREG(opened.st_mode)) return tl::unexpected(not_regular(opened.st_mode));
  if (static_cast<uint64_t>(opened.st_size) > max_bytes)
    return tl::unexpected(too_large(max_bytes));
  return read_all(fd.get(), max_bytes);
}

}  // namespace bs
