// Shared set-up for the allocation engine tests: a small office config built
// directly as structs (no parser), client identities, and a snapshot of
// everything observable so revert can be checked for exactness.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "alloc/engine.h"
#include "config/config.h"

namespace bs::alloc::test {

inline Ip4 ip(const char* text) { return *parse_ip4(text); }

inline HwAddr mac(uint8_t last) { return make_hwaddr(std::vector<uint8_t>{2, 0, 0, 0, 0, last}); }

inline ClientIdentity client(uint8_t last) {
  ClientIdentity identity;
  identity.hw_address = mac(last);
  return identity;
}

constexpr int64_t kStart_s = 1'800'000'000;
constexpr uint32_t kLifetime_s = 3600;
constexpr uint32_t kProbation_s = 600;

// Subnet 1: 198.18.1.0/24, pool .100-.109, a reservation outside the pool
// (.50 for mac ..:99, hostname "counter-1") and one inside it (.105 for
// client id 01:02:00:00:00:00:98). Subnet 2: 198.18.3.0/24, pool .100-.101,
// its own 600 s lifetime.
inline config::Config office_config() {
  config::Config config;
  config.valid_lifetime_s = kLifetime_s;
  config.decline_probation_period_s = kProbation_s;
  config::Subnet office;
  office.id = 1;
  office.prefix = ip("198.18.1.0");
  office.prefix_len = 24;
  office.pools.push_back({ip("198.18.1.100"), ip("198.18.1.109")});
  config::Reservation counter;
  counter.hw_address = mac(0x99);
  counter.ip_address = ip("198.18.1.50");
  counter.hostname = "counter-1";
  office.reservations.push_back(counter);
  config::Reservation printer;
  printer.client_id = {1, 2, 0, 0, 0, 0, 0x98};
  printer.ip_address = ip("198.18.1.105");
  office.reservations.push_back(printer);
  config.subnets.push_back(office);
  config::Subnet lab;
  lab.id = 2;
  lab.prefix = ip("198.18.3.0");
  lab.prefix_len = 24;
  lab.pools.push_back({ip("198.18.3.100"), ip("198.18.3.101")});
  lab.valid_lifetime_s = 600;
  config.subnets.push_back(lab);
  return config;
}

inline ClientIdentity printer_client() {
  ClientIdentity identity = client(0x98);
  identity.client_id = {1, 2, 0, 0, 0, 0, 0x98};
  return identity;
}

inline bool operator==(const PoolStats& a, const PoolStats& b) {
  return a.total == b.total && a.assigned == b.assigned && a.declined == b.declined &&
         a.reserved == b.reserved && a.offered == b.offered && a.free == b.free;
}

inline std::ostream& operator<<(std::ostream& out, const PoolStats& s) {
  return out << "{total " << s.total << " assigned " << s.assigned << " declined " << s.declined
             << " reserved " << s.reserved << " offered " << s.offered << " free " << s.free << "}";
}

// Everything a caller can observe, for before/after comparisons.
struct Snapshot {
  std::vector<Lease> leases;  // sorted by address
  PoolStats office, lab;
  std::vector<std::optional<Lease>> newest;  // per probe client
  bool operator==(const Snapshot&) const = default;
};

inline Snapshot snapshot(const Engine& engine, int64_t now_s,
                         const std::vector<ClientIdentity>& probes) {
  Snapshot shot;
  engine.for_each_lease([&](const Lease& lease) { shot.leases.push_back(lease); });
  std::sort(shot.leases.begin(), shot.leases.end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  shot.office = engine.stats(1, now_s);
  shot.lab = engine.stats(2, now_s);
  for (const auto& probe : probes) {
    const Lease* lease = engine.find_by_client(probe);
    shot.newest.push_back(lease != nullptr ? std::optional<Lease>(*lease) : std::nullopt);
  }
  return shot;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : config_(office_config()), engine_(config_) {}

  const config::Subnet& office() const { return config_.subnets[0]; }
  const config::Subnet& lab() const { return config_.subnets[1]; }

  Ip4 offer(const ClientIdentity& who, int64_t now_s = kStart_s, Ip4 requested = {}) {
    auto offered = engine_.offer(office(), who, requested, now_s);
    EXPECT_TRUE(offered.has_value());
    return offered ? offered->address : Ip4{};
  }

  // DISCOVER + REQUEST, as a client in INIT would.
  Ip4 dora(const ClientIdentity& who, int64_t now_s = kStart_s) {
    const Ip4 address = offer(who, now_s);
    auto change = engine_.assign(office(), who, address, now_s);
    EXPECT_TRUE(change.has_value());
    return address;
  }

  config::Config config_;
  Engine engine_;
};

}  // namespace bs::alloc::test
