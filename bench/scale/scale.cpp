// bs-scale: blackstart at the scale of issue #3, in one process, no network.
// It writes a real SQLite lease database for a 1,000,000-address pool with
// 500,000 active leases (spread evenly over the pool, so the free addresses
// are not one run at the end), evicts it from the page cache, and reports
//
//   - cold start: opening the store and reading every lease (as the daemon
//     does at start-up, integrity check included), then building the
//     allocation engine from them;
//   - memory per lease: the RSS the loaded engine holds, divided by leases;
//   - the allocation rate (one new client's offer + assign, the engine work
//     of a DISCOVER and a REQUEST) at 10%, 50% and 95% pool use, and in 5%
//     steps while filling the pool from 10% to 95%, to show the rate does
//     not fall off a cliff as the pool fills.
//
// No commits are timed here (the peer benchmark and BM_CommitBatch measure
// those); this is the in-memory work, so it shows what the engine's
// indexes cost, not the disk. Addresses are 10.0.0.0/8 and exist only in
// the file and in memory.
//
// Usage: bs-scale [--pool N] [--leases M] [--probe K] [--db PATH] [--out FILE.md] [--tiny]
//   --tiny: 10,000 addresses, 5,000 leases, 200 probes; what `make test`
//   runs so the program keeps working. It checks counts, never times.
#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "alloc/engine.h"
#include "store/lease_store.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kNow_s = 1'800'000'000;
constexpr uint32_t kLifetime_s = 7200;
constexpr uint32_t kFirst = 0x0A000001;  // 10.0.0.1
constexpr size_t kWriteBatch = 50'000;

struct Options {
  uint32_t pool_size = 1'000'000;
  uint32_t leases = 500'000;
  uint32_t probe = 10'000;  // allocations timed at each use level
  std::string db_path, out_path;
  bool tiny = false;
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double seconds_since(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const size_t length = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.compare(0, length, field) == 0) return std::strtod(line.c_str() + length, nullptr);
  }
  return 0;
}

// Freed heap goes back to the kernel first, so RSS deltas measure what is live.
double settled_rss_bytes() {
  malloc_trim(0);
  return status_kib("VmRSS:") * 1024.0;
}

std::string first_line_of(const char* path, const char* key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (key == nullptr || line.rfind(key, 0) == 0) {
      const size_t colon = line.find(':');
      return key != nullptr && colon != std::string::npos ? line.substr(colon + 2) : line;
    }
  }
  return "?";
}

std::string load_average() {
  std::string text = first_line_of("/proc/loadavg", nullptr);
  size_t spaces = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' && ++spaces == 3) return text.substr(0, i);
  }
  return text;
}

bs::config::Config make_config(uint32_t pool_size) {
  bs::config::Config config;
  config.valid_lifetime_s = kLifetime_s;
  bs::config::Subnet subnet;
  subnet.id = 1;
  subnet.prefix = bs::Ip4{0x0A000000};
  subnet.prefix_len = 8;
  subnet.pools.push_back({bs::Ip4{kFirst}, bs::Ip4{kFirst + pool_size - 1}});
  config.subnets.push_back(subnet);
  return config;
}

bs::Bytes client_bytes(uint8_t tag, uint32_t n) {
  return {tag,
          0x02,
          static_cast<uint8_t>(n >> 24),
          static_cast<uint8_t>(n >> 16),
          static_cast<uint8_t>(n >> 8),
          static_cast<uint8_t>(n)};
}

// Lease k sits at pool offset k * pool / leases: evenly spread.
bs::Lease stored_lease(uint32_t k, const Options& options) {
  const auto offset = static_cast<uint32_t>(uint64_t{k} * options.pool_size / options.leases);
  bs::Lease lease;
  lease.address = bs::Ip4{kFirst + offset};
  const bs::Bytes mac = client_bytes(0x00, k);
  lease.hw_address = bs::make_hwaddr(mac);
  lease.client_id = client_bytes(0x01, k);
  lease.hostname = "host-" + std::to_string(k);
  lease.subnet_id = 1;
  lease.valid_lifetime_s = kLifetime_s;
  lease.cltt_s = kNow_s - static_cast<int64_t>((k * 7919u) % 3600u);  // all still bound
  return lease;
}

