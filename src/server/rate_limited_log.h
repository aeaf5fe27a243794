// Log lines about untrusted input, at most one per key per interval, so a
// flood of bad packets cannot flood the log. Suppressed lines are counted and
// reported with the next line that gets through.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace bs::server {

class RateLimitedLog {
 public:
  explicit RateLimitedLog(int64_t interval_ms = 10'000) : interval_ms_(interval_ms) {}

  // Logs `message` at warning level unless `key` logged within the interval.
  void warn(const std::string& key, const std::string& message, int64_t now_ms);
  uint64_t suppressed_total() const { return suppressed_total_; }

 private:
  struct Entry {
    int64_t last_ms = 0;
    uint64_t suppressed = 0;
  };
  static constexpr size_t kMaxKeys = 1024;  // bound: keys come from input
  int64_t interval_ms_;
  std::unordered_map<std::string, Entry> entries_;
  uint64_t suppressed_total_ = 0;
};

}  // namespace bs::server
