// Reading the small files a configuration points at, with bounds. The daemon
// runs as root and a config can reach it from the control API (config-test,
// config-reload after config-write), so a path in it is untrusted: /dev/zero
// must not grow the process until the OOM killer comes, a FIFO must not
// block the thread that reads it, and opening a device must not happen at
// all (opening /dev/watchdog arms it, opening a tape device rewinds it).
#pragma once

#include <cstddef>
#include <string>
#include <tl/expected.hpp>

namespace bs {

// The whole file, if it is at most `max_bytes`; any file type that can be
// read (a pipe from the shell's <(...) works). The error says why, in words.
tl::expected<std::string, std::string> read_bounded_file(const std::string& path, size_t max_bytes);

// Like read_bounded_file, but only a regular file (a symbolic link to one is
// fine): anything else is refused before it is opened, and the open is
// non-blocking so a file swapped for a FIFO in between cannot stall.
tl::expected<std::string, std::string> read_regular_file(const std::string& path, size_t max_bytes);

}  // namespace bs
