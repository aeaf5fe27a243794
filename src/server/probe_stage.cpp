// The probe stage (probe_stage.h): the table of waiting replies, the
// prober, and the sorting of what the link said into released and
// conflicted.
#include "server/probe_stage.h"

#include <algorithm>

#include "common/assert.h"

namespace bs::server {
namespace {

constexpr size_t kMaxAnswersPerPoll = 256;

bool answered_by_client(const io::ProbeAnswer& answer, const HwAddr& client_hw) {
  if (!answer.mac || client_hw.htype != 1 || client_hw.length != 6) return false;
  return std::equal(answer.mac->begin(), answer.mac->end(), client_hw.bytes.begin());
}

bool promises_change(const HeldOutcome& held) { return std::holds_alternative<Promise>(held); }

}  // namespace

ProbeStage::Parked ProbeStage::park(PendingProbe& entry) {
  BS_ASSERT(prober_ != nullptr);
  if (PendingProbe* waiting = table_.find(entry.request.address)) {
    // A retransmission while the first copy is probed: the engine holds
    // the address for this client, so the newest query just replaces the
    // parked reply (its xid is the one the client now waits for).
    if (!promises_change(waiting->held) && !promises_change(entry.held)) {
      waiting->held = std::move(entry.held);
      waiting->query = std::move(entry.query);
    }
    return Parked::Duplicate;
  }
  if (table_.full()) return Parked::Full;
  if (!prober_->send(entry.request)) return Parked::NotSent;
  ++counters_.probes_sent;
  table_.insert(std::move(entry));
  counters_.probes_pending = table_.size();
  return Parked::Waiting;
}

bool ProbeStage::poll_answers(ProbeResults& out, int64_t now_ms) {
  if (!prober_) return false;
  if (table_.empty()) {
    if (now_ms < next_idle_drain_ms_) return false;
    next_idle_drain_ms_ = now_ms + kIdleDrainIntervalMs;
  }
  answers_.clear();
  if (prober_->poll(answers_, kMaxAnswersPerPoll) == 0) return false;
  for (const io::ProbeAnswer& answer : answers_) {
    PendingProbe* waiting = table_.find(answer.address);
    if (waiting == nullptr) continue;  // not ours, or decided already
    const bool self = answered_by_client(answer, waiting->query.packet.hw_address());
    auto entry = table_.take(answer.address);
    if (self) {
      ++counters_.probe_self_answers;
      out.released.push_back(std::move(*entry));
    } else {
      ++counters_.probe_conflicts;
      out.conflicted.push_back(ProbeConflict{std::move(*entry), answer});
    }
  }
  counters_.probes_pending = table_.size();
  return true;
}

void ProbeStage::take_expired(int64_t now_ms, ProbeResults& out) {
  while (auto entry = table_.take_expired(now_ms)) {
    ++counters_.probe_timeouts;
    out.released.push_back(std::move(*entry));
  }
  counters_.probes_pending = table_.size();
}

std::vector<PendingProbe> ProbeStage::take_all() {
  std::vector<PendingProbe> entries = table_.take_all();
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const PendingProbe& a, const PendingProbe& b) { return a.deadline_ms < b.deadline_ms; });
  counters_.probes_pending = 0;
  return entries;
}

void ProbeStage::resize(size_t capacity) {
  BS_ASSERT(table_.empty());
  table_ = ProbeTable(capacity);
}

}  // namespace bs::server
