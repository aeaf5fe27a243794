// BM_Decode: one DHCPREQUEST as ISC dhclient sends it (client id, requested
// address, server id, hostname, parameter request list), from bytes to a
// Packet. BM_Encode: the DHCPACK blackstart answers it with, from a Packet
// to bytes. Both report bytes/s and packets/s (items).
#include <benchmark/benchmark.h>

#include "micro_bench.h"
#include "wire/packet.h"

namespace bs::bench {
namespace {

constexpr uint8_t kMac[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};

wire::Packet request() {
  wire::Packet packet;
  packet.op = wire::Op::BootRequest;
  packet.xid = 0x3903f326;
  packet.secs = 3;
  for (size_t i = 0; i < sizeof kMac; ++i) packet.chaddr[i] = kMac[i];
  packet.set(wire::opt::kMessageType, {static_cast<uint8_t>(wire::MessageType::Request)});
  packet.set(wire::opt::kClientId, {1, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30});
  packet.set_ip(wire::opt::kRequestedAddress, Ip4{0xC6120164});  // 198.18.1.100
  packet.set_ip(wire::opt::kServerId, Ip4{0xC6120101});          // 198.18.1.1
  packet.set(wire::opt::kHostName, {'l', 'a', 'p', 't', 'o', 'p', '-', '7'});
  packet.set(wire::opt::kParameterRequestList, {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42});
  return packet;
}

wire::Packet ack() {
  wire::Packet packet;
  packet.op = wire::Op::BootReply;
  packet.xid = 0x3903f326;
  packet.yiaddr = Ip4{0xC6120164};
  packet.siaddr = Ip4{0xC6120101};
  for (size_t i = 0; i < sizeof kMac; ++i) packet.chaddr[i] = kMac[i];
  packet.set(wire::opt::kMessageType, {static_cast<uint8_t>(wire::MessageType::Ack)});
  packet.set_ip(wire::opt::kServerId, Ip4{0xC6120101});
  packet.set_u32(wire::opt::kLeaseTime, 7200);
  packet.set_u32(wire::opt::kRenewalTime, 3600);
  packet.set_u32(wire::opt::kRebindingTime, 6300);
  packet.set_ip(wire::opt::kSubnetMask, Ip4{0xFFFFFF00});
  packet.set_ip(wire::opt::kRouters, Ip4{0xC6120101});
  packet.set_ip(wire::opt::kDomainNameServers, Ip4{0xC6120101});
  packet.set(wire::opt::kDomainName,
             {'o', 'f', 'f', 'i', 'c', 'e', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'});
  packet.set(wire::opt::kHostName, {'l', 'a', 'p', 't', 'o', 'p', '-', '7'});
  return packet;
}

void BM_Decode(benchmark::State& state) {
  const Bytes wire_bytes = wire::encode(request());
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    auto packet = wire::decode(wire_bytes);
    if (!packet) {
      state.SkipWithError("the sample DHCPREQUEST does not decode");
      break;
    }
    benchmark::DoNotOptimize(packet);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire_bytes.size()));
}

void BM_Encode(benchmark::State& state) {
  const wire::Packet reply = ack();
  size_t size = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    Bytes wire_bytes = wire::encode(reply);
    size = wire_bytes.size();
    benchmark::DoNotOptimize(wire_bytes);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

}  // namespace

void register_wire_benchmarks(const Sizes&) {
  benchmark::RegisterBenchmark("BM_Decode", BM_Decode);
  benchmark::RegisterBenchmark("BM_Encode", BM_Encode);
}

}  // namespace bs::bench
