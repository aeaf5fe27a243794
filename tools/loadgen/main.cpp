// bs-load: a DHCPv4 load generator and lease verifier, run from a client
// network namespace against any DHCP server on the same link.
//
//   bs-load run    --iface IF [--memory FILE] --clients N [--first I] [--renew K] [--rate R]
//   bs-load verify --iface IF --memory FILE [--probe-first I] [--no-probe]
//   bs-load bench  --iface IF [--relay ADDR --server ADDR] --rate R
//                  (--seconds S | --exchanges N) [--macs M] [--drop-time-ms D]
//
// `run` starts N new clients (MACs 02:10:ad:..., numbered from I) at R per
// second, plus K clients from the memory renewing by INIT-REBOOT, and
// records every ACK in the clients' memory (client_memory.h). It prints
// exchanges/s and latency percentiles.
//
// `verify` checks, through DHCP alone, that the server still knows every
// lease in the memory. First, for each remembered address a stranger
// (a probe, MAC 02:10:af:...) asks for exactly that address: a server that
// forgot the lease hands it out, which is the duplicate a power cut causes
// in an office. Then each remembered client asks for its address again
// (INIT-REBOOT, then DORA): the same address is "kept", any other is
// "forgotten".
//
// `bench` is the measuring generator of the peer benchmark (measure.h):
// new clients at a fixed rate, open loop, no retransmission, drops counted
// after the drop time, per-leg latency percentiles and its own CPU time.
// With --relay it talks to the server as a relay agent, as perfdhcp does.
//
// The last line of each mode is a machine-readable summary.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "client_memory.h"
#include "dhcp_socket.h"
#include "engine.h"
#include "measure.h"

namespace {

using bs::load::Binding;
using bs::load::Engine;
using bs::load::Goal;
using bs::load::Outcome;
using bs::load::Result;
using bs::load::Task;

volatile std::sig_atomic_t g_stop = 0;

void on_stop(int /*signal*/) { g_stop = 1; }

constexpr size_t kMaxListed = 20;  // forgotten clients printed one by one

struct Options {
  std::string interface_name;
  std::string memory_path;
  uint32_t clients = 100;
  uint32_t first = 1;
  uint32_t renew = 0;
  uint32_t probe_first = 1;
  bool no_probe = false;
  bs::load::EngineOptions engine;
  bs::load::MeasureOptions measure;
  std::string relay_text, server_text;
  double buffer_mib = 32;
};

void print_latency(const bs::load::Stats& stats) {
  std::printf(
      " exchanges_per_s=%.0f offer_p50_ms=%.2f offer_p99_ms=%.2f ack_p50_ms=%.2f "
      "ack_p99_ms=%.2f retransmits=%llu",
      stats.busy_seconds > 0 ? double(stats.acks) / stats.busy_seconds : 0.0,
      bs::load::percentile(stats.offer_latency_ms, 50),
      bs::load::percentile(stats.offer_latency_ms, 99),
      bs::load::percentile(stats.ack_latency_ms, 50),
      bs::load::percentile(stats.ack_latency_ms, 99),
      static_cast<unsigned long long>(stats.retransmits));
}

size_t count(const std::vector<Result>& results, Outcome outcome) {
  return static_cast<size_t>(std::count_if(
      results.begin(), results.end(), [outcome](const Result& r) { return r.outcome == outcome; }));
}

// New clients and renewing ones, shuffled together so renewals are spread
// over the whole run.
std::vector<Task> load_tasks(const Options& options, const bs::load::ClientMemory& memory) {
  std::vector<Task> tasks;
  for (uint32_t i = 0; i < options.clients; ++i) {
    tasks.push_back({bs::load::load_client_mac(options.first + i), Goal::Lease, {}});
  }
  std::mt19937_64 rng(options.engine.seed);
  std::vector<Binding> known = memory.bindings();
  std::shuffle(known.begin(), known.end(), rng);
  known.resize(std::min<size_t>(known.size(), options.renew));
  for (const Binding& binding : known) tasks.push_back({binding.mac, Goal::Renew, binding.address});
  std::shuffle(tasks.begin(), tasks.end(), rng);
  return tasks;
}

int run_load(const Options& options, bs::load::DhcpSocket& socket, bs::load::ClientMemory& memory) {
  const std::vector<Task> tasks = load_tasks(options, memory);
  Engine engine(socket, memory, options.engine);
  const std::vector<Result> results = engine.run(tasks, g_stop);
  size_t moved = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].goal == Goal::Renew && results[i].outcome == Outcome::Acked &&
        results[i].address != tasks[i].target) {
      ++moved;
    }
  }
  std::printf(
      "bs-load run: tasks=%zu acked=%zu unanswered=%zu refused=%zu not_started=%zu "
      "renew_moved=%zu naks=%llu duplicates=%llu",
      tasks.size(), count(results, Outcome::Acked), count(results, Outcome::Unanswered),
      count(results, Outcome::Refused), count(results, Outcome::NotStarted), moved,
      static_cast<unsigned long long>(engine.stats().naks),
      static_cast<unsigned long long>(memory.duplicates()));
  print_latency(engine.stats());
  std::printf("\n");
  return memory.write_failures() == 0 ? 0 : 1;
}

