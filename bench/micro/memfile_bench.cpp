// The memfile store (Kea's CSV lease file), in a fresh directory under
// $TMPDIR like store_bench.cpp:
// BM_MemfileCommitBatch/N: commit of a batch of N changed leases, fsync on:
// one write() and one fdatasync() per batch, what every DHCPACK waits for.
// BM_MemfileCleanup/N: Kea's lease file cleanup over N leases written twice
// (2N rows in the file): the time is the whole cleanup (rotation plus the
// background merge); the counters split out what the packet path feels:
// rotation_ms (the commit that starts the cleanup waits for the renames and
// their directory fsyncs), and the slowest of the batches of 16 committed
// while the merge runs (commit_max_ms, commits_during).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_store_fixture.h"
#include "micro_bench.h"
#include "store/memfile_store.h"

namespace bs::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::unique_ptr<store::MemfileLeaseStore> open_store(benchmark::State& state, const TempDir& dir) {
  if (dir.path().empty()) {
    state.SkipWithError("cannot create a temporary directory");
    return nullptr;
  }
  auto store = store::MemfileLeaseStore::open(dir.path() + "/kea-leases4.csv",
                                              store::MemfileOptions{.lfc_interval_s = 0});
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return nullptr;
  }
  return std::move(*store);
}

void BM_MemfileCommitBatch(benchmark::State& state) {
  const auto batch = static_cast<uint32_t>(state.range(0));
  TempDir dir;
  auto store = open_store(state, dir);
  if (!store) return;
  std::vector<LeaseChange> changes;
  for (uint32_t n = 0; n < batch; ++n)
    changes.push_back({bench_lease(n).address, std::nullopt, bench_lease(n)});
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    for (auto& change : changes) ++change.after->cltt_s;
    if (auto ok = store->commit(changes); !ok) {
      state.SkipWithError(ok.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

// Writes every lease twice, in batches of 1000.
bool fill(benchmark::State& state, store::MemfileLeaseStore& store, uint32_t leases) {
  std::vector<LeaseChange> batch;
  for (int round = 0; round < 2; ++round) {
    for (uint32_t n = 0; n < leases; ++n) {
      Lease lease = bench_lease(n);
      lease.cltt_s += round;
      batch.push_back({lease.address, std::nullopt, lease});
      if (batch.size() == 1000 || n + 1 == leases) {
        if (auto ok = store.commit(batch); !ok) {
          state.SkipWithError(ok.error().message.c_str());
          return false;
        }
        batch.clear();
      }
    }
  }
  return true;
}

void BM_MemfileCleanup(benchmark::State& state) {
  const auto leases = static_cast<uint32_t>(state.range(0));
  double rotation_ms = 0, commit_max_ms = 0, commits_during = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    TempDir dir;
    auto store = open_store(state, dir);
    if (!store || !fill(state, *store, leases)) return;
    const auto began = Clock::now();
    store->start_cleanup();
    rotation_ms = static_cast<double>(store->last_rotation_time().count()) / 1000.0;
    // Batches of 16 go on while the merge runs, as DHCP traffic would.
    commits_during = 0;
    commit_max_ms = 0;
    std::vector<LeaseChange> batch;
    for (uint32_t n = 0; n < 16; ++n)
      batch.push_back({bench_lease(n).address, std::nullopt, bench_lease(n)});
    while (!store->cleanup_finished()) {
      const auto commit_began = Clock::now();
      if (auto ok = store->commit(batch); !ok) {
        state.SkipWithError(ok.error().message.c_str());
        return;
      }
      commit_max_ms = std::max(commit_max_ms, ms_since(commit_began));
      ++commits_during;
    }
    auto report = store->wait_for_cleanup();
    state.SetIterationTime(ms_since(began) / 1000.0);
    if (!report || !*report) {
      state.SkipWithError("cleanup failed");
      return;
    }
  }
  state.counters["rotation_ms"] = rotation_ms;
  state.counters["commit_max_ms"] = commit_max_ms;
  state.counters["commits_during"] = commits_during;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * leases);
}

}  // namespace

void register_memfile_benchmarks(const Sizes& sizes) {
  benchmark::RegisterBenchmark("BM_MemfileCommitBatch", BM_MemfileCommitBatch)
      ->Arg(1)
      ->Arg(16)
      ->Arg(64)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_MemfileCleanup", BM_MemfileCleanup)
      ->Arg(sizes.tiny ? 1000 : 100'000)
      ->Iterations(sizes.tiny ? 1 : 3)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace bs::bench
