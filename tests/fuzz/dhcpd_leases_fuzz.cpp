// libFuzzer target for the dhcpd.leases reader (src/import/dhcpd_leases.h),
// the input class of CVE-2021-25217 (dhcpd's own reader overflowed on a
// long colon-separated hex string). Any bytes are a lease file: never a
// crash, never a hang, and what comes out keeps the reader's bounds (uids,
// hardware addresses, diagnostics kept, one block per address, positions
// inside the input); the import plan built from it holds only leases that
// are bound now and name a client.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unordered_set>

#include "import/dhcpd_leases.h"
#include "import/lease_import.h"

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "dhcpd_leases_fuzz: %s\n", what);
  std::abort();
}

void check_diagnostics(const std::vector<bs::import::Diagnostic>& list, size_t total,
                       uint32_t lines) {
  check(list.size() <= bs::import::kMaxDiagnosticsKept && list.size() <= total,
        "more diagnostics kept than the bound or the count");
  for (const auto& d : list) {
    check(d.line >= 1 && d.line <= lines && d.column >= 1, "diagnostic outside the input");
    check(!d.message.empty(), "diagnostic without a message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Big enough for thousands of blocks; the reader is linear, so bigger
  // inputs only slow the fuzzer down.
  constexpr size_t kMaxInputBytes = size_t{256} * 1024;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  uint32_t lines = 1;
  for (const char c : text) lines += c == '\n' ? 1 : 0;

  const bs::import::LeaseFile file = bs::import::parse_dhcpd_leases(text);
  check_diagnostics(file.errors, file.error_count, lines);
  check_diagnostics(file.warnings, file.warning_count, lines);
  check(file.leases.size() <= file.lease_blocks, "more leases than blocks read");
  std::unordered_set<uint32_t> seen;
  for (const auto& lease : file.leases) {
    check(seen.insert(lease.address.value).second, "two leases for one address");
    check(lease.uid.size() <= bs::import::kMaxUidBytes, "uid over the bound");
    check(!lease.hw_address || (lease.hw_address->length >= 1 && lease.hw_address->length <= 16),
          "hardware address over the bound");
    check(lease.line >= 1 && lease.line <= lines, "lease outside the input");
    check(!(lease.ends_never && lease.ends_s), "ends both never and a date");
  }

  constexpr int64_t kNow = 1796313600;
  const auto plan = bs::import::plan_import(file, nullptr, kNow);
  for (const auto& lease : plan.leases) {
    check(lease.expires_at_s() > kNow, "an ended lease planned");
    check(!lease.hw_address.empty() || !lease.client_id.empty(), "a lease without a client");
    check(lease.hostname.size() <= 255, "hostname over the bound");
  }
  return 0;
}