bool fail(const std::string& message) {
  std::fprintf(stderr, "bs-scale: %s\n", message.c_str());
  return false;
}

bool write_database(const Options& options) {
  // Setting up the file is not what is measured, so it is written without fsync.
  auto store = bs::store::open_sqlite_store(options.db_path, {.fsync = false});
  if (!store) return fail(store.error().message);
  std::vector<bs::LeaseChange> batch;
  for (uint32_t k = 0; k < options.leases; ++k) {
    bs::Lease lease = stored_lease(k, options);
    batch.push_back({lease.address, std::nullopt, std::move(lease)});
    if (batch.size() == kWriteBatch || k + 1 == options.leases) {
      if (auto done = (*store)->commit(batch); !done) return fail(done.error().message);
      batch.clear();
    }
  }
  return true;
}

// Flushes the file and drops its pages from the page cache, so the timed
// start reads from the disk as after a reboot.
void evict_from_page_cache(const std::string& path) {
  for (const std::string& file : {path, path + "-wal"}) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

struct ColdStart {
  double store_s = 0, engine_s = 0;
  double cpu_s = 0;  // user + system over both phases: less sensitive to a busy machine
  double rss_before_bytes = 0, rss_engine_bytes = 0, hwm_bytes = 0;
  size_t leases = 0;
};

struct Level {
  double use_before_pct = 0, use_after_pct = 0;
  uint32_t allocations = 0;
  double seconds = 0;
};

// Allocates `count` new clients (offer, then assign) in `engine`; numbers
// them from `next_client`. Returns false if any allocation fails.
bool allocate(bs::alloc::Engine& engine, const bs::config::Config& config, uint32_t count,
              uint32_t& next_client, std::vector<bs::alloc::ClientIdentity>* keep) {
  const bs::config::Subnet& subnet = config.subnets[0];
  bs::alloc::ClientIdentity client;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t n = next_client++;
    client.hw_address = bs::make_hwaddr(client_bytes(0xaa, n));
    client.client_id = client_bytes(0xab, n);
    const auto offered = engine.offer(subnet, client, {}, kNow_s);
    if (!offered) return fail(std::string("offer: ") + bs::alloc::to_string(offered.error()));
    const auto assigned = engine.assign(subnet, client, offered->address, kNow_s);
    if (!assigned) return fail(std::string("assign: ") + bs::alloc::to_string(assigned.error()));
    if (keep != nullptr) keep->push_back(client);
  }
  return true;
}

double use_pct(const bs::alloc::Engine& engine, const Options& options) {
  return 100.0 * static_cast<double>(engine.stats(1, kNow_s).assigned) / options.pool_size;
}

// `probe` allocations timed at the engine's current use, then released
// (untimed) so the engine is back where it was.
bool probe_level(bs::alloc::Engine& engine, const bs::config::Config& config,
                 const Options& options, uint32_t& next_client, Level& level) {
  std::vector<bs::alloc::ClientIdentity> clients;
  clients.reserve(options.probe);
  level.use_before_pct = use_pct(engine, options);
  const auto start = Clock::now();
  if (!allocate(engine, config, options.probe, next_client, &clients)) return false;
  level.seconds = seconds_since(start);
  level.allocations = options.probe;
  level.use_after_pct = use_pct(engine, options);
  for (const auto& client : clients) {
    const bs::Lease* lease = engine.find_by_client(client);
    if (lease == nullptr || !engine.release(client, lease->address, kNow_s)) {
      return fail("release of a probe client failed");
    }
  }
  return true;
}

struct Report {
  Options options;
  double write_s = 0, db_mib = 0;
  ColdStart cold;
  Level at10, at50, at95;
  std::vector<Level> fill;  // 5% windows from 10% to 95%
  std::string load_start, load_end, started;
};

double per_s(const Level& level) { return level.allocations / level.seconds; }

