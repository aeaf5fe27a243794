// libFuzzer target for reading lease rows: arbitrary bytes become the nine
// column values of one row (any SQLite type, any size), which go through
// decode_row, the function load_all and the recovery command use. An input
// that starts with the SQLite header is instead a whole database file, opened
// and loaded as at start-up. Never a crash; a row is accepted exactly when an
// independent check here says it is valid, and an accepted row survives
// bind_lease -> decode_row unchanged.
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "store/lease_row.h"
#include "store/sqlite_store.h"

namespace {

using bs::store::kMaxCltt_s;
using bs::store::kMaxFieldBytes;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "lease_row_fuzz: %s\n", what);
  std::abort();
}

// One column value as drawn from the input.
struct Value {
  int type = SQLITE_NULL;
  int64_t integer = 0;
  double real = 0;
  std::string bytes;  // text or blob
};

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  uint64_t little_endian(size_t count) {
    uint64_t value = 0;
    for (size_t i = 0; i < count; ++i) value |= uint64_t{byte()} << (8 * i);
    return value;
  }
  std::string bytes(size_t count) {
    count = std::min(count, size_ - at_);
    std::string out(reinterpret_cast<const char*>(data_ + at_), count);
    at_ += count;
    return out;
  }
  bool empty() const { return at_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

// Tags: 0 int64, 1 text, 2 blob (u16 length), 3 null, 4 real, 5 long text,
// 6 long blob (k KiB, to cross the 64 KiB bound), 7 small signed int.
Value next_value(Input& in) {
  Value value;
  if (in.empty()) return value;
  switch (in.byte() % 8) {
    case 0:
      value.type = SQLITE_INTEGER;
      value.integer = static_cast<int64_t>(in.little_endian(8));
      break;
    case 1:
    case 2:
      value.type = in.byte() % 2 == 0 ? SQLITE_TEXT : SQLITE_BLOB;
      value.bytes = in.bytes(in.little_endian(2));
      break;
    case 4: {
      value.type = SQLITE_FLOAT;
      const uint64_t bits = in.little_endian(8);
      std::memcpy(&value.real, &bits, sizeof bits);
      if (std::isnan(value.real)) value.type = SQLITE_NULL;  // SQLite stores NaN as NULL
      break;
    }
    case 5:
    case 6:
      value.type = in.byte() % 2 == 0 ? SQLITE_TEXT : SQLITE_BLOB;
      value.bytes.assign(size_t{in.byte()} * 1024, 'a');
      break;
    case 7:
      value.type = SQLITE_INTEGER;
      value.integer = static_cast<int8_t>(in.byte());
      break;
    default:
      break;
  }
  return value;
}

void bind_value(sqlite3_stmt* stmt, int index, const Value& value) {
  // Never a null pointer: that would bind NULL instead of an empty value.
  const char* data = value.bytes.data();
  const int size = static_cast<int>(value.bytes.size());
  switch (value.type) {
    case SQLITE_INTEGER:
      sqlite3_bind_int64(stmt, index, value.integer);
      break;
    case SQLITE_FLOAT:
      sqlite3_bind_double(stmt, index, value.real);
      break;
    case SQLITE_TEXT:
      sqlite3_bind_text(stmt, index, data, size, SQLITE_STATIC);
      break;
    case SQLITE_BLOB:
      sqlite3_bind_blob(stmt, index, data, size, SQLITE_STATIC);
      break;
    default:
      sqlite3_bind_null(stmt, index);
  }
}

bool integer_in(const Value& v, int64_t min, int64_t max) {
  return v.type == SQLITE_INTEGER && v.integer >= min && v.integer <= max;
}
bool sized(const Value& v, int type, size_t max) { return v.type == type && v.bytes.size() <= max; }

// What decode_row must accept, written independently of it.
bool valid_row(const std::vector<Value>& v) {
  return integer_in(v[0], 1, UINT32_MAX) && integer_in(v[1], 0, UINT8_MAX) &&
         sized(v[2], SQLITE_BLOB, 16) && sized(v[3], SQLITE_BLOB, kMaxFieldBytes) &&
         sized(v[4], SQLITE_TEXT, kMaxFieldBytes) && integer_in(v[5], 0, UINT32_MAX) &&
         integer_in(v[6], 0, UINT32_MAX) && integer_in(v[7], 0, kMaxCltt_s) &&
         integer_in(v[8], 0, 2);
}

struct Db {
  sqlite3* db = nullptr;
  Db() {
    check(sqlite3_open(":memory:", &db) == SQLITE_OK, "cannot open :memory:");
    // No column types: every value keeps the storage class it was bound with.
    check(sqlite3_exec(db,
                       "CREATE TABLE leases (address, hw_type, hw_address, client_id, hostname, "
                       "subnet_id, valid_lifetime, cltt, state)",
                       nullptr, nullptr, nullptr) == SQLITE_OK,
          "cannot create table");
  }
  ~Db() { sqlite3_close(db); }
  void exec(const char* sql) {
    check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK, sql);
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    check(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK, sql);
    return stmt;
  }
};

