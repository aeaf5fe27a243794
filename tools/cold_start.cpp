// bs-cold-start: how long blackstart takes to come back after a power cut
// with N leases on disk (default 100,000). It writes a lease database of N
// leases spread over /16 pools starting at 198.18.0.0 (the first two fill
// 198.18.0.0/15), evicts it from the page cache, then times (a) opening the
// store and reading every lease and (b) building the allocation engine from
// them, and reports memory from /proc/self/status.
//
// Usage: bs-cold-start [N] [DB_PATH]   (without DB_PATH a temp file is used)
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "alloc/engine.h"
#include "store/lease_store.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kNow_s = 1'800'000'000;
constexpr uint32_t kLifetime_s = 7200;
constexpr uint32_t kPoolSize = 65534;  // x.y.0.1 - x.y.255.254
// Pools are filled to about 80%, a busy but not exhausted network.
constexpr uint32_t kLeasesPerPool = kPoolSize * 4 / 5;
constexpr size_t kWriteBatch = 50'000;

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

double rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

// Freed heap goes back to the kernel, so RSS deltas measure what is live.
double settled_rss_mib() {
  malloc_trim(0);
  return rss_mib();
}

uint32_t pool_count(uint32_t leases) {
  return std::max(1u, (leases + kLeasesPerPool - 1) / kLeasesPerPool);
}

bs::Ip4 pool_base(uint32_t pool) { return bs::Ip4{(198u << 24) | ((18u + pool) << 16)}; }

bs::config::Config make_config(uint32_t pools) {
  bs::config::Config config;
  config.valid_lifetime_s = kLifetime_s;
  for (uint32_t p = 0; p < pools; ++p) {
    bs::config::Subnet subnet;
    subnet.id = p + 1;
    subnet.prefix = pool_base(p);
    subnet.prefix_len = 16;
    subnet.pools.push_back(
        {bs::Ip4{pool_base(p).value + 1}, bs::Ip4{pool_base(p).value + kPoolSize}});
    config.subnets.push_back(subnet);
  }
  return config;
}

// A realistic mix: mostly bound leases of various ages, some released or
// expired records kept for returning clients, a few declined addresses.
bs::Lease make_lease(uint32_t n, uint32_t pools) {
  const uint32_t pool = n % pools;
  const uint32_t offset = n / pools;
  const std::vector<uint8_t> mac = {2,
                                    0,
                                    static_cast<uint8_t>(n >> 24),
                                    static_cast<uint8_t>(n >> 16),
                                    static_cast<uint8_t>(n >> 8),
                                    static_cast<uint8_t>(n)};
  bs::Lease lease;
  lease.address = bs::Ip4{pool_base(pool).value + 1 + offset};
  lease.hw_address = bs::make_hwaddr(mac);
  lease.client_id = {1};
  lease.client_id.insert(lease.client_id.end(), mac.begin(), mac.end());
  lease.hostname = "host-" + std::to_string(n);
  lease.subnet_id = pool + 1;
  lease.valid_lifetime_s = kLifetime_s;
  lease.cltt_s = kNow_s - static_cast<int64_t>((n * 7919u) % 7000u);
  if (n % 50 == 0) lease.state = bs::LeaseState::Reclaimed;
  if (n % 1000 == 1) lease.state = bs::LeaseState::Declined;
  return lease;
}

bool write_database(const std::string& path, uint32_t leases, uint32_t pools) {
  auto store = bs::store::open_sqlite_store(path, bs::store::SqliteOptions{.fsync = false});
  if (!store) {
    std::fprintf(stderr, "bs-cold-start: %s\n", store.error().message.c_str());
    return false;
  }
  std::vector<bs::LeaseChange> batch;
  for (uint32_t n = 0; n < leases; ++n) {
    bs::Lease lease = make_lease(n, pools);
    batch.push_back({lease.address, std::nullopt, std::move(lease)});
    if (batch.size() == kWriteBatch || n + 1 == leases) {
      if (auto done = (*store)->commit(batch); !done) {
        std::fprintf(stderr, "bs-cold-start: %s\n", done.error().message.c_str());
        return false;
      }
      batch.clear();
    }
  }
  return true;
}

