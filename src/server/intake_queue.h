// The intake: received packets wait here, by priority band, until the
// pipeline takes the next batch. Without priority classes every packet is in
// band 0 and the intake is a FIFO, as the kernel's socket buffer was. With
// them, a public counter's DISCOVER is taken before the PCs that arrived
// earlier, so in a boot storm the clients that matter most are served
// first. Bounded in every direction:
// - capacity: when full, an arriving packet evicts the newest packet of the
//   lowest band below its own, or is dropped itself;
// - ageing: a packet's effective band grows by one for every `aging_step_ms`
//   it waits, so a low band is delayed, never starved;
// - staleness: a packet older than `max_age_ms` is dropped when it reaches
//   the head, since its client has retransmitted by then (RFC 2131 4.1
//   suggests a first retransmission after 4 s).
// Pure: no clock (callers pass monotonic milliseconds) and no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "io/transport.h"

namespace bs::server {

struct IntakeOptions {
  size_t capacity = 8192;       // packets waiting, all bands together
  int64_t aging_step_ms = 250;  // waiting this long raises the band by one
  int64_t max_age_ms = 4000;    // older packets are dropped unhandled
};

struct IntakeCounters {
  uint64_t evicted = 0;  // pushed out by a higher band arriving at a full intake
  uint64_t refused = 0;  // arrived at a full intake with nothing lower to evict
  uint64_t stale = 0;    // waited longer than max_age_ms
};

class IntakeQueue {
 public:
  // Bands 0 (default) to kBands - 1 (served first).
  static constexpr uint8_t kBands = 8;

  explicit IntakeQueue(IntakeOptions options = {});

  // Takes `packet` (moved from) unless the intake is full of packets of
  // its band or higher.
  void push(io::RxPacket& packet, uint8_t band, int64_t now_ms);
  // The packet to handle next, or nothing when the intake is empty (or
  // held only stale packets, which are dropped on the way).
  std::optional<io::RxPacket> pop(int64_t now_ms);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t free_space() const { return options_.capacity - size_; }
  size_t size_of_band(uint8_t band) const { return bands_.at(band).size(); }
  const IntakeCounters& counters() const { return counters_; }

 private:
  struct Waiting {
    io::RxPacket packet;
    int64_t arrived_ms = 0;
  };
  void drop_stale(int64_t now_ms);
  std::optional<uint8_t> next_band(int64_t now_ms) const;

  IntakeOptions options_;
  std::array<std::deque<Waiting>, kBands> bands_;
  size_t size_ = 0;
  IntakeCounters counters_;
};

}  // namespace bs::server