std::vector<Task> probe_tasks(const std::vector<Binding>& bindings, uint32_t first) {
  std::vector<Task> tasks;
  std::vector<bs::Ip4> addresses;
  addresses.reserve(bindings.size());
  for (const Binding& binding : bindings) addresses.push_back(binding.address);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  tasks.reserve(addresses.size());
  for (const bs::Ip4 address : addresses) {
    tasks.push_back({bs::load::probe_client_mac(first + static_cast<uint32_t>(tasks.size())),
                     Goal::Probe, address});
  }
  return tasks;
}

int run_verify(const Options& options, bs::load::DhcpSocket& socket,
               bs::load::ClientMemory& memory) {
  const std::vector<Binding> bindings = memory.bindings();
  Engine engine(socket, memory, options.engine);
  std::vector<Task> probes;
  if (!options.no_probe) probes = probe_tasks(bindings, options.probe_first);
  engine.run(probes, g_stop);
  std::vector<Task> checks;
  checks.reserve(bindings.size());
  for (const Binding& binding : bindings)
    checks.push_back({binding.mac, Goal::Verify, binding.address});
  const std::vector<Result> results = engine.run(checks, g_stop);
  size_t kept = 0, forgotten = 0, unanswered = 0;
  for (size_t i = 0; i < checks.size(); ++i) {
    const Result& result = results[i];
    if (result.outcome == Outcome::Acked && result.address == checks[i].target) {
      ++kept;
    } else if (result.outcome == Outcome::Acked || result.outcome == Outcome::Refused) {
      if (forgotten++ < kMaxListed) {
        std::printf(
            "forgotten: %s had %s, now %s\n", bs::load::to_string(checks[i].mac).c_str(),
            bs::to_string(checks[i].target).c_str(),
            result.outcome == Outcome::Acked ? bs::to_string(result.address).c_str() : "refused");
      }
    } else {
      ++unanswered;
    }
  }
  std::printf(
      "bs-load verify: checked=%zu kept=%zu forgotten=%zu unanswered=%zu "
      "duplicates=%llu probes=%zu probe_hits=%llu",
      checks.size(), kept, forgotten, unanswered,
      static_cast<unsigned long long>(memory.duplicates()), probes.size(),
      static_cast<unsigned long long>(engine.stats().probe_hits));
  print_latency(engine.stats());
  std::printf("\n");
  return memory.write_failures() == 0 ? 0 : 1;
}

