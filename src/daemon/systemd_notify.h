// Telling systemd how the daemon is doing (sd_notify(3)): READY=1 once the
// sockets are bound and the leases loaded, RELOADING=1 / READY=1 around a
// SIGHUP reload, STOPPING=1 on the way out, and WATCHDOG=1 from the packet
// loop at half of $WATCHDOG_USEC. Outside systemd ($NOTIFY_SOCKET unset)
// every call does nothing. libsystemd does the sending; why a library and
// not a hand-written datagram is in docs/ARCHITECTURE.md.
#pragma once

#include <cstdint>
#include <string>

namespace bs::daemon {

class SystemdNotifier {
 public:
  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID once.
  static SystemdNotifier from_environment();

  bool enabled() const { return enabled_; }
  // 0 when systemd runs no watchdog for this process.
  int64_t watchdog_interval_ms() const { return watchdog_interval_ms_; }

  // Each returns whether a message was sent (false outside systemd or when
  // the socket refused it; neither stops the server).
  bool ready(const std::string& status = "");
  bool reloading(int64_t monotonic_us);
  bool stopping();
  // The one-line status `systemctl status` shows (while waiting, say).
  bool status(const std::string& text);
  // Asks systemd to wait this much longer for READY (its start timeout
  // would otherwise kill a daemon that waits for its lease store).
  bool extend_start_timeout(int64_t extra_us);
  // Called every loop turn with the monotonic time; pings at most once per
  // half watchdog period, so a loop stuck longer than that gets the process
  // killed and restarted by systemd, which is the point.
  bool watchdog_tick(int64_t monotonic_ms);

 private:
  bool send(const std::string& message);

  bool enabled_ = false;
  int64_t watchdog_interval_ms_ = 0;
  int64_t last_ping_ms_ = INT64_MIN;
};

// CLOCK_MONOTONIC, the clock systemd wants in MONOTONIC_USEC.
int64_t monotonic_now_us();

}  // namespace bs::daemon
