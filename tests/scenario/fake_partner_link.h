// Two in-process HA servers joined on one thread. Each frame goes through
// the real wire codec (with each side's own clock, so clock skew between
// the two is exercised). A server waiting for its partner's
// acknowledgement "pumps" the other side: the other server's link is
// polled once, as its own loop would between batches. Pumps never nest.
// A cut link drops frames both ways; a receive that finds nothing moves
// the waiting side's fake clock on by the timeout, as a real wait would.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "server/partner_link.h"

namespace bs::testing {

class FakePartnerWire {
 public:
  class End final : public server::PartnerLink {
   public:
    End(FakePartnerWire& wire, FakeClock& clock, int side)
        : wire_(wire), clock_(clock), side_(side) {}
    bool send(const server::LinkFrame& frame) override {
      if (wire_.cut) return false;
      Bytes bytes;
      server::encode_frame(frame, clock_.now_s(), bytes);
      wire_.inbox[1 - side_].push_back(std::move(bytes));
      return true;
    }
    size_t receive(std::vector<server::LinkFrame>& out, int timeout_ms) override {
      auto& inbox = wire_.inbox[side_];
      if (inbox.empty() && !wire_.pumping && wire_.pump[1 - side_]) {
        wire_.pumping = true;
        wire_.pump[1 - side_]();
        wire_.pumping = false;
      }
      if (inbox.empty()) {
        clock_.advance_ms(timeout_ms);
        return 0;
      }
      size_t count = 0;
      while (!inbox.empty()) {
        const Bytes bytes = std::move(inbox.front());
        inbox.pop_front();
        auto frame =
            server::decode_frame(std::span<const uint8_t>(bytes).subspan(4), clock_.now_s());
        if (frame) {
          out.push_back(std::move(*frame));
          ++count;
        }
      }
      return count;
    }

   private:
    FakePartnerWire& wire_;
    FakeClock& clock_;
    int side_;
  };

  std::unique_ptr<End> end(FakeClock& clock, int side) {
    return std::make_unique<End>(*this, clock, side);
  }

  bool cut = false;
  bool pumping = false;
  // pump[i] runs side i's partner poll (set by the test; empty: side i is
  // dead and answers nothing).
  std::function<void()> pump[2];
  std::deque<Bytes> inbox[2];
};

}  // namespace bs::testing