// Reads the table's only row back through decode_row.
tl::expected<bs::Lease, std::string> read_back(Db& db) {
  sqlite3_stmt* select = db.prepare(bs::store::kSelectColumns);
  check(sqlite3_step(select) == SQLITE_ROW, "row not stored");
  auto lease = bs::store::decode_row(select);
  if (!lease) (void)bs::store::describe_row(select, 1);
  sqlite3_finalize(select);
  return lease;
}

void fuzz_row(const uint8_t* data, size_t size) {
  Input in(data, size);
  std::vector<Value> values;
  for (int i = 0; i < 9; ++i) values.push_back(next_value(in));
  static Db db;
  db.exec("DELETE FROM leases");
  sqlite3_stmt* insert =
      db.prepare("INSERT INTO leases VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  for (int i = 0; i < 9; ++i) bind_value(insert, i + 1, values[static_cast<size_t>(i)]);
  check(sqlite3_step(insert) == SQLITE_DONE, "insert failed");
  sqlite3_finalize(insert);

  const auto lease = read_back(db);
  check(lease.has_value() == valid_row(values), "decode_row disagrees with the row's validity");
  if (!lease) {
    check(!lease.error().empty(), "rejected without a reason");
    return;
  }
  // Accepted: writing it the store's way and reading it again is lossless.
  db.exec("DELETE FROM leases");
  sqlite3_stmt* upsert = db.prepare(bs::store::kUpsert);
  bs::store::bind_lease(upsert, *lease);
  check(sqlite3_step(upsert) == SQLITE_DONE, "upsert failed");
  sqlite3_finalize(upsert);
  const auto again = read_back(db);
  check(again.has_value() && *again == *lease, "round trip changed the lease");
}

// A whole database file: opening and loading must fail with the file named,
// or yield only leases that pass the same checks.
void fuzz_file(const uint8_t* data, size_t size) {
  // On the heap and never freed, so it outlives the atexit clean-up that
  // libFuzzer and the replay both reach through exit().
  static const std::string* const dir = [] {
    char pattern[] = "/tmp/lease_row_fuzz.XXXXXX";
    check(mkdtemp(pattern) != nullptr, "mkdtemp failed");
    auto* made = new std::string(pattern);
    std::atexit([] { std::filesystem::remove_all(*dir); });
    return made;
  }();
  const std::string path = *dir + "/leases.sqlite3";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto store = bs::store::SqliteLeaseStore::open(path);
  if (!store) {
    check(store.error().message.find(path) != std::string::npos, "open error without the file");
    return;
  }
  auto leases = (*store)->load_all();
  if (!leases) {
    check(leases.error().message.find(path) != std::string::npos, "load error without the file");
    return;
  }
  for (const bs::Lease& lease : *leases) {
    check(!lease.address.is_zero() && static_cast<int>(lease.state) <= 2 &&
              lease.hw_address.length <= 16 && lease.cltt_s >= 0 && lease.cltt_s <= kMaxCltt_s,
          "an invalid lease was loaded");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr char kSqliteHeader[] = "SQLite format 3";  // 16 bytes with the NUL
  // Databases are kept small so each run stays fast.
  constexpr size_t kMaxFileBytes = 64 * 1024;
  if (size >= sizeof kSqliteHeader && std::memcmp(data, kSqliteHeader, sizeof kSqliteHeader) == 0) {
    if (size <= kMaxFileBytes) fuzz_file(data, size);
    return 0;
  }
  fuzz_row(data, size);
  return 0;
}
