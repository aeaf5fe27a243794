// The daemon's start-up, loop and shutdown (daemon.h).
#include "daemon/daemon.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/assert.h"
#include "control/log_severity.h"
#include "daemon/ha_pairing.h"
#include "server/rogue_watch.h"

namespace bs::daemon {
namespace {

// Faults that clear without anyone editing the configuration or repairing
// a file. A missing directory, a damaged file or a refused login does not.
bool store_fault_may_clear(store::StoreFault fault) {
  return fault == store::StoreFault::DiskFull || fault == store::StoreFault::Busy ||
         fault == store::StoreFault::Unreachable;
}

tl::unexpected<std::string> fail(std::string message) {
  spdlog::critical("{}", message);
  return tl::unexpected(std::move(message));
}

// A damaged file stops the start-up; this says what the operator can do.
// (memfile skips unreadable rows itself, up to max-row-errors.)
void hint_recovery(const config::LeaseDatabase& lease_database) {
  const std::string& database = lease_database.name;
  std::error_code ignored;
  if (!lease_database.is_sqlite() || !std::filesystem::exists(database, ignored)) return;
  spdlog::critical(
      "if {} is damaged, `blackstart --recover-db {}` copies its readable leases into a new file "
      "and keeps the old one",
      database, database);
}

std::vector<std::string> interface_names(const config::Config& config) {
  std::vector<std::string> names;
  for (const auto& spec : config.interfaces) {
    names.push_back(spec.address ? spec.name + "/" + to_string(*spec.address) : spec.name);
  }
  return names;
}

server::ServerOptions server_options(const config::Config& config, const DaemonOptions& options) {
  server::ServerOptions server_options;
  server_options.receive_timeout_ms = options.receive_timeout_ms;
  server_options.overlap_commits = options.overlap_commits;
  // Kea's max-reclaim-leases bounds one reclaim pass (0 = no limit; one
  // pass stays bounded so the packet loop never stalls).
  if (const auto max = config.expiry.max_reclaim_leases) {
    constexpr size_t kUnlimitedPass = 65536;
    server_options.reclaim_per_batch = *max == 0 ? kUnlimitedPass : *max;
  }
  return server_options;
}

// Without CAP_NET_ADMIN (the packaged unit runs as its own user with only
// the two socket capabilities) SO_RCVBUFFORCE fails and the buffer stops
// at net.core.rmem_max: a few hundred packets where a boot storm's first
// second, or the lease load, may need thousands.
void warn_if_small_receive_buffer(int granted_bytes) {
  // The kernel reports twice what it grants for data (bookkeeping).
  if (granted_bytes <= 0 || granted_bytes >= 2 * io::kReceiveBufferBytes) return;
  constexpr int kBytesPerQueuedDiscover = 1280;  // a 300-byte DISCOVER's truesize on a veth
  spdlog::warn(
      "DHCP receive buffer: {} KiB granted, {} KiB asked for (no CAP_NET_ADMIN; the kernel's "
      "net.core.rmem_max caps it): about {} DISCOVERs can wait while the leases load or the "
      "pipeline is busy, the rest are dropped; set net.core.rmem_max to {} to lift the cap",
      granted_bytes / 2 / 1024, io::kReceiveBufferBytes / 1024,
      granted_bytes / kBytesPerQueuedDiscover, io::kReceiveBufferBytes);
}

}  // namespace

tl::expected<std::unique_ptr<Daemon>, std::string> Daemon::start(control::RunningConfig running,
                                                                 Platform& platform,
                                                                 DaemonOptions options) {
  const config::Config& config = running.config;
  control::apply_log_severity(config.log_severity);
  std::unique_ptr<Daemon> daemon(new Daemon(platform, config.lease_database, options.notifier));
  const auto mark = [&options](std::string_view phase) {
    if (options.timing != nullptr) options.timing->mark(phase);
  };
  const store::PreviousShutdown previous = daemon->file_store_
                                               ? platform.previous_shutdown(daemon->database_)
                                               : store::PreviousShutdown::Clean;
  // The sockets before the store: the store's checks and the lease load
  // take from milliseconds to seconds, and a client that boots with the
  // server (a power cut's return) sends its first DISCOVER meanwhile.
  if (auto bound = daemon->open_transport(config); !bound) return tl::unexpected(bound.error());
  mark("DHCP sockets bound");
  if (auto opened = daemon->open_store(config, options); !opened)
    return tl::unexpected(opened.error());
  mark("lease store opened");
  if (auto built = daemon->open_server(config, options); !built) {
    return tl::unexpected(built.error());
  }
  mark("leases loaded");
  if (auto serving = daemon->start_serving(std::move(running), previous, mark); !serving) {
    return tl::unexpected(serving.error());
  }
  return daemon;
}

Daemon::~Daemon() = default;

tl::expected<void, std::string> Daemon::open_store(const config::Config& config,
                                                   const DaemonOptions& options) {
  auto store = platform_.open_store(config.lease_database);
  if (!store && store.error().fault == store::StoreFault::DiskFull &&
      reserve_.release("the lease store could not open", nullptr)) {
    store = platform_.open_store(config.lease_database);
  }
  if (!config.lease_database.fsync) {
    spdlog::warn("lease-database fsync is off: a power cut can lose leases already ACKed");
  }
  if (!store && store_fault_may_clear(store.error().fault)) {
    store = wait_for_store(config.lease_database, std::move(store.error()), options);
  }
  if (!store) {
    auto failed = fail(store.error().message);
    // --recover-db mends a damaged file, not a full or failing disk.
    const store::StoreFault fault = store.error().fault;
    if (fault == store::StoreFault::Corrupt || fault == store::StoreFault::Other) {
      hint_recovery(config.lease_database);
    }
    return failed;
  }
  store_ = std::move(*store);
  return {};
}

// Retries the store while its fault is one that clears by itself, bounded
// by store_wait_max_ms; a stop signal ends the wait. Serving nothing is the
// only safe service meanwhile (no ACK without a durable store), and waiting
// here rather than exiting means service resumes within one retry interval
// of the disk being freed, not after a restart loop's back-off.
tl::expected<std::unique_ptr<store::LeaseStore>, store::StoreError> Daemon::wait_for_store(
    const config::LeaseDatabase& database, store::StoreError first_error,
    const DaemonOptions& options) {
  BS_ASSERT(options.store_retry_interval_ms > 0);
  spdlog::critical(
      "{} ({}); no DHCP service until the lease store opens: retrying every {} ms for up to {} s",
      first_error.message, store::to_string(first_error.fault), options.store_retry_interval_ms,
      options.store_wait_max_ms / 1000);
  if (notifier_ != nullptr)
    notifier_->status("waiting for the lease store: " + first_error.message);
  platform_.install_signal_handlers();
  tl::expected<std::unique_ptr<store::LeaseStore>, store::StoreError> store =
      tl::unexpected(std::move(first_error));
  for (int64_t waited_ms = 0; waited_ms < options.store_wait_max_ms;
       waited_ms += options.store_retry_interval_ms) {
    if (platform_.stop_requested()) break;
    platform_.sleep_ms(options.store_retry_interval_ms);
    if (notifier_ != nullptr) {
      constexpr int64_t kRetriesOfGrace = 5;
      notifier_->extend_start_timeout(kRetriesOfGrace * options.store_retry_interval_ms * 1000);
    }
    discard_queued_packets();
    store = platform_.open_store(database);
    if (store || !store_fault_may_clear(store.error().fault)) break;
  }
  if (store) spdlog::info("lease store {} opened after waiting", (*store)->describe());
  if (discarded_while_waiting_ > 0) {
    spdlog::warn("discarded {} DHCP packets that arrived while the lease store could not open",
                 discarded_while_waiting_);
  }
  return store;
}

// While the store cannot open, the bound sockets keep queueing; what came
// before the latest retry is dropped, so the queue the server starts with
// holds at most one retry interval of packets, none older than that.
void Daemon::discard_queued_packets() {
  constexpr size_t kBatch = 64;
  constexpr size_t kMaxBatches = 1024;  // bounded: more is left to the kernel's buffer
  std::vector<io::RxPacket> dropped;
  dropped.reserve(kBatch);
  for (size_t i = 0; i < kMaxBatches; ++i) {
    dropped.clear();
    const size_t got = transport_->receive(dropped, kBatch, 0);
    discarded_while_waiting_ += got;
    if (got == 0) break;
  }
}

tl::expected<void, std::string> Daemon::open_transport(const config::Config& config) {
  auto transport = platform_.open_transport(interface_names(config));
  if (!transport) return fail(transport.error().message);
  transport_ = std::move(*transport);
  warn_if_small_receive_buffer(transport_->counters().receive_buffer_bytes);
  return {};
}

// The server with every stored lease loaded.
tl::expected<void, std::string> Daemon::open_server(const config::Config& config,
                                                    const DaemonOptions& options) {
  auto server = server::Server::create(config, *store_, *transport_, platform_.clock(),
                                       server_options(config, options));
  if (!server) {
    auto failed = fail(server.error());
    hint_recovery(config.lease_database);
    return failed;
  }
  server_ = std::move(*server);
  return {};
}

tl::expected<void, std::string> Daemon::start_serving(control::RunningConfig running,
                                                      store::PreviousShutdown previous,
                                                      const PhaseMark& mark) {
  const config::Config config = running.config;
  const Clock& clock = platform_.clock();
  // Before the shutdown marker is touched: a control socket that cannot be
  // bound stops the start-up without faking an unclean shutdown.
  auto control =
      control::ControlPlane::start(*server_, clock, std::move(running), store_->describe());
  if (!control) return fail(control.error());
  control_ = std::move(*control);
  mark("control sockets");
  if (previous == store::PreviousShutdown::Unclean) server_->enter_recovery(clock.now_s());
  if (previous == store::PreviousShutdown::Changed) {
    server_->enter_recovery(clock.now_s(),
                            "the lease database changed while the server was stopped "
                            "(restored from a backup?)");
  }
  if (auto marked =
          file_store_ ? platform_.mark_running(database_) : tl::expected<void, std::string>();
      !marked) {
    return fail("cannot clear the clean-shutdown marker: " + marked.error());
  }
  platform_.install_signal_handlers();
  for (const auto& link : transport_->interfaces()) {
    spdlog::info("serving on {} ({}/{})", link.name, to_string(link.address), link.prefix_len);
  }
  mark("recovery decision and marker");
  auto attached = attach_link_watchers(config);
  mark("prober, HA, rogue listener");
  return attached;
}

// The prober, the script runner and the rogue listener.
tl::expected<void, std::string> Daemon::attach_link_watchers(const config::Config& config) {
  // Probing is what keeps a restart after a power cut from handing out an
  // address twice, so a server told to probe does not run without it.
  if (auto prober = platform_.open_prober(transport_->interfaces())) {
    server_->attach_prober(std::move(*prober));
  } else if (config.probing.mode != config::ProbeMode::Off) {
    return fail(prober.error().message);
  }
  // libdhcp_run_script's equivalent: its own thread, fed after each commit.
  if (!config.run_script.path.empty()) {
    server_->attach_script_runner(platform_.open_script_runner(config.run_script.path));
    spdlog::info("run_script: running {} on lease events", config.run_script.path);
  }
  // The HA partner: its state file and link, before any client is served.
  auto pairing = HaPairing::attach(config, file_store_ ? database_ : std::string(), *server_,
                                   platform_.clock());
  if (!pairing) return fail(pairing.error());
  ha_ = std::move(*pairing);
  // Detection is a warning light, not a reason to refuse service.
  if (auto rogue = platform_.open_rogue_listener(transport_->interfaces())) {
    server_->watch_for_rogues(std::move(*rogue), server::rogue_options_from_env());
  } else {
    spdlog::warn("foreign DHCP server detection is off: {}", rogue.error().message);
  }
  return {};
}

bool Daemon::run_once() {
  if (platform_.stop_requested() || control_->shutdown_requested()) return false;
  server_->run_once();
  if (platform_.take_reload_request()) {
    if (notifier_ != nullptr) notifier_->reloading(monotonic_now_us());
    control_->reload();
    if (notifier_ != nullptr) notifier_->ready();
  }
  control_->after_batch();
  if (ha_) ha_->after_batch();
  reserve_.after_batch(*server_);
  if (notifier_ != nullptr) notifier_->watchdog_tick(monotonic_now_us() / 1000);
  return true;
}

int Daemon::run() {
  while (run_once()) {
  }
  return shutdown();
}

int Daemon::shutdown() {
  if (shut_down_) return exit_code_;
  shut_down_ = true;
  if (notifier_ != nullptr) notifier_->stopping();
  control_->stop();
  exit_code_ = control_->exit_code();
  const server::Counters& counters = server_->counters();
  spdlog::info("stopping: {} packets received, {} sent, {} leases committed",
               counters.packets_received, counters.packets_sent, counters.leases_committed);
  if (store_->shared()) {
    spdlog::info("shared lease database: {} store conflicts, {} rows learnt from other servers",
                 counters.store_conflicts, counters.rows_learnt);
  }
  // Closed first: closing checkpoints the WAL into the file, and the marker
  // records the file as it is left.
  control_.reset();
  if (ha_) ha_->save_on_stop();
  ha_.reset();
  server_.reset();
  store_.reset();
  if (auto marked = file_store_ ? platform_.mark_clean_shutdown(database_)
                                : tl::expected<void, std::string>();
      !marked) {
    spdlog::error("cannot write the clean-shutdown marker: {}", marked.error());
  }
  return exit_code_;
}

}  // namespace bs::daemon
