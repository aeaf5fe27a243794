// BM_AllocateAt10/50/95: the allocation engine on a large pool (2^20
// addresses; 4,096 with --tiny) that is 10%, 50% or 95% in use, the used
// addresses spread over the whole pool. One iteration is one new client's
// life in the engine: offer (DISCOVER), assign (REQUEST) and release, so the
// pool stays at the same use however many iterations run. No clock, no I/O:
// this is the in-memory cost the server pays per client before the commit.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "alloc/engine.h"
#include "config/config.h"
#include "micro_bench.h"

namespace bs::bench {
namespace {

constexpr int64_t kNow_s = 1'800'000'000;
constexpr uint32_t kLifetime_s = 7200;
constexpr uint32_t kFirst = 0x0A000001;  // 10.0.0.1; in memory only, never on a wire

Bytes id_bytes(uint8_t tag, uint32_t n) {
  return {tag, static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
}

// Whether pool offset `n` starts out in use: a multiplicative hash spreads
// the used addresses evenly, so "lowest free" is not simply the end of a run.
bool starts_used(uint32_t n, int percent) {
  return static_cast<int>(((n * 2654435761u) >> 16) % 100) < percent;
}

struct PoolFixture {
  config::Config config;
  std::unique_ptr<alloc::Engine> engine;
  uint32_t next_client = 0;
  uint64_t used = 0;

  PoolFixture(unsigned pool_size, int percent) {
    config.valid_lifetime_s = kLifetime_s;
    config::Subnet subnet;
    subnet.id = 1;
    subnet.prefix = Ip4{0x0A000000};
    subnet.prefix_len = 8;
    subnet.pools.push_back({Ip4{kFirst}, Ip4{kFirst + pool_size - 1}});
    config.subnets.push_back(subnet);
    engine = std::make_unique<alloc::Engine>(config);
    std::vector<Lease> leases;
    for (uint32_t n = 0; n < pool_size; ++n) {
      if (!starts_used(n, percent)) continue;
      Lease lease;
      lease.address = Ip4{kFirst + n};
      lease.hw_address = make_hwaddr(std::vector<uint8_t>{
          2, 0xbb, static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
      lease.client_id = id_bytes(0xfe, n);
      lease.subnet_id = 1;
      lease.valid_lifetime_s = kLifetime_s;
      lease.cltt_s = kNow_s;
      leases.push_back(std::move(lease));
    }
    used = leases.size();
    engine->load(leases, kNow_s);
  }
};

// Filling a million-address pool takes a while, and Google Benchmark calls
// a benchmark function several times; the filled engine is kept between calls.
PoolFixture& fixture(unsigned pool_size, int percent) {
  static std::map<std::pair<unsigned, int>, std::unique_ptr<PoolFixture>> fixtures;
  auto& slot = fixtures[{pool_size, percent}];
  if (!slot) slot = std::make_unique<PoolFixture>(pool_size, percent);
  return *slot;
}

void BM_Allocate(benchmark::State& state, int percent) {
  const auto pool_size = static_cast<unsigned>(state.range(0));
  PoolFixture& fx = fixture(pool_size, percent);
  const config::Subnet& subnet = fx.config.subnets[0];
  alloc::ClientIdentity client;
  client.hw_address = make_hwaddr(std::vector<uint8_t>{2, 0xcc, 0, 0, 0, 0});
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    client.client_id = id_bytes(0xfd, fx.next_client++);
    auto offered = fx.engine->offer(subnet, client, {}, kNow_s);
    if (!offered) {
      state.SkipWithError("offer failed");
      break;
    }
    auto assigned = fx.engine->assign(subnet, client, offered->address, kNow_s);
    auto released = fx.engine->release(client, offered->address, kNow_s);
    if (!assigned || !released) {
      state.SkipWithError("assign or release failed");
      break;
    }
    benchmark::DoNotOptimize(assigned);
    benchmark::DoNotOptimize(released);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["pool_use_%"] =
      100.0 * static_cast<double>(fx.engine->stats(1, kNow_s).assigned) / pool_size;
}

}  // namespace

void register_alloc_benchmarks(const Sizes& sizes) {
  for (int percent : {10, 50, 95}) {
    const std::string name = "BM_AllocateAt" + std::to_string(percent);
    benchmark::RegisterBenchmark(name.c_str(), BM_Allocate, percent)->Arg(sizes.pool_size);
  }
}

}  // namespace bs::bench
