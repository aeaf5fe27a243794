// Per-client decline accounting with a sliding window.
#include "server/decline_limiter.h"

namespace bs::server {
namespace {

std::string client_key(const alloc::ClientIdentity& client) {
  if (!client.client_id.empty()) {
    return "c" + std::string(client.client_id.begin(), client.client_id.end());
  }
  const auto hw = client.hw_address.view();
  return "h" + std::string(hw.begin(), hw.end());
}

}  // namespace

bool DeclineLimiter::allow(const alloc::ClientIdentity& client, int64_t now_s, int64_t window_s) {
  if (declines_at_s_.size() >= kMaxTrackedClients) {
    // Forget clients whose declines have all aged out; if none have, start
    // over rather than grow: the bound matters more than perfect memory.
    std::erase_if(declines_at_s_, [&](const auto& entry) {
      return entry.second.empty() || entry.second.back() + window_s <= now_s;
    });
    if (declines_at_s_.size() >= kMaxTrackedClients) declines_at_s_.clear();
  }
  std::deque<int64_t>& times = declines_at_s_[client_key(client)];
  while (!times.empty() && times.front() + window_s <= now_s) times.pop_front();
  if (times.size() >= kMaxDeclinesPerClient) return false;
  times.push_back(now_s);
  return true;
}

}  // namespace bs::server
