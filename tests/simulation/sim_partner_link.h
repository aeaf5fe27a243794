// The HA partner link of the seeded simulation: two in-process servers on
// one world clock, each reading it through its own skewed wall clock
// (SkewedClock), joined by a wire that drops, delays and partitions frames
// as the world's seeded generator decides. Frames go through the real
// codec (partner_link.h), so ages cross the link and the skew is real.
//
// Time: the world owns one FakeClock. A server waiting for its partner
// (PartnerLink::receive with a timeout) moves the world on, to the next
// frame's arrival or to the end of the wait, as a real wait would; while
// it waits, the other server "pumps": its link is polled as its own loop
// would between batches, so it can apply the batch and acknowledge it.
// Pumps never nest. Frames keep their order (one TCP stream), each
// arriving no earlier than the one before it.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "common/clock.h"
#include "server/partner_link.h"

namespace bs::sim {

// A server's view of the world's time: the same monotonic milliseconds,
// a wall clock `skew_s` ahead (or behind).
class SkewedClock final : public Clock {
 public:
  SkewedClock(const FakeClock& world, int64_t skew_s) : world_(world), skew_s_(skew_s) {}
  int64_t now_s() const override { return world_.now_s() + skew_s_; }
  int64_t monotonic_ms() const override { return world_.monotonic_ms(); }
  int64_t skew_s() const { return skew_s_; }

 private:
  const FakeClock& world_;
  int64_t skew_s_;
};

// How the wire misbehaves; the world changes `partitioned` and `down` as
// it goes.
struct WireWeather {
  double drop = 0.01;         // per frame
  double slow = 0.03;         // per frame: delayed past max-ack-delay's reach
  int64_t delay_max_ms = 40;  // an ordinary frame's delay, uniform from 0
  int64_t slow_max_ms = 1500;
};

class SimPartnerWire {
 public:
  SimPartnerWire(FakeClock& world, std::mt19937_64& random, WireWeather weather)
      : world_(world), random_(random), weather_(weather) {}

  class End final : public server::PartnerLink {
   public:
    End(SimPartnerWire& wire, int side) : wire_(wire), side_(side) {}
    bool send(const server::LinkFrame& frame) override { return wire_.send(side_, frame); }
    size_t receive(std::vector<server::LinkFrame>& out, int timeout_ms) override {
      return wire_.receive(side_, out, timeout_ms);
    }

   private:
    SimPartnerWire& wire_;
    int side_;
  };

  std::unique_ptr<End> end(int side) { return std::make_unique<End>(*this, side); }
  void set_clock(int side, const Clock* clock) { clocks_[side] = clock; }
  // Side `side`'s own loop, polled while the other waits; empty: it is dead.
  void set_pump(int side, std::function<void()> pump) { pump_[side] = std::move(pump); }
  // A power cut: what was on its way to `side` is gone, and until it is
  // back a connection to it is refused.
  void kill(int side) {
    inbox_[side].clear();
    pump_[side] = nullptr;
    down_[side] = true;
  }
  void revive(int side) { down_[side] = false; }

  bool partitioned = false;  // frames both ways vanish; the senders cannot tell
  uint64_t frames_sent = 0, frames_lost = 0;

 private:
  struct InFlight {
    int64_t arrives_ms = 0;
    Bytes bytes;
  };

  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(random_) < p; }

  bool send(int from, const server::LinkFrame& frame) {
    const int to = 1 - from;
    if (down_[to]) return false;
    ++frames_sent;
    if (partitioned || chance(weather_.drop)) {
      ++frames_lost;
      return true;
    }
    const int64_t delay_ms = std::uniform_int_distribution<int64_t>(
        0, chance(weather_.slow) ? weather_.slow_max_ms : weather_.delay_max_ms)(random_);
    auto& inbox = inbox_[to];
    const int64_t after_ms = inbox.empty() ? 0 : inbox.back().arrives_ms;
    InFlight flight{std::max(world_.monotonic_ms() + delay_ms, after_ms), {}};
    server::encode_frame(frame, clocks_[from]->now_s(), flight.bytes);
    inbox.push_back(std::move(flight));
    return true;
  }

  size_t take_arrived(int side, std::vector<server::LinkFrame>& out) {
    size_t count = 0;
    auto& inbox = inbox_[side];
    while (!inbox.empty() && inbox.front().arrives_ms <= world_.monotonic_ms()) {
      const Bytes bytes = std::move(inbox.front().bytes);
      inbox.pop_front();
      auto frame =
          server::decode_frame(std::span<const uint8_t>(bytes).subspan(4), clocks_[side]->now_s());
      if (frame) {
        out.push_back(std::move(*frame));
        ++count;
      }
    }
    return count;
  }

  // The other side's loop turns once if something has arrived for it.
  void pump_other(int side) {
    const int other = 1 - side;
    if (pumping_ || !pump_[other]) return;
    const auto& inbox = inbox_[other];
    if (inbox.empty() || inbox.front().arrives_ms > world_.monotonic_ms()) return;
    pumping_ = true;
    pump_[other]();
    pumping_ = false;
  }

  size_t receive(int side, std::vector<server::LinkFrame>& out, int timeout_ms) {
    const int64_t until_ms = world_.monotonic_ms() + timeout_ms;
    // Each turn delivers, pumps, or moves time to the next arrival; bounded
    // all the same.
    for (int turn = 0; turn < 256; ++turn) {
      if (size_t count = take_arrived(side, out)) return count;
      pump_other(side);
      if (size_t count = take_arrived(side, out)) return count;
      int64_t next_ms = until_ms;
      for (const auto& inbox : inbox_) {
        if (!inbox.empty() && inbox.front().arrives_ms > world_.monotonic_ms()) {
          next_ms = std::min(next_ms, inbox.front().arrives_ms);
        }
      }
      if (next_ms <= world_.monotonic_ms()) break;
      world_.advance_ms(next_ms - world_.monotonic_ms());
    }
    return take_arrived(side, out);
  }

  FakeClock& world_;
  std::mt19937_64& random_;
  WireWeather weather_;
  const Clock* clocks_[2] = {nullptr, nullptr};
  std::function<void()> pump_[2];
  std::deque<InFlight> inbox_[2];
  bool down_[2] = {false, false};
  bool pumping_ = false;
};

}  // namespace bs::sim
