// BM_ServerPipeline/N: the whole in-process pipeline (Server::run_once over
// a FakeTransport, a MemoryLeaseStore and a FakeClock) for batches of N
// clients. One iteration is N clients' DISCOVER batch, REQUEST batch and
// RELEASE batch, so the pool stays as it was; items/s are exchanges
// (DISCOVER→OFFER plus REQUEST→ACK) per second. The store keeps rows in
// memory, so this is the CPU cost around the fsync: decode, classify,
// allocate, build replies, hand-offs between the stages, send.
// BM_ServerPipelineProbed/N is the same with "conflict-probing" "always":
// every OFFER is parked for a probe that nobody answers and released at the
// timeout (the clock is advanced past it), so the probe stage is measured too.
// BM_ServerPipelineOverlap/N is BM_ServerPipeline with overlapped commits
// (server.h): each batch's commit runs on the committer thread, so this is
// what the hand-off between the two threads adds per batch (the memory
// store's commit itself costs next to nothing).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "io/fake_prober.h"
#include "io/fake_transport.h"
#include "micro_bench.h"
#include "server/server.h"
#include "store/lease_store.h"
#include "wire/packet.h"

namespace bs::bench {
namespace {

constexpr size_t kYiaddrOffset = 16;  // BOOTP fixed header
constexpr size_t kCiaddrOffset = 12;
constexpr size_t kXidOffset = 4;

std::string pipeline_config(bool probe) {
  return std::string(R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["bench0"]},
  "lease-database": {"type": "memfile", "name": "/unused"},
  "valid-lifetime": 3600,)") +
         (probe ? R"("conflict-probing": {"mode": "always", "timeout-ms": 300},)" : "") +
         R"("subnet4": [{"id": 1, "subnet": "198.18.0.0/16",
               "pools": [{"pool": "198.18.1.0 - 198.18.255.254"}]}]}})";
}

io::InterfaceInfo bench_link() {
  io::InterfaceInfo link;
  link.ifindex = 2;
  link.name = "bench0";
  link.address = Ip4{0xC6120001u};  // 198.18.0.1
  link.prefix_len = 16;
  link.mac = {0x02, 0xaa, 0, 0, 0, 1};
  return link;
}

// The payloads a client sends, encoded once; the address a REQUEST asks for
// and a RELEASE gives back is patched in per iteration.
struct ClientPackets {
  Bytes discover, request, release;
  size_t requested_offset = 0;  // option 50's value inside `request`
};

wire::Packet query(uint32_t n, wire::MessageType type) {
  wire::Packet packet;
  packet.op = wire::Op::BootRequest;
  packet.xid = n;
  packet.chaddr = {0x02,
                   0xcc,
                   static_cast<uint8_t>(n >> 16),
                   static_cast<uint8_t>(n >> 8),
                   static_cast<uint8_t>(n),
                   0};
  packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
  packet.set(wire::opt::kParameterRequestList, Bytes{1, 3, 6, 15});
  return packet;
}

ClientPackets client_packets(uint32_t n, Ip4 server) {
  ClientPackets out;
  out.discover = wire::encode(query(n, wire::MessageType::Discover));
  wire::Packet request = query(n, wire::MessageType::Request);
  request.set_ip(wire::opt::kServerId, server);
  request.set_ip(wire::opt::kRequestedAddress, Ip4{0xDEADBEEF});
  out.request = wire::encode(request);
  const uint8_t marker[] = {0xDE, 0xAD, 0xBE, 0xEF};
  auto at = std::search(out.request.begin(), out.request.end(), marker, marker + 4);
  out.requested_offset = static_cast<size_t>(at - out.request.begin());
  wire::Packet release = query(n, wire::MessageType::Release);
  release.set_ip(wire::opt::kServerId, server);
  out.release = wire::encode(release);
  return out;
}

void put_ip(Bytes& bytes, size_t offset, uint32_t value) {
  for (size_t i = 0; i < 4; ++i) bytes[offset + i] = static_cast<uint8_t>(value >> (24 - 8 * i));
}
uint32_t get_u32(const Bytes& bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | bytes[offset + i];
  return value;
}

struct Pipeline {
  config::Config config;
  store::MemoryLeaseStore store;
  io::FakeTransport transport{{bench_link()}};
  FakeClock clock;
  std::unique_ptr<server::Server> server;
  std::vector<ClientPackets> clients;
  std::vector<uint32_t> offered;  // per client, from its OFFER

  bool overlap = false;

  Pipeline(size_t count, bool probe, bool overlap_commits) : overlap(overlap_commits) {
    config = *config::parse_config(pipeline_config(probe), "bench.json");
    server::ServerOptions options;
    options.overlap_commits = overlap;
    options.overlap_min_batch = 1;  // even a batch of one goes to the committer
    server = std::move(*server::Server::create(config, store, transport, clock, options));
    if (probe) server->attach_prober(std::make_unique<io::FakeProber>());
    for (uint32_t n = 0; n < count; ++n) clients.push_back(client_packets(n, bench_link().address));
    offered.resize(count);
  }

  void round(Bytes ClientPackets::*payload) {
    for (const ClientPackets& client : clients) {
      transport.inject(io::RxPacket{client.*payload, 2, Ip4{}, 68});
    }
    server->run_once();
  }

  // DISCOVER, REQUEST and RELEASE for every client; false if a reply was missing.
  bool exchange(bool probe) {
    round(&ClientPackets::discover);
    if (probe) {
      clock.advance_ms(301);
      server->run_once();  // the probes time out and the OFFERs leave
    }
    std::vector<io::TxPacket> offers = transport.take_sent();
    if (offers.size() != clients.size()) return false;
    for (const io::TxPacket& offer : offers) {
      offered[get_u32(offer.payload, kXidOffset)] = get_u32(offer.payload, kYiaddrOffset);
    }
    for (size_t n = 0; n < clients.size(); ++n) {
      put_ip(clients[n].request, clients[n].requested_offset, offered[n]);
      put_ip(clients[n].release, kCiaddrOffset, offered[n]);
    }
    round(&ClientPackets::request);
    if (overlap) server->run_once();  // nothing new: waits for the commit, sends the ACKs
    const size_t acks = transport.take_sent().size();
    round(&ClientPackets::release);
    return acks == clients.size();
  }
};

void BM_Pipeline(benchmark::State& state, bool probe, bool overlap) {
  const auto batch = static_cast<size_t>(state.range(0));
  Pipeline pipeline(batch, probe, overlap);
  const uint64_t allocations_before = heap_allocations();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    if (!pipeline.exchange(probe)) {
      state.SkipWithError("a client got no OFFER or no ACK");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  // Includes the fake transport's copies and the RELEASE that keeps the
  // pool steady, so it is an upper bound for the real packet path.
  const double exchanges = static_cast<double>(state.iterations() * batch);
  if (exchanges > 0) {
    state.counters["allocs_per_exchange"] =
        static_cast<double>(heap_allocations() - allocations_before) / exchanges;
  }
}

}  // namespace

void register_server_benchmarks(const Sizes&) {
  benchmark::RegisterBenchmark("BM_ServerPipeline", BM_Pipeline, false, false)
      ->Arg(1)
      ->Arg(64)
      ->Arg(256);
  benchmark::RegisterBenchmark("BM_ServerPipelineProbed", BM_Pipeline, true, false)
      ->Arg(1)
      ->Arg(64);
  benchmark::RegisterBenchmark("BM_ServerPipelineOverlap", BM_Pipeline, false, true)
      ->Arg(1)
      ->Arg(64)
      ->Arg(256);
}

}  // namespace bs::bench
