// BM_Classify/<test>: the cost of one class test on one query, the figure
// that multiplied by the number of classes gives the classification cost
// per packet. The tests are the typical ones of Kea configs: a phone's
// vendor class (option 60 text), a substring of it, a relay's circuit-id,
// member/and/not, and the PXE architecture (option 93). The query is a
// decoded relayed DISCOVER from a phone; the scratch is warmed up, as the
// server's per-thread scratch is. Time per iteration is ns per evaluation.
#include <benchmark/benchmark.h>

#include <string>

#include "classify/expression.h"
#include "micro_bench.h"
#include "wire/packet.h"

namespace bs::bench {
namespace {

Bytes text_bytes(std::string_view text) { return {text.begin(), text.end()}; }

wire::Packet phone_discover() {
  wire::Packet packet;
  packet.xid = 0x3903f326;
  packet.giaddr = Ip4{0xC6120001};  // 198.18.0.1
  packet.chaddr = {0x00, 0x08, 0x5d, 0x10, 0x20, 0x30};
  packet.set(wire::opt::kMessageType, {static_cast<uint8_t>(wire::MessageType::Discover)});
  packet.set(wire::opt::kClientId, {1, 0x00, 0x08, 0x5d, 0x10, 0x20, 0x30});
  packet.set(wire::opt::kHostName, text_bytes("desk-phone-17"));
  packet.set(wire::opt::kParameterRequestList, {1, 3, 6, 15, 42, 43, 66, 67, 120, 150});
  packet.set(wire::opt::kVendorClassId, text_bytes("Aastra6731i"));
  packet.set(93, {0x00, 0x07});
  packet.set(wire::opt::kRelayAgentInfo,
             {1,   11,  'G', 'i', '0',  '/',  '1',  '/',  '7',  ':', '1',
              '0', '0', 2,   6,   0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c});
  return packet;
}

struct ClassTest {
  const char* name;
  const char* text;
};

constexpr ClassTest kTests[] = {
    {"vendor_class_text", "option[60].text == 'Aastra6731i'"},
    {"substring_hex", "substring(option[60].hex,0,6) == 'Aastra'"},
    {"relay4_circuit_id", "relay4[1].hex == 'Gi0/1/7:100'"},
    {"member_and_not", "member('KNOWN') and not member('DROP')"},
    {"pxe_arch", "option[93].hex == 0x0007"},
    {"hexstring_mac", "hexstring(pkt4.mac, ':') == '00:08:5d:10:20:30'"},
};

void BM_Classify(benchmark::State& state, const char* text) {
  auto expression = classify::parse_expression(text, {});
  if (!expression) {
    state.SkipWithError(expression.error().message.c_str());
    return;
  }
  const wire::Packet packet = phone_discover();
  const classify::PacketContext context{packet, "eth0", Ip4{0xC6120001}, Ip4{0xC61200FE}, 342};
  classify::ClassSet classes;
  classes.add(classify::kAll);
  classes.add(classify::kKnown);
  classify::EvalScratch scratch;
  int64_t matched = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    const bool match = expression->matches(context, classes, scratch);
    benchmark::DoNotOptimize(match);
    matched += match ? 1 : 0;
  }
  if (matched != static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("the sample query does not match the class test");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

}  // namespace

void register_classify_benchmarks(const Sizes&) {
  for (const ClassTest& test : kTests) {
    benchmark::RegisterBenchmark((std::string("BM_Classify/") + test.name).c_str(), BM_Classify,
                                 test.text);
  }
}

}  // namespace bs::bench
