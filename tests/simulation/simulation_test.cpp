// The seeded simulation: the whole server (engine, handler, pipeline, group
// commit, conflict probing, recovery mode) in one process with a fake clock,
// transport, store and prober, driven by thirty simulated clients through
// thousands of steps of lost packets, failing commits, power cuts, a lease
// database restored from an old backup, and devices squatting on pool
// addresses, on a shared network of two subnets (so allocation falls
// through from one to the other). Everything random comes from one seed, so a failure prints
// the seed and step that reproduce it:
//
//   BS_SIM_SEED=1234 build/simulation_tests     # one seed, verbose
//   BS_SIM_SEEDS=200 build/simulation_tests     # more seeds than make test
//
// After every step it checks the promises: no address is used by two
// devices at once, a client never gets a squatted address while probing
// is "always", every ACKed lease is in the store, and the engine's indexes
// agree with its table.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "common/clock.h"
#include "config/config.h"
#include "io/fake_prober.h"
#include "io/fake_transport.h"
#include "server/server.h"
#include "simulation/sim_client.h"
#include "store/lease_store.h"

namespace bs::sim {
namespace {

constexpr size_t kClients = 30;
constexpr size_t kSteps = 3000;
constexpr int kRoundsPerStep = 8;  // server batches per step, bounded

Ip4 ip(const char* text) { return *parse_ip4(text); }

io::InterfaceInfo sim_link() {
  io::InterfaceInfo link;
  link.ifindex = 2;
  link.name = "sim0";
  link.address = ip("198.18.1.1");
  link.prefix_len = 24;
  link.mac = {0x02, 0xaa, 0, 0, 0, 1};
  return link;
}

std::string sim_config(bool probe_always) {
  return std::string(R"({"Dhcp4": {
    "interfaces-config": {"interfaces": ["sim0"]},
    "lease-database": {"type": "sqlite", "name": "/unused"},
    "valid-lifetime": 60, "renew-timer": 30, "rebind-timer": 52,
    "decline-probation-period": 120,
    "conflict-probing": {"mode": ")") +
         (probe_always ? "always" : "uncertain") + R"(", "timeout-ms": 300, "max-pending": 16},
    "shared-networks": [{"name": "sim", "subnet4": [
        {"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.100 - 198.18.1.119"}]},
        {"id": 2, "subnet": "198.18.2.0/24", "pools": [{"pool": "198.18.2.100 - 198.18.2.119"}]}
    ]}]}})";
}

struct Tally {
  uint64_t acks = 0, power_cuts = 0, restores = 0, store_outages = 0, conflicts = 0;
};

class World {
 public:
  explicit World(uint64_t seed) : seed_(seed), random_(seed), probe_always_(seed % 2 == 1) {
    auto parsed = config::parse_config(sim_config(probe_always_), "sim.json");
    EXPECT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    store_ = std::make_unique<store::MemoryLeaseStore>();
    for (uint32_t i = 0; i < kClients; ++i) clients_.emplace_back(i + 1, sim_link().address);
    if (probe_always_) {
      std::uniform_int_distribution<uint32_t> host(100, 119);
      for (int i = 0; i < 2; ++i) {
        squatters_[ip("198.18.1.0").value + host(random_)] =
            io::MacAddress{0x02, 0xee, 0, 0, 0, static_cast<uint8_t>(i)};
      }
    }
    start_server(false);
  }

  // Runs every step; stops at the first broken promise (a test failure).
  void run() {
    for (step_ = 0; step_ < kSteps && !::testing::Test::HasFailure(); ++step_) step();
    if (::testing::Test::HasFailure()) return;
    for (const SimClient& client : clients_) {
      EXPECT_GT(client.acks(), 0u)
          << where() << "client " << to_string(client.hw()) << " was never served";
    }
  }

  const Tally& tally() const { return tally_; }

 private:
  std::string where() const {
    return "seed " + std::to_string(seed_) + " step " + std::to_string(step_) + ": ";
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(random_) < p; }

  void start_server(bool recovery) {
    if (server_) tally_.conflicts += server_->counters().probe_conflicts;
    server_.reset();
    transport_ = std::make_unique<io::FakeTransport>(std::vector<io::InterfaceInfo>{sim_link()});
    auto created = server::Server::create(config_, *store_, *transport_, clock_);
    ASSERT_TRUE(created) << where() << created.error();
    server_ = std::move(*created);
    auto prober = std::make_unique<io::FakeProber>();
    prober_ = prober.get();
    server_->attach_prober(std::move(prober));
    if (recovery) server_->enter_recovery(clock_.now_s());
  }

