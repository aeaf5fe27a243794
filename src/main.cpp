// blackstart daemon entry point: parse the command line, load the config,
// open the lease store and the sockets, then run the pipeline until SIGTERM
// or SIGINT. This is the only code that touches the real clock and signals.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/clock.h"
#include "common/text.h"
#include "config/config.h"
#include "config/host_checks.h"
#include "config/key_listing.h"
#include "control/control.h"
#include "daemon/privileges.h"
#include "daemon/systemd_notify.h"
#include "import/import_cli.h"
#include "io/prober.h"
#include "io/rogue_listener.h"
#include "io/transport.h"
#include "server/server.h"
#include "store/lease_store.h"
#include "store/recover.h"
#include "store/shutdown_marker.h"

namespace {

volatile std::sig_atomic_t g_stop_requested = 0;

volatile std::sig_atomic_t g_reload_requested = 0;
// The packet loop waits at most this long, so a control command or a SIGHUP
// that arrives while the network is idle is handled within it.
constexpr int kReceiveTimeout_ms = 50;

void on_stop_signal(int /*signal*/) { g_stop_requested = 1; }
void on_reload_signal(int /*signal*/) { g_reload_requested = 1; }

// FILE:LINE: warning: ..., on stderr like the errors, so -t shows them.
void print_warnings(const bs::config::Config& config) {
  for (const auto& warning : config.warnings) {
    const std::string where =
        warning.line > 0 ? warning.file + ":" + std::to_string(warning.line) : warning.file;
    std::fprintf(stderr, "%s: warning: %s\n", where.c_str(), warning.message.c_str());
  }
}

tl::expected<bs::config::Config, int> load_or_report(const std::string& path) {
  auto config = bs::config::load_config_file(path);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().to_string().c_str());
    return tl::make_unexpected(1);
  }
  print_warnings(*config);
  return std::move(*config);
}

