// The dhcpd.leases reader: the statements dhcpd 4.x writes, the last block
// of an address winning, dhcpd's string escapes, and hostile input (open
// strings, deep braces, oversized uids) turned into diagnostics with line
// and column while the rest of the file is still read.
#include "import/dhcpd_leases.h"

#include <gtest/gtest.h>

#include <string>

namespace bs::import {
namespace {

constexpr int64_t k16h = 1796313600;  // 2026/12/03 16:00:00 UTC
constexpr int64_t k18h = 1796320800;  // 2026/12/03 18:00:00 UTC

// A file as isc-dhcp-server 4.4 writes it.
constexpr const char* kTypical =
    R"(# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

server-duid "\000\001\000\001,\221\032\234\002\000\000\000\000\001";

lease 198.18.0.10 {
  starts 4 2026/12/03 16:00:00;
  ends 4 2026/12/03 18:00:00;
  cltt 4 2026/12/03 16:00:00;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 02:00:00:00:00:0a;
  uid "\001\002\000\000\000\000\012";
  set vendor-class-identifier = "udhcp 1.36.1";
  client-hostname "alpha";
}
lease 198.18.0.11 {
  starts 4 2026/12/03 16:00:00;
  ends 4 2026/12/03 18:00:00;
  tstp 4 2026/12/03 18:00:00;
  cltt 4 2026/12/03 16:00:00;
  binding state free;
  hardware ethernet 2:0:0:0:0:b;
}
)";

const DhcpdLease* find(const LeaseFile& file, const char* address) {
  for (const auto& lease : file.leases) {
    if (to_string(lease.address) == address) return &lease;
  }
  return nullptr;
}

std::string errors_of(const LeaseFile& file) {
  std::string out;
  for (const auto& e : file.errors) out += e.to_string("f") + "\n";
  return out;
}

TEST(DhcpdLeases, ReadsWhatDhcpdWrites) {
  const LeaseFile file = parse_dhcpd_leases(kTypical);
  EXPECT_EQ(file.error_count, 0u) << errors_of(file);
  EXPECT_EQ(file.warning_count, 0u);
  ASSERT_EQ(file.leases.size(), 2u);
  const DhcpdLease& a = file.leases[0];
  EXPECT_EQ(to_string(a.address), "198.18.0.10");
  EXPECT_EQ(a.starts_s, k16h);
  EXPECT_EQ(a.ends_s, k18h);
  EXPECT_EQ(a.cltt_s, k16h);
  EXPECT_EQ(a.binding, BindingState::Active);
  EXPECT_EQ(a.next_binding, BindingState::Free);
  ASSERT_TRUE(a.hw_address.has_value());
  EXPECT_EQ(to_string(*a.hw_address), "02:00:00:00:00:0a");
  EXPECT_EQ(a.uid, (Bytes{1, 2, 0, 0, 0, 0, 10}));
  EXPECT_EQ(a.hostname, "alpha");
  EXPECT_EQ(a.vendor_class, "udhcp 1.36.1");
  EXPECT_EQ(a.line, 9u);
  const DhcpdLease& b = file.leases[1];
  EXPECT_EQ(b.binding, BindingState::Free);
  EXPECT_EQ(b.tstp_s, k18h);
  EXPECT_EQ(to_string(*b.hw_address), "02:00:00:00:00:0b");  // one-digit hex, as dhcpd reads
  EXPECT_EQ(file.server_duid.size(), 14u);
  EXPECT_EQ(file.server_duid[4], ',');
}

TEST(DhcpdLeases, TheLastBlockOfAnAddressWins) {
  const std::string text = R"(
lease 198.18.0.20 { binding state active; ends 4 2026/12/03 18:00:00; client-hostname "old"; }
lease 198.18.0.21 { binding state free; }
lease 198.18.0.20 { binding state free; }
lease 198.18.0.21 { binding state active; ends 4 2026/12/03 18:00:00; client-hostname "new"; }
)";
  const LeaseFile file = parse_dhcpd_leases(text);
  EXPECT_EQ(file.error_count, 0u) << errors_of(file);
  EXPECT_EQ(file.lease_blocks, 4u);
  ASSERT_EQ(file.leases.size(), 2u);
  EXPECT_EQ(find(file, "198.18.0.20")->binding, BindingState::Free);
  EXPECT_EQ(find(file, "198.18.0.20")->hostname, "");  // nothing of the older block survives
  EXPECT_EQ(find(file, "198.18.0.21")->hostname, "new");
  // Ordered by where each final block is.
  EXPECT_EQ(to_string(file.leases[0].address), "198.18.0.20");
}