  void step() {
    clock_.advance_ms(std::uniform_int_distribution<int64_t>(100, 1500)(random_));
    disturb();
    if (step_ % 300 == 0) backup_ = store_->rows();
    const int64_t now_ms = now();
    for (SimClient& client : clients_) {
      auto packet = client.act(now_ms, random_, whims_);
      if (packet && !chance(kLoss)) inject(*packet);
    }
    refresh_truth();
    std::vector<io::TxPacket> replies;
    for (int round = 0; round < kRoundsPerStep; ++round) {
      server_->run_once();
      auto sent = transport_->take_sent();
      replies.insert(replies.end(), sent.begin(), sent.end());
      if (transport_->pending() == 0) break;
    }
    for (const io::TxPacket& reply : replies) deliver(reply);
    server_->engine().check_invariants();
    check_every_used_lease_is_stored();
  }

  // Power cuts, commit failures and the operator's restore from a backup.
  void disturb() {
    if (outage_steps_ > 0 && --outage_steps_ == 0) store_->set_failing(false);
    if (outage_steps_ == 0 && chance(0.01)) {
      outage_steps_ = std::uniform_int_distribution<int>(1, 10)(random_);
      store_->set_failing(true);
      ++tally_.store_outages;
    }
    if (chance(0.003)) {
      ++tally_.power_cuts;  // memory and packets in flight are gone; the store is not
      start_server(true);
    }
    if (!probe_always_ && !backup_.empty() && chance(0.001)) restore_backup();
  }

  void restore_backup() {
    ++tally_.restores;
    const bool failing = outage_steps_ > 0;
    store_ = std::make_unique<store::MemoryLeaseStore>();
    std::vector<LeaseChange> rows;
    for (const Lease& row : backup_) rows.push_back(LeaseChange{row.address, std::nullopt, row});
    ASSERT_TRUE(store_->commit(rows));
    store_->set_failing(failing);
    // Leases granted since the backup are forgotten: their holders are
    // exempt from the durability check until the server grants them again.
    for (const SimClient& client : clients_) {
      if (!client.address().is_zero()) forgotten_[client.hw().bytes[5]] = true;
    }
    start_server(true);  // what main.cpp does when the marker does not match
  }

  void inject(const wire::Packet& packet) {
    io::RxPacket rx;
    rx.payload = wire::encode(packet, 576);
    rx.ifindex = sim_link().ifindex;
    rx.source = packet.ciaddr;
    transport_->inject(std::move(rx));
  }

  // What the prober hears: every device answers ARP for the address it uses.
  void refresh_truth() {
    prober_->occupied.clear();
    for (const auto& [address, mac] : squatters_) prober_->occupied[address] = mac;
    for (const SimClient& client : clients_) {
      if (!client.using_any(now())) continue;
      io::MacAddress mac{};
      std::copy_n(client.hw().bytes.begin(), mac.size(), mac.begin());
      prober_->occupied[client.address().value] = mac;
    }
  }

  void deliver(const io::TxPacket& tx) {
    if (chance(kLoss)) return;
    auto reply = wire::decode(tx.payload);
    ASSERT_TRUE(reply) << where() << "the server sent an undecodable packet";
    for (SimClient& client : clients_) {
      if (!std::equal(client.hw().bytes.begin(), client.hw().bytes.begin() + 6,
                      reply->chaddr.begin())) {
        continue;
      }
      auto accepted = client.receive(*reply, now(), random_, whims_);
      if (accepted) check_acceptance(client, *accepted);
      return;
    }
  }

  void check_acceptance(const SimClient& client, const Acceptance& accepted) {
    ++tally_.acks;
    forgotten_.erase(client.hw().bytes[5]);
    for (const SimClient& other : clients_) {
      if (&other == &client) continue;
      ASSERT_FALSE(other.uses(accepted.address, now()))
          << where() << to_string(accepted.address) << " ACKed to " << to_string(client.hw())
          << " while " << to_string(other.hw()) << " uses it";
    }
    ASSERT_FALSE(squatters_.contains(accepted.address.value))
        << where() << to_string(accepted.address) << " ACKed to " << to_string(client.hw())
        << " although a device squats on it and probing is always on";
    expect_stored(client, accepted.address, accepted.lease_end_ms, "an ACK");
  }

