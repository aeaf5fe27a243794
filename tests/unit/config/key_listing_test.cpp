// The config key listing (`blackstart --list-config-keys`, the source of the
// blackstart.json(5) man page): it names the accepted keys of each section
// with their origin, and check_keys refuses to run on a key list that is not
// registered, so the manual cannot miss a key the loader accepts.
#include "config/key_listing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "config/jsonc.h"
#include "config/reader.h"

namespace bs::config {
namespace {

std::set<std::string> listing_lines() {
  std::set<std::string> lines;
  std::istringstream in(config_key_listing());
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

TEST(KeyListing, NamesKeysOfEverySectionWithTheirOrigin) {
  const auto lines = listing_lines();
  for (const char* expected : {
           "(top level)\tDhcp4\tkea",
           "Dhcp4\tsubnet4\tkea",
           "Dhcp4\tvalid-lifetime\tkea",
           "Dhcp4\tconflict-probing\tblackstart",
           "Dhcp4\thosts-database\tkea-unsupported",
           "Dhcp4.conflict-probing\tmode\tblackstart",
           "Dhcp4.lease-database (sqlite)\tfsync\tblackstart",
           "Dhcp4.lease-database\thost\tkea-unsupported",
           "Dhcp4.subnet4[]\trenew-timer\tkea",
           "Dhcp4.subnet4[].pools[]\tpool\tkea",
           "Dhcp4.shared-networks[]\tsubnet4\tkea",
           "Dhcp4.control-sockets[] (unix)\tsocket-name\tkea",
           "option-data[]\talways-send\tkea",
           "Dhcp4.hooks-libraries[].parameters.high-availability[] "
           "(libdhcp_ha)\theartbeat-delay\tkea",
           "Dhcp4.hooks-libraries[].parameters.high-availability[] (libdhcp_ha)\tblackstart-mclt\t"
           "blackstart",
       }) {
    EXPECT_TRUE(lines.count(expected)) << expected;
  }
  for (const std::string& line : lines) {
    EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 2) << line;
  }
}

TEST(KeyListingDeathTest, CheckKeysAssertsItsListIsRegistered) {
  const auto document = parse_jsonc(R"({"a": 1})");
  ASSERT_TRUE(document);
  const std::string file = "f.json";
  const Reader reader(*document, file);
  static constexpr std::string_view kUnregistered[] = {"a"};
  EXPECT_DEATH((void)reader.check_keys(reader.root(), Scope::Dhcp4, kUnregistered),
               "is_registered_key_list");
}

}  // namespace
}  // namespace bs::config
