// sd_notify(3) messages for the service manager; see systemd_notify.h.
#include "daemon/systemd_notify.h"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <ctime>

namespace bs::daemon {

SystemdNotifier SystemdNotifier::from_environment() {
  SystemdNotifier notifier;
  const char* socket = std::getenv("NOTIFY_SOCKET");
  notifier.enabled_ = socket != nullptr && socket[0] != '\0';
  uint64_t watchdog_us = 0;
  // > 0 only when $WATCHDOG_USEC is set and $WATCHDOG_PID, if set, is us.
  if (notifier.enabled_ && sd_watchdog_enabled(0, &watchdog_us) > 0 && watchdog_us > 0) {
    constexpr uint64_t kUsPerMs = 1000;
    // Half the period, as sd_watchdog_enabled(3) advises; at least 1 ms.
    const uint64_t half_ms = watchdog_us / 2 / kUsPerMs;
    notifier.watchdog_interval_ms_ = static_cast<int64_t>(half_ms == 0 ? 1 : half_ms);
  }
  return notifier;
}

bool SystemdNotifier::send(const std::string& message) {
  if (!enabled_) return false;
  return sd_notify(0, message.c_str()) > 0;
}

bool SystemdNotifier::ready(const std::string& status) {
  if (status.empty()) return send("READY=1");
  return send(fmt::format("READY=1\nSTATUS={}", status));
}

bool SystemdNotifier::reloading(int64_t monotonic_us) {
  // MONOTONIC_USEC is what Type=notify-reload (systemd 253+) requires with
  // RELOADING=1; older managers ignore it.
  return send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic_us));
}

bool SystemdNotifier::stopping() { return send("STOPPING=1"); }

bool SystemdNotifier::status(const std::string& text) { return send("STATUS=" + text); }

bool SystemdNotifier::extend_start_timeout(int64_t extra_us) {
  return send("EXTEND_TIMEOUT_USEC=" + std::to_string(extra_us));
}

bool SystemdNotifier::watchdog_tick(int64_t monotonic_ms) {
  if (watchdog_interval_ms_ == 0) return false;
  if (last_ping_ms_ != INT64_MIN && monotonic_ms - last_ping_ms_ < watchdog_interval_ms_) {
    return false;
  }
  last_ping_ms_ = monotonic_ms;
  return send("WATCHDOG=1");
}

int64_t monotonic_now_us() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  constexpr int64_t kUsPerS = 1'000'000, kNsPerUs = 1000;
  return int64_t{now.tv_sec} * kUsPerS + now.tv_nsec / kNsPerUs;
}

}  // namespace bs::daemon