TEST(DhcpdLeases, StringEscapesAsDhcpdDecodesThem) {
  const LeaseFile file =
      parse_dhcpd_leases("lease 198.18.0.1 { uid \"\\0\\12\\377\\x41\\x4g\\t\\\"\\q7\"; }");
  EXPECT_EQ(file.error_count, 0u) << errors_of(file);
  ASSERT_EQ(file.leases.size(), 1u);
  EXPECT_EQ(file.leases[0].uid, (Bytes{0, 10, 255, 'A', 4, 'g', '\t', '"', 'q', '7'}));
}

TEST(DhcpdLeases, UidInColonHex) {
  const LeaseFile file = parse_dhcpd_leases("lease 198.18.0.1 { uid 1:2:ab:FF; }");
  ASSERT_EQ(file.leases.size(), 1u) << errors_of(file);
  EXPECT_EQ(file.leases[0].uid, (Bytes{1, 2, 0xab, 0xff}));
}

TEST(DhcpdLeases, OctalEscapeAbove255IsAnErrorAtTheString) {
  const LeaseFile file = parse_dhcpd_leases(
      "lease 198.18.0.1 {\n  uid \"\\400\";\n}\nlease 198.18.0.2 { binding state active; }\n");
  ASSERT_EQ(file.error_count, 1u);
  EXPECT_EQ(file.errors[0].line, 2u);
  EXPECT_EQ(file.errors[0].column, 7u);
  EXPECT_NE(file.errors[0].message.find("more than 255"), std::string::npos);
  EXPECT_EQ(file.bad_blocks, 1u);
  ASSERT_EQ(file.leases.size(), 1u);  // the next block is still read
  EXPECT_EQ(to_string(file.leases[0].address), "198.18.0.2");
}

TEST(DhcpdLeases, UnterminatedStringKeepsTheBlocksBefore) {
  const LeaseFile file = parse_dhcpd_leases(
      "lease 198.18.0.1 { binding state active; }\n"
      "lease 198.18.0.2 {\n  client-hostname \"never closed;\n}\n");
  ASSERT_GE(file.error_count, 1u);
  EXPECT_EQ(file.errors[0].line, 3u);
  EXPECT_EQ(file.errors[0].column, 19u);
  EXPECT_NE(file.errors[0].message.find("not terminated"), std::string::npos);
  ASSERT_EQ(file.leases.size(), 1u);
  EXPECT_EQ(to_string(file.leases[0].address), "198.18.0.1");
}

TEST(DhcpdLeases, UidLongerThanAnOptionIsRefused) {
  std::string uid(256, 'x');
  const LeaseFile file = parse_dhcpd_leases("lease 198.18.0.1 { uid \"" + uid + "\"; }");
  EXPECT_EQ(file.error_count, 1u);
  EXPECT_TRUE(file.leases.empty());
  uid.pop_back();
  EXPECT_EQ(parse_dhcpd_leases("lease 198.18.0.1 { uid \"" + uid + "\"; }").leases.size(), 1u);
}

TEST(DhcpdLeases, DeepBracesAreAnErrorNotACrash) {
  std::string deep = "lease 198.18.0.1 { on commit ";
  for (int i = 0; i < 100000; ++i) deep += "{ ";
  for (int i = 0; i < 100000; ++i) deep += "} ";
  deep += "}\nlease 198.18.0.2 { binding state active; }\n";
  const LeaseFile file = parse_dhcpd_leases(deep);
  EXPECT_EQ(file.error_count, 1u);
  EXPECT_NE(file.errors[0].message.find("nested deeper"), std::string::npos);
  ASSERT_EQ(file.leases.size(), 1u);
  EXPECT_EQ(to_string(file.leases[0].address), "198.18.0.2");
}

TEST(DhcpdLeases, FailoverAndOtherDeclarationsAreSkipped) {
  const LeaseFile file = parse_dhcpd_leases(R"(
failover peer "dhcp-failover" state {
  my state normal at 4 2026/12/03 16:00:00;
  partner state normal at 4 2026/12/03 16:00:00;
}
host dyn { dynamic; hardware ethernet 02:00:00:00:00:01; fixed-address 198.18.0.9; }
lease 198.18.0.3 { binding state backup; }
subclass "x" 1:2:3;
)");
  EXPECT_EQ(file.error_count, 0u) << errors_of(file);
  EXPECT_EQ(file.failover_peers, 1u);
  EXPECT_EQ(file.other_blocks, 3u);
  ASSERT_EQ(file.leases.size(), 1u);
  EXPECT_EQ(file.leases[0].binding, BindingState::Backup);
}

