// Bounds how many addresses one client can quarantine with DECLINE. A client
// that declines everything it is offered (broken, or hostile) would
// otherwise drain the pool one probation period at a time. Past the limit
// its DECLINEs are ignored: it keeps its current address, is offered that
// same address again, and so takes nothing more from the pool. A config
// reload hands the limiter on to the new handler (Dhcp4Handler::carry_over),
// so reloading does not wipe a client's count.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "alloc/engine.h"

namespace bs::server {

class DeclineLimiter {
 public:
  static constexpr size_t kMaxDeclinesPerClient = 3;
  static constexpr size_t kMaxTrackedClients = 4096;  // bound: keys come from input

  // True if `client` may quarantine one more address now; records it if so.
  // A decline counts for `window_s` (the probation period).
  bool allow(const alloc::ClientIdentity& client, int64_t now_s, int64_t window_s);

 private:
  std::unordered_map<std::string, std::deque<int64_t>> declines_at_s_;
};

}  // namespace bs::server
