// What the daemon runs on: the clock, the lease store with its shutdown
// marker and disk reserve, the sockets, the script runner and the signals.
// The daemon (daemon.h) makes every start-up decision; a Platform only
// opens things.
// LinuxPlatform (linux_platform.h) opens the real ones; the scenario tests
// give the daemon fakes (a FakeClock, a MemoryLeaseStore, a FakeTransport)
// and so drive the very start-up, loop and shutdown the daemon runs.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "io/prober.h"
#include "io/rogue_listener.h"
#include "io/transport.h"
#include "server/script_runner.h"
#include "store/disk_reserve.h"
#include "store/lease_store.h"
#include "store/shutdown_marker.h"

namespace bs::daemon {

class Platform {
 public:
  virtual ~Platform() = default;

  virtual const Clock& clock() const = 0;
  // Waits (start-up only: the packet loop never sleeps).
  virtual void sleep_ms(int64_t duration_ms) = 0;

  // The lease store and the clean-shutdown marker beside it
  // (shutdown_marker.h). previous_shutdown is read before the store opens.
  virtual store::PreviousShutdown previous_shutdown(const std::string& database) = 0;
  virtual tl::expected<std::unique_ptr<store::LeaseStore>, store::StoreError> open_store(
      const config::LeaseDatabase& database) = 0;
  virtual tl::expected<void, std::string> mark_running(const std::string& database) = 0;
  virtual tl::expected<void, std::string> mark_clean_shutdown(const std::string& database) = 0;
  // The disk reserve beside a lease file (store/disk_reserve.h).
  virtual tl::expected<store::ReserveState, std::string> keep_disk_reserve(
      const std::string& database, uint64_t size_bytes) = 0;
  virtual tl::expected<uint64_t, std::string> release_disk_reserve(const std::string& database) = 0;

  // Packet sockets; `interfaces` as the config names them ("eth0",
  // "eth0/198.18.0.1", "*").
  virtual tl::expected<std::unique_ptr<io::Transport>, io::IoError> open_transport(
      const std::vector<std::string>& interfaces) = 0;
  virtual tl::expected<std::unique_ptr<io::Prober>, io::IoError> open_prober(
      std::span<const io::InterfaceInfo> links) = 0;
  virtual tl::expected<std::unique_ptr<io::RogueListener>, io::IoError> open_rogue_listener(
      std::span<const io::InterfaceInfo> links) = 0;
  virtual std::unique_ptr<server::ScriptRunner> open_script_runner(const std::string& path) = 0;

  // SIGTERM/SIGINT ask for a stop, SIGHUP for a reload. The take_ call
  // clears the request it reports.
  virtual void install_signal_handlers() = 0;
  virtual bool stop_requested() const = 0;
  virtual bool take_reload_request() = 0;
};

}  // namespace bs::daemon