int run_bench(const Options& options, bs::load::DhcpSocket& socket) {
  const bs::load::MeasureResult r = bs::load::measure(socket, options.measure, g_stop);
  const double cpu_s = r.cpu_user_s + r.cpu_system_s;
  const auto sent = static_cast<double>(r.discovers_sent);
  const auto u = [](uint64_t value) { return static_cast<unsigned long long>(value); };
  const auto ms = [](const std::vector<float>& samples, double p) {
    return bs::load::interpolated_percentile(samples, p);
  };
  std::printf(
      "bs-load bench: rate_asked=%.0f exchanges_planned=%llu nominal_s=%.3f send_s=%.3f "
      "wall_s=%.3f discovers=%llu offers=%llu requests=%llu acks=%llu naks=%llu "
      "offer_drops=%llu ack_drops=%llu late=%llu stray=%llu unresolved=%llu "
      "offered_per_s=%.1f acks_per_s=%.1f drop_pct=%.4f offer_p50_ms=%.3f offer_p99_ms=%.3f "
      "ack_p50_ms=%.3f ack_p99_ms=%.3f cpu_user_s=%.3f cpu_sys_s=%.3f cpu_pct=%.1f "
      "socket_overflows=%llu send_stalls=%llu send_errors=%llu kernel_stamped=%llu "
      "user_stamped=%llu rcvbuf_bytes=%d lease_p50_ms=%.3f lease_p99_ms=%.3f "
      "completed_pct=%.3f\n",
      options.measure.rate_per_s, u(r.exchanges_planned), r.nominal_s, r.send_s, r.wall_s,
      u(r.discovers_sent), u(r.offers), u(r.requests_sent), u(r.acks), u(r.naks), u(r.offer_drops),
      u(r.ack_drops), u(r.late_replies), u(r.stray_replies), u(r.unresolved), sent / r.send_s,
      static_cast<double>(r.acks) / r.send_s,
      sent > 0 ? 100.0 * (1.0 - static_cast<double>(r.acks) / sent) : 100.0,
      ms(r.offer_latency_ms, 50), ms(r.offer_latency_ms, 99), ms(r.ack_latency_ms, 50),
      ms(r.ack_latency_ms, 99), r.cpu_user_s, r.cpu_system_s,
      r.wall_s > 0 ? 100.0 * cpu_s / r.wall_s : 0.0, u(r.socket_overflows), u(r.send_stalls),
      u(r.send_errors), u(r.kernel_stamped), u(r.user_stamped), socket.receive_buffer_bytes(),
      ms(r.lease_latency_ms, 50), ms(r.lease_latency_ms, 99),
      r.exchanges_planned > 0
          ? 100.0 * static_cast<double>(r.acks) / static_cast<double>(r.exchanges_planned)
          : 0.0);
  return r.discovers_sent > 0 ? 0 : 1;
}

void add_common(CLI::App& command, Options& options) {
  command.add_option("--iface", options.interface_name, "interface of the client link")->required();
  command.add_option("--memory", options.memory_path, "the clients' memory (append-only log)");
  command.add_option("--rate", options.engine.rate_per_s, "clients started per second")
      ->check(CLI::Range(1.0, 1e6));
  command.add_option("--window", options.engine.window, "clients in flight at most")
      ->check(CLI::Range(1, 65536));
  command.add_option("--max-seconds", options.engine.max_seconds, "time limit of each phase")
      ->check(CLI::Range(0.1, 3600.0));
  command
      .add_option("--timeout-ms", options.engine.first_timeout_ms, "first retransmission timeout")
      ->check(CLI::Range(10, 10000));
  command.add_option("--tries", options.engine.tries, "transmissions per message")
      ->check(CLI::Range(1, 10));
  command.add_option("--seed", options.engine.seed, "seed for xids and the choice of renewals");
}

void add_bench_options(CLI::App& command, Options& options) {
  bs::load::MeasureOptions& m = options.measure;
  command.add_option("--iface", options.interface_name, "interface of the client link")->required();
  command.add_option("--relay", options.relay_text, "act as a relay agent with this address");
  command.add_option("--server", options.server_text, "the server's address (with --relay)");
  command.add_option("--rate", m.rate_per_s, "new exchanges per second")
      ->check(CLI::Range(1.0, 1e6));
  command.add_option("--seconds", m.seconds, "start new exchanges for this long")
      ->check(CLI::Range(0.1, 600.0));
  command.add_option("--exchanges", m.exchanges, "start exactly this many exchanges instead")
      ->check(CLI::Range(uint64_t{1}, uint64_t{20'000'000}));
  command
      .add_option("--macs", m.mac_space, "pick each MAC at random out of this many (0: new MACs)")
      ->check(CLI::Range(0, 1 << 24));
  command.add_option("--first", m.first_mac, "index of the first MAC")
      ->check(CLI::Range(0, (1 << 24) - 1));
  command.add_option("--drop-time-ms", m.drop_time_ms, "unanswered this long counts as dropped")
      ->check(CLI::Range(10, 10000));
  command.add_option("--tick-us", m.tick_us, "shortest send/receive round")
      ->check(CLI::Range(10, 10000));
  command.add_option("--rcvbuf-mib", options.buffer_mib, "socket receive buffer")
      ->check(CLI::Range(0.25, 1024.0));
  command.add_option("--seed", m.seed, "seed for MACs and xids");
  command.add_option("--vendor-class", m.vendor_class, "option 60 in every DISCOVER and REQUEST");
}

