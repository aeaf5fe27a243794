// config-write's file handling. The daemon runs as root, so "write the config
// to FILENAME" must not become "write any file": the target is the running
// config's own file or a new name in its directory, never a symbolic link,
// never the lease database or one of its companion files (WAL, SHM, journal,
// clean-shutdown marker, .creating and .corrupt- copies), by name or by
// device and inode. The text goes to a temporary file created with O_EXCL
// and O_NOFOLLOW under an unpredictable name, is fsync'd, renamed into place
// (without replacing anything when the name is new) and the directory fsync'd.
#pragma once

#include <string>
#include <tl/expected.hpp>

namespace bs::control {

struct ConfigWriteRequest {
  std::string running_path;   // the running config's file
  std::string wanted;         // "filename" as given; empty = running_path
  std::string database_path;  // the lease database, whose files are off limits
  std::string text;
};

// The absolute path written, or why nothing was written.
tl::expected<std::string, std::string> write_config_file(const ConfigWriteRequest& request);

}  // namespace bs::control
