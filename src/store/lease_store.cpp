// Store-independent checks of a batch, so the SQLite and in-memory stores
// refuse exactly the same batches and a test against the fake holds for the
// real store.
#include "store/lease_store.h"

#include <fmt/format.h>

namespace bs::store {

namespace {

// Anything longer did not come from a DHCP packet (even with RFC 3396
// concatenation) and would not load back, so it is refused up front.
constexpr size_t kMaxFieldBytes = 65535;

}  // namespace

const char* to_string(StoreFault fault) {
  switch (fault) {
    case StoreFault::Other:
      return "error";
    case StoreFault::DiskFull:
      return "disk full";
    case StoreFault::IoError:
      return "I/O error";
    case StoreFault::ReadOnly:
      return "read-only file system";
    case StoreFault::Corrupt:
      return "database corrupt";
    case StoreFault::Busy:
      return "database locked";
    case StoreFault::Unreachable:
      return "database unreachable";
    case StoreFault::Conflict:
      return "address changed by another server";
  }
  return "error";
}

tl::expected<void, StoreError> check_changes(std::span<const LeaseChange> changes) {
  for (const LeaseChange& change : changes) {
    const std::string where = to_string(change.address);
    if (change.address.is_zero()) return tl::unexpected(StoreError{"change for address 0.0.0.0"});
    if (!change.after) continue;
    const Lease& after = *change.after;
    // Offers are promises of nothing; persisting one is a caller bug that
    // would resurrect a hold after restart, so the whole batch is refused.
    if (after.state == LeaseState::Offered) {
      return tl::unexpected(StoreError{fmt::format("refusing to store an offer for {}", where)});
    }
    if (after.address != change.address) {
      return tl::unexpected(StoreError{
          fmt::format("change for {} carries a lease for {}", where, to_string(after.address))});
    }
    if (after.hw_address.length > after.hw_address.bytes.size()) {
      return tl::unexpected(StoreError{fmt::format("hardware address too long for {}", where)});
    }
    if (after.client_id.size() > kMaxFieldBytes || after.hostname.size() > kMaxFieldBytes) {
      return tl::unexpected(
          StoreError{fmt::format("client id or hostname too long for {}", where)});
    }
  }
  return {};
}

}  // namespace bs::store
