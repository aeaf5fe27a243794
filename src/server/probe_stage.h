// The probe stage: replies whose address is uncertain (probe_policy.h) wait
// here, with their decoded query, while the prober asks the link. The stage
// only decides who waits and what the link said; the pipeline (server.h)
// acts on its two lists: `released` (silence until the timeout, or the
// client answering for itself) go on to the commit stage as they are;
// `conflicted` (another device answered) get their address quarantined and
// their query handled again, from the decoded packet kept here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "io/prober.h"
#include "server/counters.h"
#include "server/probe_table.h"

namespace bs::server {

// A query whose addresses keep answering stops after this many; its
// retransmission starts over, by then with those addresses quarantined.
inline constexpr uint8_t kMaxProbeAttempts = 3;
// With nothing waiting, the prober's sockets are drained this often, so a
// busy link's ARP chatter does not pile up for the next probe to wade
// through. A frame left from before a probe was sent can only say that an
// address was in use a moment ago, which the stage may count as a conflict:
// the safe side.
inline constexpr int64_t kIdleDrainIntervalMs = 1000;

struct ProbeConflict {
  PendingProbe entry;
  io::ProbeAnswer answer;
};

struct ProbeResults {
  std::vector<PendingProbe> released;
  std::vector<ProbeConflict> conflicted;
  bool empty() const { return released.empty() && conflicted.empty(); }
  void clear() {
    released.clear();
    conflicted.clear();
  }
};

class ProbeStage {
 public:
  ProbeStage(size_t capacity, Counters& counters) : table_(capacity), counters_(counters) {}

  // Without a prober nothing is probed and nothing waits.
  void attach(std::unique_ptr<io::Prober> prober) { prober_ = std::move(prober); }
  bool active() const { return prober_ != nullptr; }
  size_t pending() const { return table_.size(); }

  enum class Parked : uint8_t {
    Waiting,    // probe sent; the entry waits here
    Duplicate,  // the address is probed already (a retransmission): the
                // waiting entry took this one's reply if neither promises a
                // change; otherwise `entry` is left to the caller to undo
    Full,       // no room; `entry` is left to the caller to undo and drop
    NotSent,    // the probe could not be sent; `entry` is left to go on
  };
  // Takes `entry` only when it returns Waiting (or, for Duplicate, merged).
  Parked park(PendingProbe& entry);

  // One poll of the prober's answers into `out`; false if none came.
  // While nothing waits, the prober's sockets are read only once every
  // kIdleDrainIntervalMs (what they hold answers nobody): a syscall per
  // socket per batch saved on the packet path.
  bool poll_answers(ProbeResults& out, int64_t now_ms);
  // Entries whose timeout has passed, into out.released.
  void take_expired(int64_t now_ms, ProbeResults& out);
  // The earliest deadline (monotonic ms) anything waits for, if any.
  std::optional<int64_t> next_deadline_ms() const { return table_.next_deadline_ms(); }
  // Empties the stage (before a reload), oldest entry first.
  std::vector<PendingProbe> take_all();
  // A new capacity; the stage must be empty (after take_all).
  void resize(size_t capacity);

 private:
  ProbeTable table_;
  Counters& counters_;
  std::unique_ptr<io::Prober> prober_;
  std::vector<io::ProbeAnswer> answers_;  // reused per poll
  int64_t next_idle_drain_ms_ = 0;
};

}  // namespace bs::server
