// IntakeQueue: one FIFO per band. With eight bands, choosing the next
// packet is a scan of eight heads, cheaper than keeping a heap ordered by
// an effective priority that changes as time passes.
#include "server/intake_queue.h"

#include <utility>

#include "common/assert.h"

namespace bs::server {

IntakeQueue::IntakeQueue(IntakeOptions options) : options_(options) {
  BS_ASSERT(options_.capacity > 0);
  BS_ASSERT(options_.aging_step_ms > 0);
}

void IntakeQueue::push(io::RxPacket& packet, uint8_t band, int64_t now_ms) {
  BS_ASSERT(band < kBands);
  if (size_ == options_.capacity) {
    // The newest packet of the lowest band has waited least and matters
    // least; its client will retransmit.
    std::deque<Waiting>* victim = nullptr;
    for (uint8_t lower = 0; lower < band; ++lower) {
      if (!bands_[lower].empty()) {
        victim = &bands_[lower];
        break;
      }
    }
    if (victim == nullptr) {
      ++counters_.refused;
      return;
    }
    victim->pop_back();
    --size_;
    ++counters_.evicted;
  }
  bands_[band].push_back(Waiting{std::move(packet), now_ms});
  ++size_;
}

void IntakeQueue::drop_stale(int64_t now_ms) {
  for (auto& band : bands_) {
    while (!band.empty() && now_ms - band.front().arrived_ms > options_.max_age_ms) {
      band.pop_front();
      --size_;
      ++counters_.stale;
    }
  }
}

// The band whose head has the highest effective band (its band plus one per
// ageing step waited); a tie goes to the higher band.
std::optional<uint8_t> IntakeQueue::next_band(int64_t now_ms) const {
  std::optional<uint8_t> best;
  int64_t best_rank = -1;
  for (uint8_t band = 0; band < kBands; ++band) {
    if (bands_[band].empty()) continue;
    const int64_t waited_ms = now_ms - bands_[band].front().arrived_ms;
    const int64_t rank = band + (waited_ms > 0 ? waited_ms / options_.aging_step_ms : 0);
    if (rank >= best_rank) {
      best_rank = rank;
      best = band;
    }
  }
  return best;
}

std::optional<io::RxPacket> IntakeQueue::pop(int64_t now_ms) {
  drop_stale(now_ms);
  const auto band = next_band(now_ms);
  if (!band) return std::nullopt;
  io::RxPacket packet = std::move(bands_[*band].front().packet);
  bands_[*band].pop_front();
  --size_;
  return packet;
}

}  // namespace bs::server
