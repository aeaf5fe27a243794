// `blackstart import`: bring an ISC dhcpd installation over. With a lease
// file it writes dhcpd's active leases into the lease store a config names
// (by default Kea's memfile path) and reports what it took and skipped;
// with --dhcpd-conf it prints dhcpd.conf translated to Kea-format JSON and
// names every line it could not translate on stderr.
#pragma once

namespace bs::import {

// argv[0] is "import". Returns the process exit code: 0 all read and
// written, 1 an error (a diagnostic in the file, or the store failed),
// 2 a usage error.
int run_import_cli(int argc, char** argv);

}  // namespace bs::import
