// The daemon's one-shot commands: check a config (-t), list the lease table
// (--show-leases), salvage a damaged database (--recover-db). Each prints
// its result and returns the process's exit code; none serves.
#pragma once

#include <string>
#include <tl/expected.hpp>

#include "config/config.h"

namespace bs::daemon {

// FILE:LINE: warning: ..., on stderr like the errors, so -t shows them.
void print_warnings(const config::Config& config);
// The parsed file, its warnings printed; or its error printed and exit code 1.
tl::expected<config::Config, int> load_or_report(const std::string& path);
// -t: the file, then this host (host_checks.h). Host problems are warnings
// (the file may be meant for another machine) unless `strict`.
int test_config(const std::string& path, bool strict);
int show_leases(const config::Config& config);
// FILE is the database, or a config whose lease database is recovered.
int recover_db(const std::string& file);

}  // namespace bs::daemon
