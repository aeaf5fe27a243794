// The real clock, read only by the daemon's main loop.
#include "common/clock.h"

#include <chrono>
#include <ctime>

namespace bs {

int64_t SystemClock::now_s() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

int64_t SystemClock::monotonic_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string format_utc(int64_t unix_s, const char* format) {
  const auto t = static_cast<std::time_t>(unix_s);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  const size_t length = std::strftime(text, sizeof text, format, &utc);
  return std::string(text, length);
}

}  // namespace bs
