// From dhcpd's blocks to blackstart leases: which are imported (active and
// not ended), how dhcpd's times become cltt + valid lifetime, subnet ids
// from the config, and writing next to the leases a store already has,
// into memory and into Kea's CSV file.
#include "import/lease_import.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "config/config.h"
#include "store/lease_store.h"

namespace bs::import {
namespace {

constexpr int64_t kNow = 1796316000;  // 2026/12/03 16:40:00 UTC

constexpr const char* kFile = R"(
lease 198.18.0.10 {
  starts 4 2026/12/03 16:00:00;
  ends 4 2026/12/03 18:00:00;
  cltt 4 2026/12/03 16:30:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:0a;
  uid "\001\002\000\000\000\000\012";
  client-hostname "alpha";
}
lease 198.18.0.11 { starts 4 2026/12/03 12:00:00; ends 4 2026/12/03 14:00:00;
  binding state active; hardware ethernet 02:00:00:00:00:0b; }
lease 198.18.0.12 { binding state free; hardware ethernet 02:00:00:00:00:0c; }
lease 198.18.0.13 { binding state backup; }
lease 198.18.0.14 { ends 4 2026/12/03 18:00:00; binding state released;
  hardware ethernet 02:00:00:00:00:0e; }
lease 198.18.0.15 { starts 4 2026/12/03 16:00:00; ends 4 2026/12/03 18:00:00;
  binding state active; }
lease 198.18.0.16 { starts 4 2026/12/03 16:00:00; ends never; binding state active;
  uid 1:2:3; }
lease 198.18.5.1 { starts 4 2026/12/03 16:00:00; ends 4 2026/12/03 18:00:00;
  binding state active; hardware ethernet 02:00:00:00:05:01; }
lease 198.18.0.17 { starts 4 2026/12/03 16:00:00; ends 4 2026/12/03 18:00:00;
  hardware ethernet 02:00:00:00:00:11; }
)";

config::Config two_subnets() {
  auto config = config::parse_config(R"({"Dhcp4": {"subnet4": [
      {"id": 4, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.10 - 198.18.0.99"}]},
      {"id": 9, "subnet": "198.18.1.0/24"}]}})",
                                     "test.json");
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().to_string());
  return *config;
}

const Lease* find(const std::vector<Lease>& leases, const char* address) {
  for (const auto& lease : leases) {
    if (to_string(lease.address) == address) return &lease;
  }
  return nullptr;
}

TEST(LeaseImport, ImportsActiveUnendedLeasesAndCountsTheRest) {
  const config::Config config = two_subnets();
  const ImportPlan plan = plan_import(parse_dhcpd_leases(kFile), &config, kNow);
  // .10 active, .16 never ends, .17 has no binding state but has not ended.
  ASSERT_EQ(plan.leases.size(), 3u);
  EXPECT_EQ(plan.counts.expired, 1u);          // .11
  EXPECT_EQ(plan.counts.free, 1u);             // .12
  EXPECT_EQ(plan.counts.backup, 1u);           // .13
  EXPECT_EQ(plan.counts.released, 1u);         // .14
  EXPECT_EQ(plan.counts.no_client, 1u);        // .15
  EXPECT_EQ(plan.counts.outside_subnets, 1u);  // 198.18.5.1
  EXPECT_EQ(plan.notes.size(), 2u);
  EXPECT_NE(find(plan.leases, "198.18.0.17"), nullptr);
}

