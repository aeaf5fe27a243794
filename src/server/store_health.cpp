// StoreHealth's transitions and the words of its log lines. The lines name
// the store and the cause, because "commit failed" alone sends an operator
// looking in the wrong place; and each outage is logged once because a boot
// storm against a full disk would otherwise write a line per batch, onto
// (often) the very disk that is full.
#include "server/store_health.h"

#include <fmt/format.h>

namespace bs::server {

std::optional<std::string> StoreHealth::failed(const store::StoreError& error, int64_t now_ms) {
  ++failures_in_outage_;
  const uint32_t cause_bit = 1u << static_cast<unsigned>(error.fault);
  if (!failing_) {
    failing_ = true;
    fault_ = error.fault;
    failing_since_ms_ = now_ms;
    causes_reported_ = cause_bit;
    ++outages_;
    return fmt::format("lease store {} failing ({}): new leases withheld until it recovers; {}",
                       store_name_, store::to_string(error.fault), error.message);
  }
  if (error.fault == fault_) return std::nullopt;
  fault_ = error.fault;
  if ((causes_reported_ & cause_bit) != 0) return std::nullopt;
  causes_reported_ |= cause_bit;
  return fmt::format("lease store {} still failing, now ({}): {}", store_name_,
                     store::to_string(error.fault), error.message);
}

std::optional<std::string> StoreHealth::succeeded(int64_t now_ms) {
  if (!failing_) return std::nullopt;
  const double outage_s = static_cast<double>(now_ms - failing_since_ms_) / 1000.0;
  std::string line =
      fmt::format("lease store {} recovered after {} failed commit{}, {:.1f} s", store_name_,
                  failures_in_outage_, failures_in_outage_ == 1 ? "" : "s", outage_s);
  failing_ = false;
  fault_ = store::StoreFault::Other;
  failures_in_outage_ = 0;
  return line;
}

}  // namespace bs::server
