// Where the daemon's log goes: Kea's "loggers" settings as far as blackstart
// has one log (its first logger's severity and output_options), and the
// default without them: stderr, with a "<N>" priority prefix in place of the
// timestamp when stderr is systemd's journal ($JOURNAL_STREAM), so that
// `journalctl -p warning` works and journald's own timestamps are not
// doubled. Outputs are "stdout", "stderr", "syslog[:FACILITY]" or a file
// path rotated at maxsize bytes keeping maxver old files, as in Kea.
#pragma once

#include <spdlog/common.h>

#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "config/config.h"

namespace bs::daemon {

// Replaces the default logger's sinks with the configured outputs and sets
// its level. Files are opened here, so call it as the user the daemon runs as.
tl::expected<void, std::string> open_log_outputs(const config::Config& config);

// Whether $JOURNAL_STREAM ("DEV:INODE") names the file open on `fd`.
bool fd_is_journal_stream(int fd);

// "local0" ... "local7", "daemon", "user": syslog(3)'s facility; -1 if unknown.
int syslog_facility(const std::string& name);

}  // namespace bs::daemon
