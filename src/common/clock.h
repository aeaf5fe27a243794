// Time as an interface. The allocation engine never reads the wall clock: the
// server passes "now" in, and tests and the simulation drive a FakeClock.
#pragma once

#include <cstdint>
#include <string>

namespace bs {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch; lease times are stored in this unit.
  virtual int64_t now_s() const = 0;
  // Monotonic milliseconds, for timeouts and rates; not comparable across runs.
  virtual int64_t monotonic_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_s() const override;
  int64_t monotonic_ms() const override;
};

// `unix_s` in UTC through strftime's `format` ("%Y-%m-%d %H:%M:%S", ...).
std::string format_utc(int64_t unix_s, const char* format);

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_s = 1'800'000'000)
      : start_ms_(start_s * 1000), now_ms_(start_ms_) {}
  int64_t now_s() const override { return now_ms_ / 1000; }
  int64_t monotonic_ms() const override { return now_ms_ - start_ms_; }
  void advance_s(int64_t seconds) { now_ms_ += seconds * 1000; }
  void advance_ms(int64_t milliseconds) { now_ms_ += milliseconds; }

 private:
  int64_t start_ms_;
  int64_t now_ms_;
};

}  // namespace bs
