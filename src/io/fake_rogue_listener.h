// An in-memory RogueListener for scenario and unit tests: tests inject the
// frames other servers would have sent and read back the probes the server
// broadcast.
#pragma once

#include <deque>
#include <span>
#include <utility>
#include <vector>

#include "io/rogue_listener.h"

namespace bs::io {

class FakeRogueListener final : public RogueListener {
 public:
  struct Probe {
    int ifindex = 0;
    Bytes payload;
  };

  explicit FakeRogueListener(std::vector<int> watched) : watched_(std::move(watched)) {}

  size_t poll(std::vector<SniffedFrame>& out, size_t max_count) override {
    size_t count = 0;
    while (count < max_count && !inbox_.empty()) {
      out.push_back(std::move(inbox_.front()));
      inbox_.pop_front();
      ++count;
    }
    return count;
  }
  bool send_probe(int ifindex, std::span<const uint8_t> payload) override {
    if (fail_probes) return false;
    probes_.push_back({ifindex, Bytes(payload.begin(), payload.end())});
    return true;
  }
  std::vector<int> watched() const override { return watched_; }

  void inject(SniffedFrame frame) { inbox_.push_back(std::move(frame)); }
  size_t pending() const { return inbox_.size(); }
  // Hands over the probes sent so far and forgets them.
  std::vector<Probe> take_probes() { return std::exchange(probes_, {}); }

  bool fail_probes = false;

 private:
  std::vector<int> watched_;
  std::deque<SniffedFrame> inbox_;
  std::vector<Probe> probes_;
};

}  // namespace bs::io
