// The clean-shutdown marker: a small file next to the lease database that
// exists only while the server is stopped cleanly. If the database exists
// but the marker does not, the last run ended in a crash or a power cut and
// the server starts in recovery mode. The marker also records the closed
// database file's identity (device, inode, size, mtime, ctime), so a file
// restored from an older backup, or edited while the server was stopped,
// is noticed too: the server cannot know which leases that file lacks.
#pragma once

#include <string>
#include <tl/expected.hpp>

namespace bs::store {

enum class PreviousShutdown {
  FirstStart,
  Clean,
  Unclean,  // no marker: a crash or a power cut
  Changed,  // a marker, but the database file is not the one it describes
};
const char* to_string(PreviousShutdown previous);

// "<database>.clean-shutdown"
std::string shutdown_marker_path(const std::string& database_path);

// What the last run left behind. Call before opening the database. A
// missing file with memfile's cleanup files (.1, .2, .completed) beside it
// is an unclean shutdown too.
PreviousShutdown previous_shutdown(const std::string& database_path);

// Removes the marker durably (file and directory entry), so that a crash
// from now on is detected at the next start.
tl::expected<void, std::string> mark_running(const std::string& database_path);

// Writes the marker durably; the last thing a clean shutdown does, after
// the database is closed (closing checkpoints the WAL into the file).
tl::expected<void, std::string> mark_clean_shutdown(const std::string& database_path);

}  // namespace bs::store