TEST(LeaseImport, TimesKeepDhcpdsEndAndTheClientFields) {
  const config::Config config = two_subnets();
  const ImportPlan plan = plan_import(parse_dhcpd_leases(kFile), &config, kNow);
  const Lease* a = find(plan.leases, "198.18.0.10");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->cltt_s, 1796315400);  // cltt 16:30
  EXPECT_EQ(a->valid_lifetime_s, 5400u);
  EXPECT_EQ(a->expires_at_s(), 1796320800);  // ends 18:00
  EXPECT_EQ(to_string(a->hw_address), "02:00:00:00:00:0a");
  EXPECT_EQ(a->client_id, (Bytes{1, 2, 0, 0, 0, 0, 10}));
  EXPECT_EQ(a->hostname, "alpha");
  EXPECT_EQ(a->subnet_id, 4u);
  EXPECT_EQ(a->state, LeaseState::Assigned);
  const Lease* forever = find(plan.leases, "198.18.0.16");
  ASSERT_NE(forever, nullptr);
  EXPECT_EQ(forever->valid_lifetime_s, 0xffffffffu);          // Kea's infinite
  const Lease* old_style = find(plan.leases, "198.18.0.17");  // starts used without cltt
  EXPECT_EQ(old_style->cltt_s, 1796313600);
  EXPECT_EQ(old_style->valid_lifetime_s, 7200u);
}

TEST(LeaseImport, WithoutConfigSubnetIdIsZeroAndNothingIsOutside) {
  const ImportPlan plan = plan_import(parse_dhcpd_leases(kFile), nullptr, kNow);
  EXPECT_EQ(plan.leases.size(), 4u);
  EXPECT_EQ(plan.counts.outside_subnets, 0u);
  for (const auto& lease : plan.leases) EXPECT_EQ(lease.subnet_id, 0u);
}

TEST(LeaseImport, TheStoresLiveLeasesOfOtherClientsAndLaterEndsWin) {
  const config::Config config = two_subnets();
  const ImportPlan plan = plan_import(parse_dhcpd_leases(kFile), &config, kNow);
  store::MemoryLeaseStore store;
  Lease other = plan.leases[0];  // .10, but someone else's and still bound
  other.hw_address = make_hwaddr(std::vector<uint8_t>{2, 9, 9, 9, 9, 9});
  other.client_id = {9};
  Lease older = *find(plan.leases, "198.18.0.16");  // same client, an older row
  older.cltt_s -= 100000;
  older.valid_lifetime_s = 3600;
  Lease renewed = *find(plan.leases, "198.18.0.17");  // same client, renewed since
  renewed.cltt_s = kNow;
  ASSERT_TRUE(store.commit(std::vector<LeaseChange>{{other.address, std::nullopt, other},
                                                    {older.address, std::nullopt, older},
                                                    {renewed.address, std::nullopt, renewed}}));
  const auto counts = write_import(plan, store, kNow);
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->imported, 1u);
  EXPECT_EQ(counts->replaced, 1u);
  EXPECT_EQ(counts->conflicts, 1u);
  EXPECT_EQ(counts->newer_in_store, 1u);
  auto rows = store.load_all();
  EXPECT_EQ(*find(*rows, "198.18.0.10"), other);
  EXPECT_EQ(*find(*rows, "198.18.0.16"), *find(plan.leases, "198.18.0.16"));
  EXPECT_EQ(*find(*rows, "198.18.0.17"), renewed);
  EXPECT_NE(format_counts(*counts).find("1 conflicting"), std::string::npos);
}

TEST(LeaseImport, WrittenIntoKeasCsvAndReadBack) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("bs-import-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "kea-leases4.csv").string();
  const config::Config config = two_subnets();
  const ImportPlan plan = plan_import(parse_dhcpd_leases(kFile), &config, kNow);
  {
    auto store = store::open_memfile_store(path, {.lfc_interval_s = 0});
    ASSERT_TRUE(store.has_value());
    ASSERT_TRUE(write_import(plan, **store, kNow).has_value());
  }
  auto store = store::open_memfile_store(path, {.lfc_interval_s = 0});
  ASSERT_TRUE(store.has_value());
  auto rows = (*store)->load_all();
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), plan.leases.size());
  for (const auto& lease : plan.leases)
    EXPECT_EQ(*find(*rows, to_string(lease.address).c_str()), lease);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bs::import
