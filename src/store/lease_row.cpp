// Lease <-> SQLite row. Reading is strict: each column must have the type
// and range blackstart writes, because a row we cannot make sense of came
// from somewhere else (a damaged page, a hand edit) and guessing at it could
// hand out an address that a live client holds.
#include "store/lease_row.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "common/text.h"

namespace bs::store {
namespace {

// Reads one row's columns with type and range checks, keeping the first
// problem so a malformed row becomes one clear message instead of a crash.
class RowReader {
 public:
  explicit RowReader(sqlite3_stmt* stmt) : stmt_(stmt) {}

  int64_t integer(int column, const char* name, int64_t min, int64_t max) {
    if (sqlite3_column_type(stmt_, column) != SQLITE_INTEGER) {
      fail(fmt::format("{} is not an integer", name));
      return min;
    }
    const int64_t value = sqlite3_column_int64(stmt_, column);
    if (value < min || value > max) {
      fail(fmt::format("{} {} is out of range", name, value));
      return min;
    }
    return value;
  }

  Bytes blob(int column, const char* name, size_t max_size) {
    const std::span<const uint8_t> bytes = checked_blob(column, name, max_size);
    return {bytes.begin(), bytes.end()};
  }

  // For fixed arrays (chaddr): copies into `out`, returns the length.
  size_t blob_into(int column, const char* name, uint8_t* out, size_t max_size) {
    const std::span<const uint8_t> bytes = checked_blob(column, name, max_size);
    std::copy(bytes.begin(), bytes.end(), out);
    return bytes.size();
  }

  std::string text(int column, const char* name) {
    if (sqlite3_column_type(stmt_, column) != SQLITE_TEXT) {
      fail(fmt::format("{} is not text", name));
      return {};
    }
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt_, column));
    if (size > kMaxFieldBytes) fail(fmt::format("{} is {} bytes long", name, size));
    if (data == nullptr || size > kMaxFieldBytes) return {};
    return {data, size};
  }

  const std::string& problem() const { return problem_; }

 private:
  std::span<const uint8_t> checked_blob(int column, const char* name, size_t max_size) {
    if (sqlite3_column_type(stmt_, column) != SQLITE_BLOB) {
      fail(fmt::format("{} is not a blob", name));
      return {};
    }
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt_, column));
    if (size > max_size)
      fail(fmt::format("{} is {} bytes, at most {} allowed", name, size, max_size));
    if (data == nullptr || size > max_size) return {};
    return {data, size};
  }

  void fail(std::string message) {
    if (problem_.empty()) problem_ = std::move(message);
  }

  sqlite3_stmt* stmt_;
  std::string problem_;
};

void bind_bytes(sqlite3_stmt* stmt, int index, const void* data, size_t size) {
  // A null pointer would bind SQL NULL, which decode_row rightly rejects.
  sqlite3_bind_blob(stmt, index, size == 0 ? "" : data, static_cast<int>(size), SQLITE_STATIC);
}

}  // namespace

tl::expected<Lease, std::string> decode_row(sqlite3_stmt* stmt) {
  if (sqlite3_column_count(stmt) != 9) {
    return tl::unexpected(fmt::format("{} columns, expected 9", sqlite3_column_count(stmt)));
  }
  RowReader row(stmt);
  Lease lease;
  lease.address.value = static_cast<uint32_t>(row.integer(0, "address", 1, UINT32_MAX));
  lease.hw_address.htype = static_cast<uint8_t>(row.integer(1, "hw_type", 0, UINT8_MAX));
  lease.hw_address.length = static_cast<uint8_t>(
      row.blob_into(2, "hw_address", lease.hw_address.bytes.data(), lease.hw_address.bytes.size()));
  lease.client_id = row.blob(3, "client_id", kMaxFieldBytes);
  // Cut, not refused: a longer name was written before the cap existed, and
  // losing the lease over its name would be worse than shortening the name.
  lease.hostname = capped_hostname(row.text(4, "hostname"));
  lease.subnet_id = static_cast<uint32_t>(row.integer(5, "subnet_id", 0, UINT32_MAX));
  lease.valid_lifetime_s = static_cast<uint32_t>(row.integer(6, "valid_lifetime", 0, UINT32_MAX));
  lease.cltt_s = row.integer(7, "cltt", 0, kMaxCltt_s);
  // Offered (3) is refused too: offers are never written, so one on disk
  // means the file was not written by us.
  const int64_t state = row.integer(8, "state", 0, 2);
  lease.state = static_cast<LeaseState>(state);
  if (!row.problem().empty()) return tl::unexpected(row.problem());
  return lease;
}

std::string describe_row(sqlite3_stmt* stmt, size_t row_number) {
  std::string text = fmt::format("row {}", row_number);
  if (sqlite3_column_type(stmt, 0) == SQLITE_INTEGER) {
    const int64_t value = sqlite3_column_int64(stmt, 0);
    if (value >= 0 && value <= UINT32_MAX) {
      text += fmt::format(" (address {})", to_string(Ip4{static_cast<uint32_t>(value)}));
    }
  }
  return text;
}

void bind_lease(sqlite3_stmt* stmt, const Lease& lease) {
  sqlite3_bind_int64(stmt, 1, lease.address.value);
  sqlite3_bind_int(stmt, 2, lease.hw_address.htype);
  bind_bytes(stmt, 3, lease.hw_address.bytes.data(), lease.hw_address.length);
  bind_bytes(stmt, 4, lease.client_id.data(), lease.client_id.size());
  sqlite3_bind_text(stmt, 5, lease.hostname.c_str(), static_cast<int>(lease.hostname.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 6, lease.subnet_id);
  sqlite3_bind_int64(stmt, 7, lease.valid_lifetime_s);
  sqlite3_bind_int64(stmt, 8, lease.cltt_s);
  sqlite3_bind_int(stmt, 9, static_cast<int>(lease.state));
}

}  // namespace bs::store
