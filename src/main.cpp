// blackstart's entry point: the command line. What the daemon does (its
// start-up decisions, loop, reload and shutdown) is src/daemon/daemon.h;
// the one-shot commands (-t, --show-leases, --recover-db) are
// src/daemon/one_shot.h; `blackstart import` is src/import, `blackstart
// drill` a script (docs/DRILL.md).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "config/key_listing.h"
#include "control/running_config.h"
#include "daemon/daemon.h"
#include "daemon/linux_platform.h"
#include "daemon/one_shot.h"
#include "daemon/privileges.h"
#include "daemon/startup_timing.h"
#include "daemon/systemd_notify.h"
#include "import/import_cli.h"

namespace {

// `blackstart drill ...` is the outage drill (docs/DRILL.md), a script kept
// beside the build: BLACKSTART_DRILL, else <this binary's dir>/../drill/drill.
int exec_drill(char** argv) {
  const char* given = std::getenv("BLACKSTART_DRILL");
  const std::string drill =
      given != nullptr
          ? given
          : (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "../drill/drill")
                .string();
  argv[1] = const_cast<char*>(drill.c_str());
  ::execv(drill.c_str(), argv + 1);
  std::fprintf(stderr, "blackstart: cannot run the drill %s: %s\n", drill.c_str(),
               std::strerror(errno));
  return 2;
}

// Started as root with "run-as", the switch comes first, before the daemon
// opens anything by path, so every file it creates is the user's
// (daemon/privileges.h); the sockets need only the two capabilities kept.
int serve(bs::control::RunningConfig running, bs::daemon::StartupTiming& timing) {
  if (auto started = bs::daemon::start_as_configured_user(running.config, running.path); !started) {
    spdlog::critical("{}", started.error());
    return 1;
  }
  timing.mark("run-as");
  // systemd Type=notify: ready, reloading, watchdog, stopping.
  auto notifier = bs::daemon::SystemdNotifier::from_environment();
  bs::daemon::DaemonOptions options;
  options.notifier = &notifier;
  options.timing = &timing;
  const size_t subnet_count = running.config.subnets.size();
  bs::daemon::LinuxPlatform platform;
  auto daemon = bs::daemon::Daemon::start(std::move(running), platform, options);
  if (!daemon) return 1;
  // Every socket is bound and the leases are loaded (daemon.h).
  notifier.ready(fmt::format("serving {} subnets", subnet_count));
  spdlog::info("start-up: {}", timing.summary());
  return (*daemon)->run();
}

}  // namespace

int main(int argc, char** argv) {
  bs::daemon::StartupTiming timing;
  if (argc > 1 && std::string(argv[1]) == "drill") return exec_drill(argv);
  // Everything the daemon creates (lease database, WAL, SHM, marker, written
  // configs, recovered databases) holds MACs, hostnames or credentials: no
  // access for others whatever the caller's umask. The store and
  // config-write also set modes explicitly; this is the backstop.
  ::umask(027);
  // `blackstart import ...` has a command line of its own (src/import).
  if (argc > 1 && std::string(argv[1]) == "import") {
    return bs::import::run_import_cli(argc - 1, argv + 1);
  }
  CLI::App app{"blackstart: a DHCPv4 server that never forgets a lease"};
  std::string config_path, test_path, recover_path;
  bool show = false, strict = false, list_keys = false;
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
  app.add_flag("--list-config-keys", list_keys,
               "print every config key blackstart knows (SECTION, KEY, kea|blackstart|"
               "kea-unsupported) and exit");
  app.set_version_flag("-V,--version", "blackstart 0.1.0");
  CLI11_PARSE(app, argc, argv);

  if (list_keys) return std::fputs(bs::config::config_key_listing().c_str(), stdout) < 0 ? 1 : 0;
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
  timing.mark("config");
  return serve(std::move(*running), timing);
}
