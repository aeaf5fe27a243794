// StartupTiming (startup_timing.h).
#include "daemon/startup_timing.h"

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>

namespace bs::daemon {
namespace {

int64_t steady_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// The process's start time (field 22 of /proc/self/stat, clock ticks since
// boot) against CLOCK_BOOTTIME, which counts from the same boot.
double ms_since_exec() {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return -1;
  // The command name (field 2) may hold spaces; fields resume after ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  // Fields 3..21 precede starttime.
  constexpr int kFieldsBeforeStart = 19;
  for (int i = 0; i < kFieldsBeforeStart && fields >> field; ++i) {
  }
  uint64_t start_ticks = 0;
  if (!(fields >> start_ticks)) return -1;
  const long ticks_per_s = sysconf(_SC_CLK_TCK);
  timespec boot{};
  if (ticks_per_s <= 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0) return -1;
  const double now_ms =
      static_cast<double>(boot.tv_sec) * 1e3 + static_cast<double>(boot.tv_nsec) / 1e6;
  const double start_ms = static_cast<double>(start_ticks) * 1e3 / static_cast<double>(ticks_per_s);
  return now_ms >= start_ms ? now_ms - start_ms : 0;
}

}  // namespace

StartupTiming::StartupTiming()
    : main_entry_ns_(steady_ns()),
      last_mark_ns_(main_entry_ns_),
      exec_to_main_ms_(ms_since_exec()) {}

void StartupTiming::mark(std::string_view phase) {
  const int64_t now_ns = steady_ns();
  phases_.push_back({std::string(phase), static_cast<double>(now_ns - last_mark_ns_) / 1e6});
  last_mark_ns_ = now_ns;
}

double StartupTiming::since_main_ms() const {
  return static_cast<double>(steady_ns() - main_entry_ns_) / 1e6;
}

std::string StartupTiming::summary() const {
  std::string text;
  if (exec_to_main_ms_ >= 0)
    text = fmt::format("exec to main ~{:.0f} ms (10 ms ticks); ", exec_to_main_ms_);
  double at_ms = 0;
  for (const Phase& phase : phases_) {
    at_ms += phase.duration_ms;
    text += fmt::format("{} {:.1f} ms (at {:.1f}), ", phase.name, phase.duration_ms, at_ms);
  }
  const double total_ms = since_main_ms();
  text += fmt::format("serving {:.1f} ms after main", total_ms);
  if (exec_to_main_ms_ >= 0)
    text += fmt::format(", ~{:.0f} ms after exec", total_ms + exec_to_main_ms_);
  return text;
}

}  // namespace bs::daemon