// The socket `bench` asks for: relay mode if --relay was given.
tl::expected<bs::load::SocketOptions, std::string> bench_socket(const Options& options) {
  bs::load::SocketOptions socket;
  socket.interface_name = options.interface_name;
  socket.buffer_bytes = static_cast<int>(options.buffer_mib * 1048576);
  socket.timestamps = true;
  if (options.relay_text.empty()) return socket;
  const auto relay = bs::parse_ip4(options.relay_text);
  const auto server = bs::parse_ip4(options.server_text);
  if (!relay || !server) return tl::unexpected(std::string("--relay and --server need addresses"));
  socket.relay_address = *relay;
  socket.server_address = *server;
  return socket;
}

int run_command_line(int argc, char** argv) {
  CLI::App app{"bs-load: DHCPv4 load generator and lease verifier"};
  app.require_subcommand(1);
  Options options;
  CLI::App* run = app.add_subcommand("run", "start new clients (and renew remembered ones)");
  add_common(*run, options);
  run->add_option("--clients", options.clients, "new clients")->check(CLI::Range(0, 1 << 23));
  run->add_option("--first", options.first, "index of the first new client's MAC")
      ->check(CLI::Range(0, (1 << 24) - 1));
  run->add_option("--renew", options.renew, "remembered clients that renew (INIT-REBOOT)");
  CLI::App* verify = app.add_subcommand("verify", "check every remembered lease");
  add_common(*verify, options);
  verify->add_option("--probe-first", options.probe_first, "index of the first probe's MAC")
      ->check(CLI::Range(0, (1 << 24) - 1));
  verify->add_flag("--no-probe", options.no_probe, "skip the strangers asking for held addresses");
  CLI::App* bench = app.add_subcommand("bench", "measure: new clients at a fixed rate, open loop");
  add_bench_options(*bench, options);
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGTERM, on_stop);
  std::signal(SIGINT, on_stop);
  auto memory = bs::load::ClientMemory::open(options.memory_path);
  if (!memory) {
    std::fprintf(stderr, "bs-load: %s\n", memory.error().c_str());
    return 1;
  }
  if (bench->parsed()) {
    const auto socket_options = bench_socket(options);
    if (!socket_options) {
      std::fprintf(stderr, "bs-load: %s\n", socket_options.error().c_str());
      return 2;
    }
    options.measure.relay_address = socket_options->relay_address.value_or(bs::Ip4{});
    auto socket = bs::load::DhcpSocket::open(*socket_options);
    if (!socket) {
      std::fprintf(stderr, "bs-load: %s\n", socket.error().c_str());
      return 1;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    return run_bench(options, *socket);
  }
  auto socket = bs::load::DhcpSocket::open(options.interface_name);
  if (!socket) {
    std::fprintf(stderr, "bs-load: %s\n", socket.error().c_str());
    return 1;
  }
  // Summaries go to a pipe; each line must leave whole before a kill.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (run->parsed()) return run_load(options, *socket, *memory);
  return run_verify(options, *socket, *memory);
}

}  // namespace

// Only allocation failure can throw past CLI11's own handling; it ends the
// run with a message instead of std::terminate.
int main(int argc, char** argv) {
  try {
    return run_command_line(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bs-load: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "bs-load: unknown error\n");
  }
  return 1;
}
