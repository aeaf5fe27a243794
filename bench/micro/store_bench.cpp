// BM_CommitBatch/N: SqliteLeaseStore::commit of a batch of N changed leases
// (N = 1, 16, 64) with fsync on, the default: one transaction and one WAL
// fsync per batch, the cost every DHCPACK waits for. The database lives in a
// fresh directory under $TMPDIR (default /tmp), so TMPDIR picks the disk.
// items/s are leases made durable per second; commits/s are fsyncs.
// BM_CommitBatchNoFsync/N is the same with SqliteOptions{.fsync = false},
// to show what the fsync itself costs.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bench_store_fixture.h"
#include "micro_bench.h"
#include "store/sqlite_store.h"

namespace bs::bench {
namespace {

constexpr uint32_t kRing = 4096;  // distinct rows rewritten in turn

void BM_Commit(benchmark::State& state, bool fsync) {
  const auto batch = static_cast<uint32_t>(state.range(0));
  TempDir dir;
  if (dir.path().empty()) {
    state.SkipWithError("cannot create a temporary directory");
    return;
  }
  auto store = store::SqliteLeaseStore::open(dir.path() + "/leases.sqlite3",
                                             store::SqliteOptions{.fsync = fsync});
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  std::vector<LeaseChange> ring;
  ring.reserve(kRing);
  for (uint32_t n = 0; n < kRing; ++n) {
    const Lease lease = bench_lease(n);
    ring.push_back({lease.address, std::nullopt, lease});
  }
  uint32_t next = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    if (next + batch > kRing) next = 0;
    for (uint32_t i = 0; i < batch; ++i) ++ring[next + i].after->cltt_s;  // a real change
    auto ok = (*store)->commit(std::span<const LeaseChange>(ring.data() + next, batch));
    if (!ok) {
      state.SkipWithError(ok.error().message.c_str());
      break;
    }
    next += batch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  state.counters["commits/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

void register_store_benchmarks(const Sizes&) {
  benchmark::RegisterBenchmark("BM_CommitBatch", BM_Commit, true)
      ->Arg(1)
      ->Arg(16)
      ->Arg(64)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_CommitBatchNoFsync", BM_Commit, false)
      ->Arg(1)
      ->Arg(64)
      ->UseRealTime();
}

}  // namespace bs::bench
