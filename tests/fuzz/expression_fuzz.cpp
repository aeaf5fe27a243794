// libFuzzer target for the classification expression language: arbitrary
// text goes through the parser (as a class test and as a string
// expression); whatever parses is evaluated against a few fixed queries,
// including ones with malformed option contents. Parsing must return a
// value or an error with a position inside the text; evaluation must never
// crash, read out of bounds or hang, and a test's value is "true" or "false".
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "classify/expression.h"

namespace {

using bs::Bytes;
using bs::Ip4;
using bs::classify::ClassSet;
using bs::classify::EvalScratch;
using bs::classify::Expression;
using bs::classify::PacketContext;
using bs::wire::Packet;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "expression_fuzz: %s\n", what);
  std::abort();
}

Bytes text_bytes(std::string_view text) { return {text.begin(), text.end()}; }

// A phone behind a relay with every option the language reads, the same
// query with truncated or short contents, and an empty BOOTP request.
std::vector<Packet> make_packets() {
  std::vector<Packet> packets(3);
  Packet& good = packets[0];
  good.hlen = 6;
  good.xid = 0x12345678;
  good.giaddr = Ip4{0xC6120001};
  good.chaddr = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  good.set(53, Bytes{1});
  good.set(60, text_bytes("Aastra6731i"));
  good.set(93, Bytes{0x00, 0x07});
  good.set(43, Bytes{1, 3, 'a', 'b', 'c'});
  good.set(82, Bytes{1, 5, 'p', 'o', 'r', 't', '1', 2, 1, 'r'});
  good.set(125, Bytes{0, 0, 0x11, 0x8b, 5, 1, 3, 'd', 'o', 'c'});
  good.set(124, Bytes{0, 0, 0x11, 0x8b, 3, 'a', 'b', 'c', 0, 0, 0x11, 0x8b, 1, 'z'});
  Packet& bad = packets[1];
  bad = good;
  bad.hlen = 16;
  bad.set(82, Bytes{1, 200, 'p'});
  bad.set(125, Bytes{0, 0, 0x11, 0x8b, 200, 1, 50});
  bad.set(124, Bytes{0, 0, 0x11});
  bad.set(43, Bytes{1});
  bad.set(60, Bytes{});
  return packets;
}

void evaluate(const Expression& expression, bool boolean, EvalScratch& scratch) {
  static const std::vector<Packet> packets = make_packets();
  ClassSet classes;
  classes.add(bs::classify::kAll);
  classes.add(bs::classify::kKnown);
  for (const Packet& packet : packets) {
    const PacketContext context{packet, "eth0", Ip4{0xC6120001}, Ip4{0xC61200FE}, 300};
    const auto value = expression.evaluate_string(context, classes, scratch);
    const bool matched = expression.matches(context, classes, scratch);
    if (boolean && value) check(*value == "true" || *value == "false", "test value not a boolean");
    if (boolean)
      check(matched == (value && *value == "true"), "matches() disagrees with the value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The parser refuses more than 4 KiB anyway; a little more tests that.
  constexpr size_t kMaxInputBytes = 8 * 1024;
  if (size > kMaxInputBytes) return -1;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  bs::classify::ParseContext context;
  context.class_known = [](std::string_view name) { return name == "KNOWN" || name == "phones"; };
  static EvalScratch scratch;
  for (const bool boolean : {true, false}) {
    const auto parsed = boolean ? bs::classify::parse_expression(text, context)
                                : bs::classify::parse_string_expression(text, context);
    if (!parsed) {
      check(parsed.error().position <= size, "error position past the end of the text");
      check(!parsed.error().message.empty(), "error without a message");
      continue;
    }
    evaluate(*parsed, boolean, scratch);
  }
  return 0;
}
