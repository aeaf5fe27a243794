// Evaluation allocates nothing once its scratch has warmed up: this test
// binary replaces the global operator new with one that counts, and every
// typical class test is evaluated many times after a first warm-up run.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "classify/expression.h"
#include "expression_test_packet.h"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

// Counting replacements for the whole classify_tests binary (only the count
// differs from the default behaviour). g++ cannot see that the new above is
// malloc-based, hence the pragma.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace bs::classify {
namespace {

TEST(ExpressionAllocation, NoneAfterWarmUp) {
  const char* const kTests[] = {
      "option[60].text == 'Aastra6731i'",
      "substring(option[60].hex,0,6) == 'Aastra'",
      "relay4[1].hex == 'port1'",
      "member('KNOWN') and not member('DROP')",
      "option[93].hex == 0x0007",
      "hexstring(pkt4.mac, ':') == '00:11:22:33:44:55'",
      "concat(lcase(option[60].hex), uint32totext(pkt4.transid)) == 'x'",
      "ifelse(vendor-class[4491].exists, vendor-class[4491].data[1], 'none') == 'abc'",
      "split(addrtotext(pkt4.giaddr), '.', 4) == '1' or option[222].text == 'x'",
      "vendor[4491].option[1].hex == 'docsis3.0' and pkt.iface == 'eth0'",
  };
  std::vector<Expression> expressions;
  for (const char* text : kTests) {
    auto parsed = parse_expression(text, {});
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().message;
    expressions.push_back(*parsed);
  }
  const wire::Packet packet = test::make_query();
  ClassSet classes;
  classes.add(kKnown);
  const PacketContext ctx{packet, "eth0", Ip4{0xC6120001}, Ip4{0xC61200FE}, 300};
  EvalScratch scratch;
  size_t matched = 0;
  for (const auto& e : expressions) matched += e.matches(ctx, classes, scratch) ? 1 : 0;  // warm-up

  const size_t before = g_allocations.load();
  for (int round = 0; round < 100; ++round) {
    for (const auto& e : expressions) matched += e.matches(ctx, classes, scratch) ? 1 : 0;
  }
  const size_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u) << "allocations in " << 100 * expressions.size() << " evaluations";
  EXPECT_EQ(matched, 101u * 9);  // all but the "== 'x'" concat test match
}

// The counter works: a parse allocates (so zero above is not vacuous).
TEST(ExpressionAllocation, CounterSeesParsing) {
  const size_t before = g_allocations.load();
  auto parsed = parse_expression("option[60].hex == 'x'", {});
  ASSERT_TRUE(parsed);
  EXPECT_GT(g_allocations.load(), before);
}

}  // namespace
}  // namespace bs::classify
