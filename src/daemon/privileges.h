// The switch from root to the configured "run-as" user. Started as root
// without systemd's User=, blackstart switches identity (supplementary
// groups, gid, uid) before it opens anything by path, keeping only the two
// capabilities its sockets need, CAP_NET_RAW (packet sockets: replies to
// clients without an address, ARP and ICMP probes, the rogue-server
// listener) and CAP_NET_BIND_SERVICE (port 67), and sets no_new_privs. The
// bounding set is cut to the same two, so nothing it executes (the
// run_script hook) can ever regain more. Started as any other user, as
// under systemd's User= with AmbientCapabilities, it changes nothing.
//
// The switch comes before the lease store, the control sockets and the log
// files are opened, not after: files the daemon creates as root would be
// root's, and the store's reopen after a disk fault, the memfile cleanup's
// rotation or the log rotation, all done later as the user, would fail on
// them. Opening everything as the user makes a start that works the proof
// that those later reopens work too.
#pragma once

#include <linux/capability.h>
#include <sys/types.h>

#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "config/config.h"

namespace bs::daemon {

// The capabilities blackstart keeps after the switch.
std::vector<int> kept_capabilities();
// The capabilities 0..last_cap to remove from the bounding set: all others.
std::vector<int> bounding_set_drops(int last_cap);
// libcap's text for the kept set in permitted and effective, e.g.
// "cap_net_bind_service,cap_net_raw=ep".
std::string kept_capabilities_text();

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
  std::string group;
};
// The user and group of "run-as" (group: the user's primary group if unset).
tl::expected<Account, std::string> resolve_account(const config::RunAs& run_as);

// The switch (see above). Returns the line to log about it, or why the
// daemon must not start. Must run before any thread is started: capability
// sets are per thread.
tl::expected<std::string, std::string> drop_privileges(const config::RunAs& run_as);

// Under systemd's AmbientCapabilities= the ambient set would pass the
// socket capabilities on to every program blackstart runs (the run_script
// hook); clearing it keeps them in this process only.
void clear_ambient_capabilities();

// "uid=U gid=G caps=TEXT": what the process runs with now.
std::string describe_process_credentials();

// The daemon's start as its user: the switch, then the log outputs opened
// as that user, then the checks that what the user will need later (the
// lease database's directory for reopens and rotation, the config file for
// SIGHUP) is there, each problem said in one line. An error stops the start.
tl::expected<void, std::string> start_as_configured_user(const config::Config& config,
                                                         const std::string& config_path);

}  // namespace bs::daemon
