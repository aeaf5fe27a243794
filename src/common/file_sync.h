// Making a name durable. A file's own fsync covers its bytes, not the
// directory entry that names it: after a create, rename or unlink, only an
// fsync of the directory makes the change survive a power cut. Every store,
// the HA state and journal, the shutdown marker and the disk reserve need
// this, so it lives here once; each caller words the failure in its own
// error type.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace bs {

// Why fsync_directory_of failed: the step ("open directory" or "fsync
// directory"), the directory, and the errno of that call.
struct DirectorySyncError {
  const char* step = "";
  std::string directory;
  int error_number = 0;
  std::string message() const;  // "fsync directory /var/lib/x/: Input/output error"
};

// fsync of the directory holding `path` ("." for a bare file name).
tl::expected<void, DirectorySyncError> fsync_directory_of(const std::string& path);

// "<what> <path>: <strerror(errno)>", read at the call.
std::string errno_message(std::string_view what, std::string_view path);

}  // namespace bs