// -t: the file, then this host (host_checks.h). Host problems are warnings
// (the file may be meant for another machine) unless --strict.
int test_config(const std::string& path, bool strict) {
  auto config = load_or_report(path);
  if (!config) return config.error();
  const auto text = bs::config::read_config_text(path);
  const auto locate = bs::config::locator_for_text(path, text ? *text : std::string());
  const bs::config::SystemHostView host;
  const auto problems = bs::config::check_host(*config, host, locate);
  for (const auto& problem : problems) {
    std::string line = problem.to_string();
    if (!strict) line.insert(line.size() - problem.message.size(), "warning: ");
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (strict && !problems.empty()) {
    std::fprintf(stderr, "%s: %zu problem(s) at this host (--strict)\n", path.c_str(),
                 problems.size());
    return 1;
  }
  std::printf("%s: configuration is valid (%zu subnets)\n", path.c_str(), config->subnets.size());
  return 0;
}

int show_leases(const bs::config::Config& config) {
  auto store = bs::store::open_lease_store(config.lease_database);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  auto leases = (*store)->load_all();
  if (!leases) {
    std::fprintf(stderr, "%s\n", leases.error().message.c_str());
    return 1;
  }
  std::sort(leases->begin(), leases->end(),
            [](const bs::Lease& a, const bs::Lease& b) { return a.address < b.address; });
  fmt::print("{:<16} {:<18} {:<24} {:<20} {:<20} {}\n", "address", "mac", "client-id", "hostname",
             "expires (UTC)", "state");
  for (const bs::Lease& lease : *leases) {
    fmt::print("{:<16} {:<18} {:<24} {:<20} {:<20} {}\n", bs::to_string(lease.address),
               bs::to_string(lease.hw_address), bs::to_hex_colon(lease.client_id),
               lease.hostname.empty() ? "-" : bs::escape_for_terminal(lease.hostname),
               bs::format_utc(lease.expires_at_s(), "%Y-%m-%d %H:%M:%S"),
               bs::to_string(lease.state));
  }
  return 0;
}

// A damaged file stops the start-up; this says what the operator can do.
// (memfile skips unreadable rows itself, up to max-row-errors.)
void hint_recovery(const bs::config::LeaseDatabase& lease_database) {
  const std::string& database = lease_database.name;
  std::error_code ignored;
  if (lease_database.type != "sqlite" || !std::filesystem::exists(database, ignored)) return;
  spdlog::critical(
      "if {} is damaged, `blackstart --recover-db {}` copies its readable leases into a new file "
      "and keeps the old one",
      database, database);
}

bool has_sqlite_header(const std::string& path) {
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with the NUL
  char head[sizeof kMagic] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(head, sizeof head);
  return in.gcount() == sizeof head && std::equal(head, head + sizeof head, kMagic);
}

// --recover-db FILE: FILE is the database, or a config whose lease database
// is recovered. The SQLite header decides, so a config is never mistaken for
// a database to be replaced.
int recover_db(const std::string& file) {
  std::string database = file;
  if (!has_sqlite_header(file)) {
    auto config = bs::config::load_config_file(file);
    if (!config) {
      std::fprintf(stderr, "%s: not an SQLite database, and not a valid config: %s\n", file.c_str(),
                   config.error().to_string().c_str());
      return 1;
    }
    if (config->lease_database.type == "postgresql") {
      std::fprintf(stderr, "%s: the lease database is PostgreSQL's; its recovery is the server's\n",
                   file.c_str());
      return 1;
    }
    if (config->lease_database.type != "sqlite") {
      std::fprintf(stderr,
                   "%s: the lease database is Kea's CSV file %s; it needs no recovery: "
                   "unreadable rows are skipped when it loads (see max-row-errors)\n",
                   file.c_str(), config->lease_database.name.c_str());
      return 1;
    }
    database = config->lease_database.name;
  }
  auto report = bs::store::recover_database(database, static_cast<int64_t>(std::time(nullptr)));
  if (!report) {
    std::fprintf(stderr, "%s\n", report.error().message.c_str());
    return 1;
  }
  fmt::print("{}", bs::store::format_report(*report));
  return 0;
}

int serve(bs::control::RunningConfig running) {
  const bs::config::Config config = running.config;
  // Started as root with "run-as": switch user now, before anything is
  // opened by path; then open the "loggers" outputs (daemon/privileges.h).
  if (auto started = bs::daemon::start_as_configured_user(config, running.path); !started) {
    spdlog::critical("{}", started.error());
    return 1;
  }
  const std::string& database = config.lease_database.name;
  // The clean-shutdown marker sits beside a lease file; a PostgreSQL
  // database keeps its own crash safety and is not a file here.
  const bool file_store = config.lease_database.type != "postgresql";
  const bs::store::PreviousShutdown previous =
      file_store ? bs::store::previous_shutdown(database) : bs::store::PreviousShutdown::Clean;
  auto store = bs::store::open_lease_store(config.lease_database);
  if (!config.lease_database.fsync) {
    spdlog::warn("lease-database fsync is off: a power cut can lose leases already ACKed");
  }
  if (!store) {
    spdlog::critical("{}", store.error().message);
    hint_recovery(config.lease_database);
    return 1;
  }
  std::vector<std::string> interface_names;
  for (const auto& spec : config.interfaces) {
    interface_names.push_back(spec.address ? spec.name + "/" + bs::to_string(*spec.address)
                                           : spec.name);
  }
  auto transport = bs::io::open_linux_transport(interface_names);
  if (!transport) {
    spdlog::critical("{}", transport.error().message);
    return 1;
  }
  bs::SystemClock clock;
  bs::server::ServerOptions options;
  options.receive_timeout_ms = kReceiveTimeout_ms;
  // Kea's max-reclaim-leases bounds one reclaim pass (0 = no limit; one
  // pass stays bounded so the packet loop never stalls).
  if (const auto max = config.expiry.max_reclaim_leases) {
    constexpr size_t kUnlimitedPass = 65536;
    options.reclaim_per_batch = *max == 0 ? kUnlimitedPass : *max;
  }
  auto server = bs::server::Server::create(config, **store, **transport, clock, options);
  if (!server) {
    spdlog::critical("{}", server.error());
    hint_recovery(config.lease_database);
    return 1;
  }
  // Before the shutdown marker is touched: a control socket that cannot be
  // bound stops the start-up without faking an unclean shutdown.
  auto control =
      bs::control::ControlPlane::start(**server, clock, std::move(running), (*store)->describe());
  if (!control) {
    spdlog::critical("{}", control.error());
    return 1;
  }
  if (previous == bs::store::PreviousShutdown::Unclean) (*server)->enter_recovery(clock.now_s());
  if (previous == bs::store::PreviousShutdown::Changed) {
    (*server)->enter_recovery(clock.now_s(),
                              "the lease database changed while the server was stopped "
                              "(restored from a backup?)");
  }
  if (auto marked =
          file_store ? bs::store::mark_running(database) : tl::expected<void, std::string>();
      !marked) {
    spdlog::critical("cannot clear the clean-shutdown marker: {}", marked.error());
    return 1;
  }
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGHUP, on_reload_signal);
  for (const auto& link : (*transport)->interfaces()) {
    spdlog::info("serving on {} ({}/{})", link.name, bs::to_string(link.address), link.prefix_len);
  }
  // Probing is what keeps a restart after a power cut from handing out an
  // address twice, so a server told to probe does not run without it.
  if (auto prober = bs::io::open_linux_prober((*transport)->interfaces())) {
    (*server)->attach_prober(std::move(*prober));
  } else if (config.probing.mode != bs::config::ProbeMode::Off) {
    spdlog::critical("{}", prober.error().message);
    return 1;
  }
  // libdhcp_run_script's equivalent: its own thread, fed after each commit.
  if (!config.run_script.path.empty()) {
    (*server)->attach_script_runner(
        std::make_unique<bs::server::ProcessScriptRunner>(config.run_script.path));
    spdlog::info("run_script: running {} on lease events", config.run_script.path);
  }
  // Detection is a warning light, not a reason to refuse service.
  if (auto rogue = bs::io::open_linux_rogue_listener((*transport)->interfaces())) {
    (*server)->watch_for_rogues(std::move(*rogue), bs::server::rogue_options_from_env());
  } else {
    spdlog::warn("foreign DHCP server detection is off: {}", rogue.error().message);
  }
  // systemd Type=notify: ready, reloading, watchdog, stopping (daemon/systemd_notify.h).
  auto notifier = bs::daemon::SystemdNotifier::from_environment();
  notifier.ready(fmt::format("serving {} subnets", config.subnets.size()));
  while (g_stop_requested == 0 && !(*control)->shutdown_requested()) {
    (*server)->run_once();
    if (g_reload_requested != 0) {
      g_reload_requested = 0;
      notifier.reloading(bs::daemon::monotonic_now_us());
      (*control)->reload();
      notifier.ready();
    }
    (*control)->after_batch();
    notifier.watchdog_tick(bs::daemon::monotonic_now_us() / 1000);
  }
  notifier.stopping();
  (*control)->stop();
  const int exit_code = (*control)->exit_code();
  spdlog::info("stopping: {} packets received, {} sent, {} leases committed",
               (*server)->counters().packets_received, (*server)->counters().packets_sent,
               (*server)->counters().leases_committed);
  // Closed first: closing checkpoints the WAL into the file, and the marker
  // records the file as it is left.
  control->reset();
  server->reset();
  store->reset();
  if (auto marked =
          file_store ? bs::store::mark_clean_shutdown(database) : tl::expected<void, std::string>();
      !marked) {
    spdlog::error("cannot write the clean-shutdown marker: {}", marked.error());
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // `blackstart drill ...` is the outage drill (docs/DRILL.md), a script kept
  // beside the build: BLACKSTART_DRILL, else <this binary's dir>/../drill/drill.
  if (argc > 1 && std::string(argv[1]) == "drill") {
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
  if (!test_path.empty()) return test_config(test_path, strict);
  if (!recover_path.empty()) return recover_db(recover_path);
  if (config_path.empty()) {
    std::fprintf(stderr,
                 "blackstart: -c FILE, -t FILE or --recover-db FILE is required (see --help)\n");
    return 2;
  }
  if (show) {
    auto config = load_or_report(config_path);
    if (!config) return config.error();
    return show_leases(*config);
  }
  // The control API's config-get shows this very text, so it is read once.
  auto running = bs::control::load_running_config(config_path);
  if (!running) {
    std::fprintf(stderr, "%s\n", running.error().to_string().c_str());
    return 1;
  }
  print_warnings(running->config);
  return serve(std::move(*running));
}
