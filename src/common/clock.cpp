// The real clock, read only by the daemon's main loop.
#include "common/clock.h"

#include <chrono>

namespace bs {

int64_t SystemClock::now_s() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

int64_t SystemClock::monotonic_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace bs
