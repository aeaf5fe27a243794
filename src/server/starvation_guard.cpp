// The starvation guard's bookkeeping: keys from giaddr and option 82 (or the
// receiving link), per-key lists of the addresses each key was let take, and
// lazy pruning of the ones the engine no longer shows as held by the client
// the key got them for. Pruning costs O(entries of the key), so it runs only
// when a key looks full, at most once per second per key unless the key took
// an address since; the whole-table sweep that makes room runs at most once
// per second.
#include "server/starvation_guard.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <span>
#include <string_view>

#include "wire/relay_agent.h"

namespace bs::server {
namespace {

using wire::relay::kCircuitId;
using wire::relay::kRemoteId;
constexpr size_t kMaxShownBytes = 32;  // of a circuit-id or remote-id in a log line

struct RelayIds {
  std::span<const uint8_t> circuit_id, remote_id;
};

RelayIds relay_ids(const wire::Packet& packet) {
  RelayIds ids;
  bool seen_circuit = false, seen_remote = false;  // the first of each counts, as relay_sub_option
  wire::for_each_relay_sub_option(packet, [&](uint8_t code, std::span<const uint8_t> value) {
    if (code == kCircuitId && !seen_circuit) {
      ids.circuit_id = value;
      seen_circuit = true;
    } else if (code == kRemoteId && !seen_remote) {
      ids.remote_id = value;
      seen_remote = true;
    }
  });
  return ids;
}

void append_tlv(std::string& out, uint8_t code, std::span<const uint8_t> value) {
  if (value.empty()) return;
  out.push_back(static_cast<char>(code));
  out.push_back(static_cast<char>(value.size()));
  out.append(value.begin(), value.end());
}

std::string printable(std::span<const uint8_t> bytes) {
  const auto shown = bytes.first(std::min(bytes.size(), kMaxShownBytes));
  const bool text =
      std::all_of(shown.begin(), shown.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
  std::string out =
      text ? "\"" + std::string(shown.begin(), shown.end()) + "\"" : to_hex_colon(shown);
  if (shown.size() < bytes.size()) out += "...";
  return out;
}

// The engine's notion of a client: option 61 if present, else chaddr.
uint64_t client_hash(const Bytes& client_id, const HwAddr& hw) {
  std::string key = client_id.empty() ? "h" : "c";
  if (client_id.empty()) {
    const auto bytes = hw.view();
    key.append(bytes.begin(), bytes.end());
  } else {
    key.append(client_id.begin(), client_id.end());
  }
  return std::hash<std::string>{}(key);
}

uint64_t pool_size(const config::Subnet& subnet) {
  uint64_t total = 0;
  for (const config::Pool& pool : subnet.pools) {
    if (pool.last >= pool.first) total += uint64_t{pool.last.value} - pool.first.value + 1;
  }
  return total;
}

std::string overflow_key(uint32_t subnet_id) { return std::to_string(subnet_id) + "|overflow"; }

const char* query_name(const wire::Packet& packet) {
  return packet.message_type() == wire::MessageType::Discover ? "DISCOVER" : "REQUEST";
}

}  // namespace

StarvationGuard::StarvationGuard(const config::Config& config, uint32_t offer_hold_s)
    : share_percent_(config.starvation_guard.max_pool_share_percent), offer_hold_s_(offer_hold_s) {
  if (!enabled()) return;
  for (const config::Subnet& subnet : config.subnets) {
    pool_size_of_subnet_[subnet.id] = pool_size(subnet);
  }
}

void StarvationGuard::carry_over(StarvationGuard&& old) {
  refused_total_ += old.refused_total_;
  untracked_total_ += old.untracked_total_;
  log_ = std::move(old.log_);  // a reload must not unmute a flood's log lines
  if (!enabled()) return;
  for (auto& [key, state] : old.keys_) {
    if (!pool_size_of_subnet_.contains(state.subnet_id) || keys_.size() >= kMaxKeys) continue;
    tracked_total_ += state.entries.size();
    keys_.emplace(key, std::move(state));
  }
  old.keys_.clear();
  old.tracked_total_ = 0;
}

uint64_t StarvationGuard::limit(uint32_t subnet_id) const {
  const auto it = pool_size_of_subnet_.find(subnet_id);
  const uint64_t pool = it == pool_size_of_subnet_.end() ? 0 : it->second;
  return std::max<uint64_t>(1, pool * share_percent_ / 100);
}

std::string StarvationGuard::key_of(const wire::Packet& packet, const io::InterfaceInfo& link,
                                    uint32_t subnet_id) {
  std::string key = std::to_string(subnet_id) + "|";
  if (packet.giaddr.is_zero()) {
    // Option 82 on a direct query was put there by the client itself, so it
    // cannot tell ports apart: the whole link is one key.
    return key + "i" + std::to_string(link.ifindex);
  }
  key += 'r';
  for (int shift = 24; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((packet.giaddr.value >> shift) & 0xff));
  }
  const RelayIds ids = relay_ids(packet);
  append_tlv(key, kCircuitId, ids.circuit_id);
  append_tlv(key, kRemoteId, ids.remote_id);
  return key;
}

std::string StarvationGuard::describe_source(const wire::Packet& packet,
                                             const io::InterfaceInfo& link) {
  if (packet.giaddr.is_zero()) return "link " + link.name;
  std::string out = "relay " + to_string(packet.giaddr);
  const RelayIds ids = relay_ids(packet);
  if (!ids.circuit_id.empty()) out += " circuit-id " + printable(ids.circuit_id);
  if (!ids.remote_id.empty()) out += " remote-id " + printable(ids.remote_id);
  return out;
}

Admission StarvationGuard::admit(const GuardQuery& query, const alloc::Engine& engine) {
  if (!enabled() || holds_address(query, engine)) return {};
  const config::Reservation* reservation = engine.find_reservation(query.subnet, query.client);
  if (reservation != nullptr && !reservation->ip_address.is_zero()) return {};
  Admission admission{true, true, key_of(query.packet, query.link, query.subnet.id)};
  KeyState& state = find_or_add(admission.key, query.subnet.id, engine, query.now_s);
  const uint64_t allowed = limit(query.subnet.id);
  if (state.entries.size() < allowed) return admission;
  if (state.pruned_at_s != query.now_s || state.recorded_since_prune) {
    prune(state, engine, query.now_s);
  }
  if (state.entries.size() < allowed) return admission;
  admission.allowed = false;
  ++refused_total_;
  log_refusal(query, admission.key, state);
  return admission;
}

void StarvationGuard::record(const Admission& admission, const Lease& lease,
                             const alloc::Engine& engine, int64_t now_s) {
  if (!admission.counts || !admission.allowed) return;
  if (tracked_total_ >= kMaxTrackedAddresses) sweep_if_due(engine, now_s);
  const auto it = keys_.find(admission.key);
  if (tracked_total_ >= kMaxTrackedAddresses || it == keys_.end()) {
    ++untracked_total_;
    return;
  }
  KeyState& state = it->second;
  if (state.entries.size() >= limit(state.subnet_id)) return;  // admitted, then raced; bound holds
  state.entries.push_back(Entry{lease.address, client_hash(lease.client_id, lease.hw_address)});
  state.recorded_since_prune = true;
  ++tracked_total_;
}

size_t StarvationGuard::held(const std::string& key, const alloc::Engine& engine,
                             int64_t now_s) const {
  const auto it = keys_.find(key);
  if (it == keys_.end()) return 0;
  std::vector<Ip4> live;
  for (const Entry& entry : it->second.entries) {
    if (is_live(entry, engine, now_s)) live.push_back(entry.address);
  }
  std::sort(live.begin(), live.end());
  return static_cast<size_t>(std::unique(live.begin(), live.end()) - live.begin());
}

bool StarvationGuard::holds_address(const GuardQuery& query, const alloc::Engine& engine) const {
  const Lease* lease = engine.find_by_client(query.client);
  return lease != nullptr && lease->subnet_id == query.subnet.id && is_held(*lease, query.now_s);
}

bool StarvationGuard::is_held(const Lease& lease, int64_t now_s) const {
  if (lease.state == LeaseState::Offered) return lease.cltt_s + offer_hold_s_ > now_s;
  return lease.bound_at(now_s);
}

bool StarvationGuard::is_live(const Entry& entry, const alloc::Engine& engine,
                              int64_t now_s) const {
  const Lease* lease = engine.find_by_address(entry.address);
  return lease != nullptr &&
         client_hash(lease->client_id, lease->hw_address) == entry.client_hash &&
         is_held(*lease, now_s);
}

StarvationGuard::KeyState& StarvationGuard::find_or_add(std::string& key, uint32_t subnet_id,
                                                        const alloc::Engine& engine,
                                                        int64_t now_s) {
  if (const auto it = keys_.find(key); it != keys_.end()) return it->second;
  if (keys_.size() >= kMaxKeys) sweep_if_due(engine, now_s);
  // Full of keys that still hold addresses: newcomers share one key per
  // subnet (one more per subnet beyond the bound), held to the same share.
  if (keys_.size() >= kMaxKeys) key = overflow_key(subnet_id);
  KeyState& state = keys_[key];
  state.subnet_id = subnet_id;
  return state;
}

void StarvationGuard::prune(KeyState& state, const alloc::Engine& engine, int64_t now_s) {
  const size_t before = state.entries.size();
  std::erase_if(state.entries, [&](const Entry& entry) { return !is_live(entry, engine, now_s); });
  // A client given the same address twice (its offer lapsed, it came back)
  // left two entries; both are live, but the address counts once.
  std::sort(state.entries.begin(), state.entries.end(),
            [](const Entry& a, const Entry& b) { return a.address < b.address; });
  const auto last =
      std::unique(state.entries.begin(), state.entries.end(),
                  [](const Entry& a, const Entry& b) { return a.address == b.address; });
  state.entries.erase(last, state.entries.end());
  tracked_total_ -= before - state.entries.size();
  state.pruned_at_s = now_s;
  state.recorded_since_prune = false;
}

void StarvationGuard::sweep_if_due(const alloc::Engine& engine, int64_t now_s) {
  if (swept_at_s_ == now_s) return;
  swept_at_s_ = now_s;
  for (auto it = keys_.begin(); it != keys_.end();) {
    prune(it->second, engine, now_s);
    it = it->second.entries.empty() ? keys_.erase(it) : std::next(it);
  }
}

void StarvationGuard::log_refusal(const GuardQuery& query, const std::string& key,
                                  const KeyState& state) {
  std::string source = describe_source(query.packet, query.link);
  if (key == overflow_key(query.subnet.id)) {
    source = fmt::format("sources beyond the {} tracked (latest: {})", kMaxKeys, source);
  }
  log_.warn("starvation/" + key,
            fmt::format("starvation guard: {} addresses of subnet {} ({}% share) held via {}; "
                        "{} from new client {} dropped",
                        state.entries.size(), query.subnet.id, share_percent_, source,
                        query_name(query.packet), to_string(query.client.hw_address)),
            query.now_s * 1000);
}

}  // namespace bs::server