TEST(DhcpdLeases, MalformedStatementsDropTheirBlockWithLineAndColumn) {
  const LeaseFile file = parse_dhcpd_leases(
      "lease 198.18.0.1 {\n  starts 4 2026/13/03 16:00:00;\n}\n"  // no month 13
      "lease 198.18.0.2 {\n  binding state sleepy;\n}\n"          // no such state
      "lease 198.18.0.3 {\n  hardware ethernet zz:00;\n}\n"       // not hex
      "lease 198.18.0.4 {\n  binding state active\n}\n"           // no ';'
      "lease 300.18.0.5 {\n}\n"                                   // no address
      "lease 198.18.0.6 {\n  binding state active;\n}\n");
  EXPECT_EQ(file.error_count, 5u) << errors_of(file);
  EXPECT_EQ(file.bad_blocks, 5u);
  ASSERT_EQ(file.errors.size(), 5u);
  EXPECT_EQ(file.errors[0].to_string("f").substr(0, 8), "f:2:3: s");
  EXPECT_EQ(file.errors[1].line, 5u);
  EXPECT_EQ(file.errors[2].line, 8u);
  EXPECT_EQ(file.errors[3].line, 12u);
  EXPECT_EQ(file.errors[4].line, 13u);
  ASSERT_EQ(file.leases.size(), 1u);
  EXPECT_EQ(to_string(file.leases[0].address), "198.18.0.6");
}

TEST(DhcpdLeases, UnknownStatementsAreWarningsAndTheLeaseStays) {
  const LeaseFile file =
      parse_dhcpd_leases("lease 198.18.0.1 { frobnicate 7; option agent.circuit-id 0:1; }");
  EXPECT_EQ(file.error_count, 0u);
  EXPECT_EQ(file.warning_count, 1u);
  EXPECT_EQ(file.leases.size(), 1u);
}

TEST(DhcpdLeases, UnclosedBlockAtTheEndIsAnError) {
  const LeaseFile file = parse_dhcpd_leases("lease 198.18.0.1 { binding state active;");
  EXPECT_EQ(file.error_count, 1u);
  EXPECT_TRUE(file.leases.empty());
}

TEST(DhcpdDate, Formats) {
  EXPECT_EQ(parse_dhcpd_date({"4", "2026/12/03", "16:00:00"}).seconds, k16h);
  EXPECT_EQ(parse_dhcpd_date({"4", "2024/02/29", "23:59:59"}).seconds, 1709251199);
  EXPECT_EQ(parse_dhcpd_date({"epoch", "1796313600"}).seconds, k16h);
  const auto never = parse_dhcpd_date({"never"});
  EXPECT_TRUE(never.error.empty());
  EXPECT_FALSE(never.seconds.has_value());
  EXPECT_FALSE(parse_dhcpd_date({"4", "2023/02/29", "00:00:00"}).error.empty());
  EXPECT_FALSE(parse_dhcpd_date({"4", "2026/12/03", "24:00:00"}).error.empty());
  EXPECT_FALSE(parse_dhcpd_date({"9", "2026/12/03", "00:00:00"}).error.empty());
  EXPECT_FALSE(parse_dhcpd_date({"epoch", "-1"}).error.empty());
  EXPECT_FALSE(parse_dhcpd_date({"epoch", "99999999999999999999"}).error.empty());
  EXPECT_FALSE(parse_dhcpd_date({"4", "2026/12"}).error.empty());
}

TEST(DhcpdColonHex, Bounds) {
  EXPECT_EQ(parse_colon_hex("0:1:ff", 3), (Bytes{0, 1, 255}));
  EXPECT_FALSE(parse_colon_hex("0:1:ff", 2).has_value());
  EXPECT_FALSE(parse_colon_hex("0::1", 8).has_value());
  EXPECT_FALSE(parse_colon_hex("123", 8).has_value());
  EXPECT_FALSE(parse_colon_hex("", 8).has_value());
  EXPECT_FALSE(parse_colon_hex("1:", 8).has_value());
}

}  // namespace
}  // namespace bs::import
