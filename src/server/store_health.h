// Whether the lease store is working, as the operator needs to hear it: one
// line when commits start failing (and why: disk full, I/O error, read-only),
// one when they succeed again (after how many failures, how long), not one
// per failed batch. The pipeline keeps running either way; while the store
// fails, no ACK leaves (the batch is reverted), so clients simply retry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/lease_store.h"

namespace bs::server {

class StoreHealth {
 public:
  explicit StoreHealth(std::string store_name) : store_name_(std::move(store_name)) {}

  // Record one commit's outcome at monotonic time now_ms. Each returns the
  // line to log when the outcome changes the state, else nothing: the first
  // failure of an outage, the first time each other cause shows up within
  // it, and the recovery.
  std::optional<std::string> failed(const store::StoreError& error, int64_t now_ms);
  std::optional<std::string> succeeded(int64_t now_ms);

  bool failing() const { return failing_; }
  store::StoreFault fault() const { return fault_; }
  // Failed commits in the current outage (0 when healthy), and outages
  // since start, counting the current one.
  uint64_t failures_in_outage() const { return failures_in_outage_; }
  uint64_t outages() const { return outages_; }

 private:
  std::string store_name_;
  bool failing_ = false;
  store::StoreFault fault_ = store::StoreFault::Other;
  int64_t failing_since_ms_ = 0;
  uint32_t causes_reported_ = 0;  // bit per StoreFault, so flapping causes log once each
  uint64_t failures_in_outage_ = 0;
  uint64_t outages_ = 0;
};

}  // namespace bs::server
