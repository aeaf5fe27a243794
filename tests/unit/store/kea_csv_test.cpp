// Kea's lease4 CSV rows: escaping, the layouts of Kea 2.2 and the current
// Kea, rows as Kea writes them, and rows Kea would skip.
#include "store/kea_csv.h"

#include <gtest/gtest.h>

#include "store_fixture.h"

namespace bs::store {
namespace {

constexpr CsvLayout kKea22{11, 11};
constexpr CsvLayout kKeaCurrent{12, 12};

CsvRow decode_ok(std::string_view line, CsvLayout layout = kKea22) {
  auto row = decode_row(line, layout);
  EXPECT_TRUE(row.has_value()) << line << ": " << (row ? "" : row.error());
  return row.value_or(CsvRow{});
}

std::string decode_error(std::string_view line, CsvLayout layout = kKea22) {
  auto row = decode_row(line, layout);
  EXPECT_FALSE(row.has_value()) << line;
  return row ? "" : row.error();
}

TEST(KeaCsvTest, EscapesLikeKea) {
  // Kea writes ',' as "&#x2c" and '&' as "&#x26" (CSVRow::escapeCharacters).
  EXPECT_EQ(kea_escape("a,b&c"), "a&#x2cb&#x26c");
  EXPECT_EQ(kea_escape("plain.example"), "plain.example");
  // Control characters too, so a row is always one line.
  EXPECT_EQ(kea_escape(std::string("x\ny\0z", 5)), "x&#x0ay&#x00z");
  EXPECT_EQ(kea_unescape("a&#x2cb&#x26c&#x2C"), "a,b&c,");
  // Like Kea: a tag without two hex digits after it is literal text.
  EXPECT_EQ(kea_unescape("&#xZZ&#x2"), "&#xZZ&#x2");
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  EXPECT_EQ(kea_unescape(kea_escape(every_byte)), every_byte);
  EXPECT_EQ(kea_escape(every_byte).find(','), std::string::npos);
}

TEST(KeaCsvTest, HeadersOfEveryKeaVersionAreRead) {
  const auto v22 = parse_header(
      "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
      "user_context");
  ASSERT_TRUE(v22);
  EXPECT_EQ(v22->known, 11u);
  const std::string line = header_line(kKeaCurrent);
  const auto current = parse_header(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->known, 12u);
  const auto oldest = parse_header(
      "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname");
  ASSERT_TRUE(oldest);
  EXPECT_EQ(oldest->known, 9u);
  // A newer Kea's extra column is carried, as Kea does on a downgrade.
  const auto newer = parse_header(
      "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
      "user_context,pool_id,future");
  ASSERT_TRUE(newer);
  EXPECT_EQ(newer->known, 12u);
  EXPECT_EQ(newer->total, 13u);
  EXPECT_FALSE(parse_header("address,hwaddr,client_id"));
  EXPECT_FALSE(parse_header("SQLite format 3"));
  EXPECT_FALSE(parse_header(
      "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,bogus"));
  EXPECT_EQ(header_line(kKea22),
            "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"
            "state,user_context\n");
}

TEST(KeaCsvTest, ARowAsKea22WritesIt) {
  const CsvRow row = decode_ok(
      "198.18.0.10,00:11:22:33:44:5f,01:00:11:22:33:44:5f,3600,1700003600,7,1,0,"
      "pc&#x2cone,0,{ \"ISC\": { \"relay-agent-info\": \"0x01\" } }");
  EXPECT_EQ(to_string(row.lease.address), "198.18.0.10");
  EXPECT_EQ(to_string(row.lease.hw_address), "00:11:22:33:44:5f");
  EXPECT_EQ(row.lease.hw_address.htype, 1);
  EXPECT_EQ(to_hex_colon(row.lease.client_id), "01:00:11:22:33:44:5f");
  EXPECT_EQ(row.lease.valid_lifetime_s, 3600u);
  EXPECT_EQ(row.lease.cltt_s, 1700000000);
  EXPECT_EQ(row.lease.subnet_id, 7u);
  EXPECT_EQ(row.lease.hostname, "pc,one");
  EXPECT_EQ(row.lease.state, LeaseState::Assigned);
  EXPECT_FALSE(row.erase);
}

TEST(KeaCsvTest, RowsOfTheCurrentKeaAndMixedFilesAreRead) {
  const CsvRow twelve =
      decode_ok("198.18.0.11,00:11:22:33:44:55,,600,1700000600,1,0,0,,1,,4", kKeaCurrent);
  EXPECT_EQ(twelve.lease.state, LeaseState::Declined);
  // The current Kea appends 12-column rows to an 11-column file.
  EXPECT_EQ(
      decode_ok("198.18.0.11,00:11:22:33:44:55,,600,1700000600,1,0,0,,0,,4").lease.valid_lifetime_s,
      600u);
  // An old file without state or user_context: Kea's defaults.
  const CsvRow old = decode_ok("198.18.0.12,0:1:2:3:4:5,,600,1700000600,1,0,0,h", {9, 9});
  EXPECT_EQ(to_string(old.lease.hw_address), "00:01:02:03:04:05");
  EXPECT_EQ(old.lease.state, LeaseState::Assigned);
  // The current Kea's "released" state is a free address kept for its client.
  EXPECT_EQ(decode_ok("198.18.0.13,00:11:22:33:44:55,,600,1700000600,1,0,0,,3,").lease.state,
            LeaseState::Reclaimed);
  // Client ids in Kea's other spellings.
  EXPECT_EQ(decode_ok("198.18.0.14,,0x01aabb,600,1700000600,1,0,0,,0,").lease.client_id,
            (Bytes{1, 0xaa, 0xbb}));
}

TEST(KeaCsvTest, AZeroLifetimeDeletes) {
  const CsvRow row = decode_ok("198.18.0.10,00:11:22:33:44:55,,0,1700000000,1,0,0,,0,");
  EXPECT_TRUE(row.erase);
  std::string out;
  append_erase_row(out, Ip4{0xC6120005}, std::nullopt, kKea22);
  EXPECT_EQ(out, "198.18.0.5,,,0,0,0,0,0,,1,\n");
  const CsvRow anonymous = decode_ok(out.substr(0, out.size() - 1));
  EXPECT_TRUE(anonymous.erase);
}

TEST(KeaCsvTest, RowsKeaWouldSkipAreErrors) {
  EXPECT_NE(decode_error("198.18.0.300,00:11,,600,1700000600,1,0,0,,0,").find("address"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:1122,,600,1700000600,1,0,0,,0,").find("hwaddr"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00::11,,600,1700000600,1,0,0,,0,").find("hwaddr"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:11,zz,600,1700000600,1,0,0,,0,").find("client_id"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:11,,600,599,1,0,0,,0,").find("expire"), std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:11,,-5,1700000600,1,0,0,,0,").find("valid_lifetime"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:11,,600,1700000600,1,yes,0,,0,").find("fqdn_fwd"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:11,,600,1700000600,1,0,0,,7,").find("state"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:11,,600,1700000600,1,0,0,,0,[1]").find("user_context"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,,,600,1700000600,1,0,0,,0,").find("neither"),
            std::string::npos);
  // Declined addresses may have no identity (Kea clears it).
  EXPECT_EQ(decode_ok("198.18.0.1,,,600,1700000600,1,0,0,,1,").lease.state, LeaseState::Declined);
  // Column counts: a torn row has too few, garbage may have too many.
  EXPECT_NE(decode_error("198.18.0.1,00:11,,600,1700000600,1,0,0,").find("columns"),
            std::string::npos);
  EXPECT_NE(decode_error("198.18.0.1,00:11,,600,1700000600,1,0,0,,0,,0,9").find("columns"),
            std::string::npos);
}

TEST(KeaCsvTest, EveryFieldRoundTripsInBothLayouts) {
  for (const CsvLayout layout : {kKea22, kKeaCurrent}) {
    for (uint32_t n = 0; n < 40; ++n) {
      Lease lease = test::full_lease(n);
      if (n % 4 == 0) lease.hw_address.htype = 1;
      if (n % 5 == 0) lease.hostname = "we,ird&#x2c\nname";
      if (n % 7 == 0) lease.client_id.clear();
      std::string out;
      append_row(out, lease, layout);
      ASSERT_EQ(out.back(), '\n');
      ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
      EXPECT_EQ(split_fields(out.substr(0, out.size() - 1)).size(), layout.total);
      const CsvRow row = decode_ok(out.substr(0, out.size() - 1), layout);
      EXPECT_EQ(row.lease, lease) << out;
    }
  }
}

TEST(KeaCsvTest, FieldsAreCarriedIntoAnotherLayout) {
  const std::string row = "198.18.0.11,00:11:22:33:44:55,,600,1700000600,1,0,0,a&#x2cb,0,,4";
  std::string out;
  append_fields(out, split_fields(row), kKea22);
  EXPECT_EQ(out, "198.18.0.11,00:11:22:33:44:55,,600,1700000600,1,0,0,a&#x2cb,0,\n");
  out.clear();
  append_fields(out, split_fields("198.18.0.12,00:11,,600,1700000600,1,0,0,h"), kKeaCurrent);
  EXPECT_EQ(out, "198.18.0.12,00:11,,600,1700000600,1,0,0,h,0,,0\n");
}

}  // namespace
}  // namespace bs::store
