// A scripted prober for scenario tests and the simulation: addresses listed
// in `occupied` answer every probe with the given MAC (or none, as ICMP
// would), everything else stays silent. Records what was probed.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "io/prober.h"

namespace bs::io {

class FakeProber final : public Prober {
 public:
  bool send(const ProbeRequest& request) override {
    sent.push_back(request);
    auto it = occupied.find(request.address.value);
    if (it != occupied.end()) {
      pending_.push_back(ProbeAnswer{
          request.address, request.method == ProbeMethod::Arp ? it->second : std::nullopt});
    }
    return true;
  }

  size_t poll(std::vector<ProbeAnswer>& out, size_t max_count) override {
    ++polls;
    for (const ProbeAnswer& answer : unsolicited) pending_.push_back(answer);
    unsolicited.clear();
    size_t count = 0;
    while (count < max_count && !pending_.empty()) {
      out.push_back(pending_.front());
      pending_.erase(pending_.begin());
      ++count;
    }
    return count;
  }

  // address (host order) -> the MAC that answers for it
  std::map<uint32_t, std::optional<MacAddress>> occupied;
  std::vector<ProbeRequest> sent;
  // Answers nobody asked for (a link's ARP chatter), read by the next poll.
  std::vector<ProbeAnswer> unsolicited;
  size_t polls = 0;

 private:
  std::vector<ProbeAnswer> pending_;
};

}  // namespace bs::io
