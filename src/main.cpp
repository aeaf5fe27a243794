// blackstart's entry point: the command line. What the daemon does (its
// start-up decisions, loop, reload and shutdown) is src/daemon/daemon.h;
// the one-shot commands (-t, --show-leases, --recover-db) are
// src/daemon/one_shot.h.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "control/running_config.h"
#include "daemon/daemon.h"
#include "daemon/linux_platform.h"
#include "daemon/one_shot.h"

int main(int argc, char** argv) {
  // Everything the daemon creates (lease database, WAL, SHM, marker, written
  // configs, recovered databases) holds MACs, hostnames or credentials: no
  // access for others whatever the caller's umask. The store and
  // config-write also set modes explicitly; this is the backstop.
  ::umask(027);
  CLI::App app{"blackstart: a DHCPv4 server that never forgets a lease"};
  std::string config_path, test_path, recover_path;
  bool show = false, strict = false;
  app.add_option("-c,--config", config_path, "run the server with this Kea-style Dhcp4 JSON file");
  app.add_option("-t,--test-config", test_path, "check a config file and exit (0 = valid)");
  app.add_flag("--strict", strict,
               "with -t: what -c would fail on at this host (lease directory, interfaces, "
               "control socket, script) is an error (exit 1), not a warning");
  app.add_flag("--show-leases", show, "print the lease table of -c's lease database and exit");
  app.add_option("--recover-db", recover_path,
                 "salvage a damaged lease database (FILE: the database, or a config naming it): "
                 "readable rows go to a new file, the old one is kept as FILE.corrupt-<time>")
      ->type_name("FILE");
  app.set_version_flag("-V,--version", "blackstart 0.1.0");
  CLI11_PARSE(app, argc, argv);

  if (!test_path.empty()) return bs::daemon::test_config(test_path, strict);
  if (!recover_path.empty()) return bs::daemon::recover_db(recover_path);
  if (config_path.empty()) {
    std::fprintf(stderr,
                 "blackstart: -c FILE, -t FILE or --recover-db FILE is required (see --help)\n");
    return 2;
  }
  if (show) {
    auto config = bs::daemon::load_or_report(config_path);
    if (!config) return config.error();
    return bs::daemon::show_leases(*config);
  }
  // The control API's config-get shows this very text, so it is read once.
  auto running = bs::control::load_running_config(config_path);
  if (!running) {
    std::fprintf(stderr, "%s\n", running.error().to_string().c_str());
    return 1;
  }
  bs::daemon::print_warnings(running->config);
  bs::daemon::LinuxPlatform platform;
  auto daemon = bs::daemon::Daemon::start(std::move(*running), platform);
  if (!daemon) return 1;
  // Every socket is bound and the leases are loaded (daemon.h): from here
  // on nothing needs privileges.
  return (*daemon)->run();
}
