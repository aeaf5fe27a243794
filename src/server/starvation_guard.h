// Bounds how much of a pool one relay port or one link can take. A
// chaddr-rotating flood (dhcpig, dhcpstarv) looks like thousands of new
// clients; per-client limits cannot see it, but every one of those clients
// arrives through the same relay port (giaddr plus option 82 circuit-id and
// remote-id) or the same directly attached interface. Such a key may hold at
// most a configured share of each subnet's pool in offered or bound state;
// past it, queries that would take a NEW address are dropped. A client that
// already holds an address (renewing, retransmitting, re-requesting) is never
// refused, and neither is a client with a reserved address.
//
// What a key holds is counted lazily against the engine: the guard remembers
// which address it let each key take, for which client, and an entry counts
// only while the engine still shows that address offered to or bound to that
// client. Expired, released, declined or reverted addresses stop counting by
// themselves; there is no counter that could drift. Everything is bounded
// (keys, entries), deterministic (now_s is passed in) and exception-free
// apart from allocation failure. Off unless the config sets a share.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "alloc/engine.h"
#include "config/config.h"
#include "io/transport.h"
#include "server/rate_limited_log.h"
#include "wire/packet.h"

namespace bs::server {

// One query that wants an address of `subnet`.
struct GuardQuery {
  const wire::Packet& packet;
  const io::InterfaceInfo& link;
  const config::Subnet& subnet;
  const alloc::ClientIdentity& client;
  int64_t now_s = 0;
};

// The guard's answer; pass it back to record() with the address given out.
struct Admission {
  bool allowed = true;
  bool counts = false;  // the address the query gets counts against `key`
  std::string key;
};

class StarvationGuard {
 public:
  // Bounds: keys and addresses come from input. Past kMaxKeys, new keys of a
  // subnet share one overflow key (which is itself held to the share); past
  // kMaxTrackedAddresses, addresses are given out without being counted.
  static constexpr size_t kMaxKeys = 4096;
  static constexpr size_t kMaxTrackedAddresses = size_t{1} << 20;

  // `offer_hold_s` must match the engine's (an offer older than that has
  // lapsed even if the engine has not reclaimed it yet).
  explicit StarvationGuard(const config::Config& config,
                           uint32_t offer_hold_s = alloc::EngineOptions{}.offer_hold_s);

  bool enabled() const { return share_percent_ > 0; }
  // Takes over what `old` (the guard under the previous config) counted, so
  // a reload does not hand a flooding port a fresh share. Keys of subnets
  // the new config no longer has are dropped; a key over a smaller new limit
  // keeps its entries and simply takes nothing more until they lapse.
  void carry_over(StarvationGuard&& old);
  // Addresses of the subnet's pools one key may hold (at least 1).
  uint64_t limit(uint32_t subnet_id) const;

  // Whether the query may go on to the engine. Refusals are logged,
  // rate-limited per key.
  Admission admit(const GuardQuery& query, const alloc::Engine& engine);
  // The engine gave `lease` to the admitted query.
  void record(const Admission& admission, const Lease& lease, const alloc::Engine& engine,
              int64_t now_s);

  // The key a query is counted under: "SUBNET|r" + giaddr + circuit-id and
  // remote-id for relayed queries, "SUBNET|i" + ifindex for direct ones.
  static std::string key_of(const wire::Packet& packet, const io::InterfaceInfo& link,
                            uint32_t subnet_id);
  // For log lines: `relay 198.18.3.1 circuit-id "eth1"` or `link eth0`.
  static std::string describe_source(const wire::Packet& packet, const io::InterfaceInfo& link);

  // Inspection, for tests and diagnostics.
  size_t held(const std::string& key, const alloc::Engine& engine, int64_t now_s) const;
  size_t key_count() const { return keys_.size(); }
  size_t tracked_addresses() const { return tracked_total_; }
  uint64_t refused_total() const { return refused_total_; }
  uint64_t untracked_total() const { return untracked_total_; }

 private:
  struct Entry {
    Ip4 address;
    uint64_t client_hash = 0;
  };
  struct KeyState {
    uint32_t subnet_id = 0;
    std::vector<Entry> entries;  // never more than limit(subnet_id) when recorded
    int64_t pruned_at_s = INT64_MIN;
    bool recorded_since_prune = false;
  };

  bool holds_address(const GuardQuery& query, const alloc::Engine& engine) const;
  bool is_held(const Lease& lease, int64_t now_s) const;
  bool is_live(const Entry& entry, const alloc::Engine& engine, int64_t now_s) const;
  KeyState& find_or_add(std::string& key, uint32_t subnet_id, const alloc::Engine& engine,
                        int64_t now_s);
  void prune(KeyState& state, const alloc::Engine& engine, int64_t now_s);
  void sweep_if_due(const alloc::Engine& engine, int64_t now_s);
  void log_refusal(const GuardQuery& query, const std::string& key, const KeyState& state);

  uint32_t share_percent_ = 0;
  uint32_t offer_hold_s_ = 0;
  std::unordered_map<uint32_t, uint64_t> pool_size_of_subnet_;
  std::unordered_map<std::string, KeyState> keys_;
  size_t tracked_total_ = 0;
  int64_t swept_at_s_ = INT64_MIN;
  uint64_t refused_total_ = 0;
  uint64_t untracked_total_ = 0;
  RateLimitedLog log_;
};

}  // namespace bs::server
