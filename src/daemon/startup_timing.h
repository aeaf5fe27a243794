// Where the start-up time goes: the daemon marks each phase (config read,
// DHCP sockets bound, lease store opened, leases loaded, ...) and logs one
// line when it starts serving, with every phase's milliseconds and the
// total from exec. The drill and bench/startup_bench.sh read that line;
// it is a figure to print, never something asserted on.
//
// The origin is the process's start as the kernel recorded it
// (/proc/self/stat, in clock ticks, 10 ms resolution), so the time the
// dynamic loader and static constructors take before main() is counted
// too; the phases themselves are timed with the steady clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bs::daemon {

class StartupTiming {
 public:
  // Taken at main()'s entry: the phases are measured from here.
  StartupTiming();

  // Ends the phase that ran since the previous mark (or main's entry).
  void mark(std::string_view phase);
  // Milliseconds from main's entry to now.
  double since_main_ms() const;
  // "exec +N ms to main; config 2.1 ms, ... ; serving N ms after exec".
  std::string summary() const;

 private:
  struct Phase {
    std::string name;
    double duration_ms = 0;
  };
  int64_t main_entry_ns_ = 0;
  int64_t last_mark_ns_ = 0;
  // main's entry after the exec, in ms; negative when /proc is unreadable.
  double exec_to_main_ms_ = -1;
  std::vector<Phase> phases_;
};

}  // namespace bs::daemon
