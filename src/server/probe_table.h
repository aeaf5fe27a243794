// Replies parked while their address is probed. Bounded: when it is full
// the pipeline drops the query and the client's retransmission tries again,
// which slows a boot storm down instead of turning probing off (dnsmasq's
// ping check switches itself off under load, the failure this avoids).
// Every entry waits the same timeout, so deadlines leave in arrival order
// and a FIFO finds the expired ones without scanning.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "alloc/lease.h"
#include "io/prober.h"
#include "server/handoff.h"

namespace bs::server {

struct PendingProbe {
  io::ProbeRequest request;
  uint32_t subnet_id = 0;
  // The OFFER, or the adoption's ACK with its change (applied in the
  // engine, not yet committed).
  HeldOutcome held;
  DecodedQuery query;  // handled again, as decoded, if the address is taken
  int64_t deadline_ms = 0;
  uint8_t attempt = 0;  // how many earlier addresses answered for this query
};

class ProbeTable {
 public:
  explicit ProbeTable(size_t capacity) : capacity_(capacity) {}

  bool full() const {
    return by_address_.size() >= capacity_ || deadlines_.size() >= 2 * capacity_;
  }
  size_t size() const { return by_address_.size(); }
  bool empty() const { return by_address_.empty(); }
  PendingProbe* find(Ip4 address);
  // The caller checked full() and that no entry exists for the address.
  void insert(PendingProbe entry);
  std::optional<PendingProbe> take(Ip4 address);
  // The next entry whose deadline has passed, if any.
  std::optional<PendingProbe> take_expired(int64_t now_ms);
  // The earliest deadline (monotonic ms), or nullopt when empty; possibly
  // one already answered, which only wakes the caller early.
  std::optional<int64_t> next_deadline_ms() const;
  // Empties the table, returning every entry (for reload and shutdown).
  std::vector<PendingProbe> take_all();

 private:
  struct Deadline {
    int64_t at_ms;
    uint32_t address;
  };
  size_t capacity_;
  std::unordered_map<uint32_t, PendingProbe> by_address_;
  // May hold entries already answered; they are skipped when they surface.
  std::deque<Deadline> deadlines_;
};

}  // namespace bs::server