// 1234567 -> "1,234,567", as the other tables in bench/results print counts.
std::string grouped(uint64_t value) {
  std::string digits = std::to_string(value);
  for (size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

std::string markdown(const Report& r) {
  utsname machine{};
  uname(&machine);
  const double leases = static_cast<double>(r.cold.leases);
  std::string out = fmt::format(
      "# Scale: {}-address pool, {} active leases\n\n"
      "Run {} UTC on {}, {} cores, Linux {}; load average at start {}, at end {}. "
      "`make scale` (`build/bs-scale --out bench/results/scale.md`); method: "
      "[bench/README.md](../README.md#scale).\n\n",
      grouped(r.options.pool_size), grouped(r.options.leases), r.started,
      first_line_of("/proc/cpuinfo", "model name"), sysconf(_SC_NPROCESSORS_ONLN), machine.release,
      r.load_start, r.load_end);
  out += fmt::format(
      "| pool | active leases | SQLite file | cold start: open + read | build engine | total "
      "| CPU time of the cold start | memory per lease | peak RSS |\n"
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
      "| {} | {} | {:.1f} MiB | {:.0f} ms | {:.0f} ms | **{:.0f} ms** | {:.0f} ms "
      "| **{:.0f} bytes** | {:.0f} MiB |\n\n",
      grouped(r.options.pool_size), grouped(r.cold.leases), r.db_mib, r.cold.store_s * 1e3,
      r.cold.engine_s * 1e3, (r.cold.store_s + r.cold.engine_s) * 1e3, r.cold.cpu_s * 1e3,
      (r.cold.rss_engine_bytes - r.cold.rss_before_bytes) / leases, r.cold.hwm_bytes / 1048576.0);
  out += fmt::format(
      "Cold start: the file is written ({:.1f} s, fsync off), flushed and evicted from the "
      "page cache, then opened as the daemon opens it (integrity check included), every lease "
      "read, and the allocation engine built from them; the times are wall-clock, and "
      "the CPU time beside them shows how much of the total was work rather than waiting "
      "for the disk or for a CPU held by other processes. Memory per lease: resident memory "
      "with the engine loaded and the read-out vector freed, minus resident memory before, "
      "divided by the leases. Peak RSS is the high-water mark of the whole process up to "
      "then (the read-out vector and the engine exist together for a moment).\n\n",
      r.write_s);
  out +=
      "| pool use | allocations timed | allocations per second (offer + assign) | µs per "
      "allocation |\n| --- | ---: | ---: | ---: |\n";
  for (const Level* level : {&r.at10, &r.at50, &r.at95}) {
    out += fmt::format("| {:.1f}% → {:.1f}% | {} | {} | {:.2f} |\n", level->use_before_pct,
                       level->use_after_pct, grouped(level->allocations),
                       grouped(static_cast<uint64_t>(per_s(*level))),
                       level->seconds * 1e6 / level->allocations);
  }
  out +=
      "\nOne allocation is one new client's `Engine::offer` then `Engine::assign` (the "
      "engine work of a DISCOVER and a REQUEST; no packet, no commit), in-process, one "
      "thread. The 50% row runs on the engine loaded from the file; the 10% row on an engine "
      "loaded with every fifth of those leases, which is then filled to 95% (below) for the "
      "95% row. After each timed row its clients release their addresses again.\n\n"
      "Filling the pool from 10% to 95%, allocations per second in each 5% step:\n\n"
      "| pool use |";
  for (const Level& level : r.fill) {
    out += fmt::format(" {:.0f}–{:.0f}% |", level.use_before_pct, level.use_after_pct);
  }
  out += "\n| --- |";
  for (size_t i = 0; i < r.fill.size(); ++i) out += " ---: |";
  out += "\n| per second |";
  for (const Level& level : r.fill)
    out += fmt::format(" {} |", grouped(static_cast<uint64_t>(per_s(level))));
  out += "\n";
  return out;
}

bool run(const Options& options, Report& r) {
  r.load_start = load_average();
  const std::time_t wall = std::time(nullptr);
  char started[32];
  std::strftime(started, sizeof started, "%Y-%m-%d %H:%M", std::gmtime(&wall));
  r.started = started;
  const bs::config::Config config = make_config(options.pool_size);

  auto start = Clock::now();
  if (!write_database(options)) return false;
  r.write_s = seconds_since(start);
  r.db_mib = static_cast<double>(std::filesystem::file_size(options.db_path)) / 1048576.0;
  evict_from_page_cache(options.db_path);

  uint32_t next_client = 0;
  {
    r.cold.rss_before_bytes = settled_rss_bytes();
    const double cpu_before_s = cpu_seconds();
    start = Clock::now();
    auto store = bs::store::open_sqlite_store(options.db_path);
    if (!store) return fail(store.error().message);
    auto leases = (*store)->load_all();
    if (!leases) return fail(leases.error().message);
    r.cold.store_s = seconds_since(start);
    start = Clock::now();
    auto engine = std::make_unique<bs::alloc::Engine>(config);
    engine->load(*leases, kNow_s);
    r.cold.engine_s = seconds_since(start);
    r.cold.cpu_s = cpu_seconds() - cpu_before_s;
    r.cold.leases = engine->lease_count();
    store->reset();
    std::vector<bs::Lease>().swap(*leases);
    r.cold.rss_engine_bytes = settled_rss_bytes();
    r.cold.hwm_bytes = status_kib("VmHWM:") * 1024.0;
    if (r.cold.leases != options.leases) {
      return fail("the engine holds " + std::to_string(r.cold.leases) + " leases, expected " +
                  std::to_string(options.leases));
    }
    if (!probe_level(*engine, config, options, next_client, r.at50)) return false;
  }
  {
    auto store = bs::store::open_sqlite_store(options.db_path);
    if (!store) return fail(store.error().message);
    auto leases = (*store)->load_all();
    if (!leases) return fail(leases.error().message);
    std::vector<bs::Lease> fifth;
    for (size_t i = 0; i < leases->size(); i += 5) fifth.push_back((*leases)[i]);
    bs::alloc::Engine engine(config);
    engine.load(fifth, kNow_s);
    if (!probe_level(engine, config, options, next_client, r.at10)) return false;
    const uint32_t step = options.pool_size / 20;  // 5% of the pool
    for (int pct = 10; pct < 95; pct += 5) {
      Level level;
      level.use_before_pct = use_pct(engine, options);
      const auto target = static_cast<uint64_t>(options.pool_size) * (pct + 5) / 100;
      const uint64_t assigned = engine.stats(1, kNow_s).assigned;
      const auto count = static_cast<uint32_t>(target > assigned ? target - assigned : 0);
      start = Clock::now();
      if (!allocate(engine, config, std::min(count, step), next_client, nullptr)) return false;
      level.seconds = seconds_since(start);
      level.allocations = std::min(count, step);
      level.use_after_pct = use_pct(engine, options);
      if (level.allocations > 0) r.fill.push_back(level);
    }
    if (!probe_level(engine, config, options, next_client, r.at95)) return false;
  }
  r.load_end = load_average();
  return true;
}

int parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--tiny") {
      options.tiny = true;
      options.pool_size = 10'000;
      options.leases = 5'000;
      options.probe = 200;
    } else if (arg == "--pool" && has_value) {
      options.pool_size = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--leases" && has_value) {
      options.leases = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--probe" && has_value) {
      options.probe = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--db" && has_value) {
      options.db_path = argv[++i];
    } else if (arg == "--out" && has_value) {
      options.out_path = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: bs-scale [--pool N] [--leases M] [--probe K] [--db PATH] "
                   "[--out FILE.md] [--tiny]\n");
      return 2;
    }
  }
  // The 95% row needs room for the probe above 95% use.
  const bool sane = options.pool_size >= 1000 && options.pool_size <= (1u << 24) &&
                    options.leases >= 10 && options.leases <= options.pool_size * 9 / 10 &&
                    options.probe >= 1 && options.probe <= options.pool_size / 25;
  if (!sane) {
    std::fprintf(stderr,
                 "bs-scale: need 1000 <= pool <= 2^24, 10 <= leases <= 90%% of the "
                 "pool, 1 <= probe <= 4%% of the pool\n");
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const int bad = parse(argc, argv, options); bad != 0) return bad;
  std::filesystem::path dir;
  if (options.db_path.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "bs-scale-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("bs-scale: mkdtemp");
      return 1;
    }
    dir = pattern;
    options.db_path = (dir / "leases.sqlite3").string();
  }
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(options.db_path + suffix, ignored);
  Report report;
  report.options = options;
  const bool ok = run(options, report);
  if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  if (!ok) return 1;
  const std::string text = markdown(report);
  std::fputs(text.c_str(), stdout);
  if (!options.out_path.empty()) {
    std::ofstream out(options.out_path);
    out << text;
    if (!out) {
      std::fprintf(stderr, "bs-scale: cannot write %s\n", options.out_path.c_str());
      return 1;
    }
  }
  return 0;
}
