// The daemon: every start-up decision, the packet loop, reload and the
// clean shutdown, over a Platform (platform.h) so the scenario tests run
// exactly this with fakes. main.cpp parses the command line and calls
// start() then run().
//
// The start-up sequence, in this order (each step's failure stops it with
// a critical log line and exit code 1):
//   1. read the previous shutdown (clean, unclean, database changed),
//   2. bind the packet sockets: from here on the kernel queues every
//      client packet in the sockets' receive buffers (8 MiB each), so a
//      DISCOVER sent while the leases load is answered once they are, not
//      lost to a socket that did not exist yet,
//   3. open the lease store (on a full disk, first giving up the disk
//      reserve beside it, reserve_keeper.h; waiting while it is full, down or busy; the
//      packets queued meanwhile are discarded after each retry, since
//      nothing may be answered before the leases are loaded and a client
//      has retransmitted long before the wait can end),
//   4. build the server, loading every stored lease,
//   5. start the control sockets,
//   6. enter recovery mode if the last run did not stop cleanly,
//   7. remove the clean-shutdown marker, install the signal handlers,
//   8. attach the conflict prober, the script runner, the rogue listener.
// Nothing is read from the packet sockets before step 8 is done: the first
// packet is handled by the first run_once(). When start() returns, every
// socket is bound and the leases are loaded: main.cpp tells systemd READY
// there and logs the start-up's timing per phase (startup_timing.h). The switch to the run-as user
// comes before start() (privileges.h), so every file the daemon opens or creates is that user's;
// the two socket capabilities it keeps suffice for the rest.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

#include "control/control.h"
#include "control/running_config.h"
#include "daemon/ha_pairing.h"
#include "daemon/platform.h"
#include "daemon/reserve_keeper.h"
#include "daemon/startup_timing.h"
#include "daemon/systemd_notify.h"
#include "server/server.h"

namespace bs::daemon {

struct DaemonOptions {
  // The packet loop waits at most this long, so a control command or a
  // SIGHUP that arrives while the network is idle is handled within it.
  int receive_timeout_ms = 50;
  // systemd's notify socket (systemd_notify.h): told of reloads, watchdog
  // ticks from the loop and the stop. nullptr: nobody to tell (tests).
  SystemdNotifier* notifier = nullptr;
  // A lease store that cannot open for a reason that clears by itself (a
  // full disk, a database down or busy) is retried this often, for at most
  // this long, before the start fails; nothing is served meanwhile.
  int64_t store_retry_interval_ms = 1000;
  int64_t store_wait_max_ms = int64_t{3600} * 1000;
  // Overlapped commits (server.h): a batch's fsync runs on the committer
  // thread while the next batch is handled. The server turns it off by
  // itself for a shared store, an HA pair and run_script.
  bool overlap_commits = true;
  // Marked at the end of each start-up step. nullptr: not timed (tests).
  StartupTiming* timing = nullptr;
};

class Daemon {
 public:
  // Steps 1-8 above. The error is the reason, already logged.
  static tl::expected<std::unique_ptr<Daemon>, std::string> start(control::RunningConfig running,
                                                                  Platform& platform,
                                                                  DaemonOptions options = {});
  ~Daemon();

  // One turn of the loop: a batch, a pending SIGHUP's reload, the control
  // commands queued meanwhile. False once a stop was asked for (signal or
  // the control API's shutdown), without running the turn.
  bool run_once();
  // run_once until a stop, then shutdown(); returns the exit code.
  int run();
  // Stops the control sockets, closes the server and the store, and writes
  // the clean-shutdown marker. Returns the exit code (the control API's
  // shutdown may set one). Once only.
  int shutdown();

  server::Server& server() { return *server_; }

 private:
  Daemon(Platform& platform, const config::LeaseDatabase& database, SystemdNotifier* notifier)
      : platform_(platform),
        database_(database.name),
        file_store_(database.is_local_file()),
        notifier_(notifier),
        reserve_(platform, database.name, file_store_ ? database.disk_reserve_bytes : 0) {}
  tl::expected<void, std::string> open_store(const config::Config& config,
                                             const DaemonOptions& options);
  tl::expected<std::unique_ptr<store::LeaseStore>, store::StoreError> wait_for_store(
      const config::LeaseDatabase& database, store::StoreError first_error,
      const DaemonOptions& options);
  tl::expected<void, std::string> open_transport(const config::Config& config);
  void discard_queued_packets();
  tl::expected<void, std::string> open_server(const config::Config& config,
                                              const DaemonOptions& options);
  using PhaseMark = std::function<void(std::string_view)>;
  tl::expected<void, std::string> start_serving(control::RunningConfig running,
                                                store::PreviousShutdown previous,
                                                const PhaseMark& mark);
  tl::expected<void, std::string> attach_link_watchers(const config::Config& config);

  Platform& platform_;
  std::string database_;
  // The clean-shutdown marker sits beside a lease file; a PostgreSQL
  // database keeps its own crash safety and is not a file here.
  bool file_store_;
  SystemdNotifier* notifier_;
  ReserveKeeper reserve_;  // room put aside on the lease file's disk
  // Declared in the order they open; destroyed in reverse.
  std::unique_ptr<io::Transport> transport_;
  std::unique_ptr<store::LeaseStore> store_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<control::ControlPlane> control_;
  std::unique_ptr<HaPairing> ha_;         // null: no HA partner
  uint64_t discarded_while_waiting_ = 0;  // packets dropped in wait_for_store
  bool shut_down_ = false;
  int exit_code_ = 0;
};

}  // namespace bs::daemon
