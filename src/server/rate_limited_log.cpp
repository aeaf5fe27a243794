// Rate limiting for log lines triggered by network input.
#include "server/rate_limited_log.h"

#include <spdlog/spdlog.h>

namespace bs::server {

void RateLimitedLog::warn(const std::string& key, const std::string& message, int64_t now_ms) {
  // Keys come from input, so past the bound the overflow shares one bucket.
  static const std::string kOverflowKey = "(other)";
  const bool overflow = entries_.size() >= kMaxKeys && !entries_.contains(key);
  Entry& entry = entries_[overflow ? kOverflowKey : key];
  if (entry.last_ms != 0 && now_ms - entry.last_ms < interval_ms_) {
    ++entry.suppressed;
    ++suppressed_total_;
    return;
  }
  if (entry.suppressed > 0) {
    spdlog::warn("{} ({} similar lines suppressed)", message, entry.suppressed);
  } else {
    spdlog::warn("{}", message);
  }
  entry.last_ms = now_ms == 0 ? 1 : now_ms;
  entry.suppressed = 0;
}

}  // namespace bs::server