  void check_every_used_lease_is_stored() {
    for (const SimClient& client : clients_) {
      if (!client.using_any(now()) || forgotten_.contains(client.hw().bytes[5])) continue;
      expect_stored(client, client.address(), client.lease_end_ms(), "a lease in use");
      if (::testing::Test::HasFailure()) return;
    }
  }

  // The durable row must name the client and last at least as long as the
  // client believes (the server counts whole seconds, hence the slack).
  void expect_stored(const SimClient& client, Ip4 address, int64_t lease_end_ms, const char* what) {
    for (const Lease& row : store_->rows()) {
      if (row.address != address) continue;
      ASSERT_EQ(row.state, LeaseState::Assigned) << where() << what << " on " << to_string(address);
      ASSERT_EQ(row.hw_address, client.hw()) << where() << what << " on " << to_string(address);
      ASSERT_GE(row.expires_at_s() * 1000 + 1000, lease_end_ms)
          << where() << what << " on " << to_string(address) << " outlives its stored row";
      return;
    }
    FAIL() << where() << what << " on " << to_string(address) << " for " << to_string(client.hw())
           << " is not in the store";
  }

  int64_t now() const { return clock_.monotonic_ms(); }

  static constexpr double kLoss = 0.05;
  uint64_t seed_;
  std::mt19937_64 random_;
  bool probe_always_;
  config::Config config_;
  FakeClock clock_;
  std::unique_ptr<store::MemoryLeaseStore> store_;
  std::unique_ptr<io::FakeTransport> transport_;
  std::unique_ptr<server::Server> server_;
  io::FakeProber* prober_ = nullptr;
  std::vector<SimClient> clients_;
  std::map<uint32_t, io::MacAddress> squatters_;
  std::map<uint8_t, bool> forgotten_;  // by the client's last MAC byte
  std::vector<Lease> backup_;
  Whims whims_;
  Tally tally_;
  size_t step_ = 0;
  int outage_steps_ = 0;
};

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text == nullptr ? fallback : std::strtoull(text, nullptr, 10);
}

TEST(Simulation, SeededRunsKeepEveryPromise) {
  spdlog::set_level(spdlog::level::off);
  const uint64_t only = env_or("BS_SIM_SEED", 0);
  const uint64_t first = only != 0 ? only : 1;
  const uint64_t count = only != 0 ? 1 : env_or("BS_SIM_SEEDS", 12);
  Tally total;
  for (uint64_t seed = first; seed < first + count && !HasFailure(); ++seed) {
    World world(seed);
    world.run();
    const Tally& t = world.tally();
    total.acks += t.acks;
    total.power_cuts += t.power_cuts;
    total.restores += t.restores;
    total.store_outages += t.store_outages;
    total.conflicts += t.conflicts;
    if (only != 0 || HasFailure()) {
      std::printf("seed %llu: %llu ACKs, %llu power cuts, %llu restores, %llu store outages\n",
                  static_cast<unsigned long long>(seed), static_cast<unsigned long long>(t.acks),
                  static_cast<unsigned long long>(t.power_cuts),
                  static_cast<unsigned long long>(t.restores),
                  static_cast<unsigned long long>(t.store_outages));
    }
  }
  std::printf(
      "simulation: %llu seeds x %zu steps: %llu ACKs checked, %llu power cuts, %llu backup "
      "restores, %llu store outages, %llu probe conflicts\n",
      static_cast<unsigned long long>(count), kSteps, static_cast<unsigned long long>(total.acks),
      static_cast<unsigned long long>(total.power_cuts),
      static_cast<unsigned long long>(total.restores),
      static_cast<unsigned long long>(total.store_outages),
      static_cast<unsigned long long>(total.conflicts));
  // The run must have exercised what it claims to.
  EXPECT_GT(total.power_cuts, 0u);
  EXPECT_GT(total.store_outages, 0u);
  if (count >= 12) {
    EXPECT_GT(total.restores, 0u);
  }
}

}  // namespace
}  // namespace bs::sim