// Flushes the file and drops its pages from the page cache, so the first
// timed run reads from the disk as after a reboot.
void evict_from_page_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

struct Run {
  double store_ms = 0, engine_ms = 0;
  double rss_base_mib = 0, rss_loaded_mib = 0, rss_engine_mib = 0, rss_engine_only_mib = 0;
  size_t leases = 0;
};

bool timed_start(const std::string& path, const bs::config::Config& config, Run& run) {
  run.rss_base_mib = settled_rss_mib();
  auto start = Clock::now();
  auto store = bs::store::open_sqlite_store(path);
  if (!store) {
    std::fprintf(stderr, "bs-cold-start: %s\n", store.error().message.c_str());
    return false;
  }
  auto leases = (*store)->load_all();
  if (!leases) {
    std::fprintf(stderr, "bs-cold-start: %s\n", leases.error().message.c_str());
    return false;
  }
  run.store_ms = elapsed_ms(start);
  run.rss_loaded_mib = rss_mib();
  start = Clock::now();
  bs::alloc::Engine engine(config);
  engine.load(*leases, kNow_s);
  run.engine_ms = elapsed_ms(start);
  run.rss_engine_mib = rss_mib();
  run.leases = engine.lease_count();
  leases->clear();
  leases->shrink_to_fit();
  run.rss_engine_only_mib = settled_rss_mib();
  return true;
}

void report(const char* title, const Run& run) {
  const double n = static_cast<double>(run.leases);
  std::printf("%s\n", title);
  std::printf("  (a) store open + load_all    %8.1f ms  %10.0f leases/s\n", run.store_ms,
              n / run.store_ms * 1000.0);
  std::printf("  (b) engine construct + load  %8.1f ms  %10.0f leases/s\n", run.engine_ms,
              n / run.engine_ms * 1000.0);
  std::printf("  total                        %8.1f ms\n", run.store_ms + run.engine_ms);
  std::printf(
      "  RSS MiB: before %.1f, after load_all %.1f, after engine load %.1f, engine alone %.1f\n",
      run.rss_base_mib, run.rss_loaded_mib, run.rss_engine_mib, run.rss_engine_only_mib);
  std::printf("  memory per lease: engine %.0f bytes, loaded vector %.0f bytes\n",
              (run.rss_engine_only_mib - run.rss_base_mib) * 1024 * 1024 / n,
              (run.rss_loaded_mib - run.rss_base_mib) * 1024 * 1024 / n);
}

}  // namespace

int main(int argc, char** argv) {
  const long requested = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100'000;
  if (requested <= 0 || requested > 10'000'000) {
    std::fprintf(stderr, "usage: bs-cold-start [N (1..10000000)] [DB_PATH]\n");
    return 2;
  }
  const auto leases = static_cast<uint32_t>(requested);
  const uint32_t pools = pool_count(leases);
  std::filesystem::path dir;
  std::string path;
  if (argc > 2) {
    path = argv[2];
  } else {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "bs-cold-start-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("bs-cold-start: mkdtemp");
      return 1;
    }
    dir = pattern;
    path = (dir / "leases.sqlite3").string();
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::printf("bs-cold-start: %u leases in %u /16 pools from 198.18.0.0 (~80%% full)\n", leases,
              pools);
  const auto write_start = Clock::now();
  if (!write_database(path, leases, pools)) return 1;
  std::printf("database %s: %.1f MiB, written in %.0f ms\n", path.c_str(),
              static_cast<double>(std::filesystem::file_size(path)) / (1024.0 * 1024.0),
              elapsed_ms(write_start));
  const bs::config::Config config = make_config(pools);
  evict_from_page_cache(path);
  Run cold, warm;
  if (!timed_start(path, config, cold) || !timed_start(path, config, warm)) return 1;
  report("cold page cache (file evicted):", cold);
  report("warm page cache:", warm);
  if (cold.leases != leases) {
    std::fprintf(stderr, "bs-cold-start: engine holds %zu leases, expected %u\n", cold.leases,
                 leases);
    return 1;
  }
  if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  return 0;
}
