// PostgreSQL lease store: Kea's lease4 rows <-> Lease, and the transaction
// rules pg_store.h promises. All statements are prepared once per
// connection and exchange binary values, so no lease field is ever parsed
// as SQL or as text. Times are sent and read as Unix seconds
// (to_timestamp / extract(epoch)), so neither server's time zone matters.
#include "store/pg_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#include "common/text.h"
#include "store/pg_schema.h"

namespace bs::store {

namespace {

// PostgreSQL type OIDs (pg_type.h is a server header, so they are spelled
// out; these values are fixed in the catalog).
constexpr Oid kInt8Oid = 20;
constexpr Oid kByteaOid = 17;
constexpr Oid kTextOid = 25;

constexpr size_t kMaxHostnameChars = 255;  // lease4.hostname varchar(255)

// fqdn_fwd/fqdn_rev and user_context are Kea's; a new row says "no DNS
// update done" as Kea does without DDNS, and updates leave them alone.
// ON CONFLICT DO NOTHING: a second server's insert of a held address
// changes nothing and reports 0 rows instead of aborting the transaction,
// so the rest of its batch still commits (commit_each).
constexpr const char* kInsert =
    "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, "
    "fqdn_rev, hostname, state) VALUES ($1, $2, $3, $4, to_timestamp($5), $6, false, false, $7, "
    "$8) ON CONFLICT (address) DO NOTHING";
constexpr const char* kUpdate =
    "UPDATE lease4 SET hwaddr = $2, client_id = $3, valid_lifetime = $4, expire = "
    "to_timestamp($5), subnet_id = $6, hostname = $7, state = $8 WHERE address = $1 AND expire = "
    "to_timestamp($9)";
constexpr const char* kDelete =
    "DELETE FROM lease4 WHERE address = $1 AND expire = to_timestamp($2)";
constexpr const char* kDeleteAny = "DELETE FROM lease4 WHERE address = $1";
constexpr const char* kSelectAll =
    "SELECT address, hwaddr, client_id, valid_lifetime, extract(epoch FROM expire)::bigint, "
    "subnet_id, hostname, state FROM lease4";
// The rows at some addresses, given as a text int8[] ("{1,2}").
constexpr const char* kSelectSome =
    "SELECT address, hwaddr, client_id, valid_lifetime, extract(epoch FROM expire)::bigint, "
    "subnet_id, hostname, state FROM lease4 WHERE address = ANY($1::bigint[])";

// Servers sharing the database tell each other which addresses a commit
// changed: NOTIFY is transactional (delivered only if the COMMIT is, and
// after it), and costs no table write. The payload is decimal addresses
// separated by commas, at most kNotifyAddresses per notification (the
// payload limit is 8000 bytes).
constexpr const char* kNotifyChannel = "blackstart_lease4";
constexpr size_t kNotifyAddresses = 600;

// Statement name, SQL, parameter types.
struct Prepared {
  const char* name;
  const char* sql;
  std::vector<Oid> types;
};
const std::array<Prepared, 4>& prepared_statements() {
  static const std::array<Prepared, 4> statements{{
      {"bs_insert",
       kInsert,
       {kInt8Oid, kByteaOid, kByteaOid, kInt8Oid, kInt8Oid, kInt8Oid, kTextOid, kInt8Oid}},
      {"bs_update",
       kUpdate,
       {kInt8Oid, kByteaOid, kByteaOid, kInt8Oid, kInt8Oid, kInt8Oid, kTextOid, kInt8Oid,
        kInt8Oid}},
      {"bs_delete", kDelete, {kInt8Oid, kInt8Oid}},
      {"bs_delete_any", kDeleteAny, {kInt8Oid}},
  }};
  return statements;
}

// Binary parameters of one statement; owns the bytes until the call ends.
class Params {
 public:
  void int8(int64_t value) {
    std::array<char, 8> be{};
    auto bits = static_cast<uint64_t>(value);
    for (int i = 7; i >= 0; --i) {
      be[static_cast<size_t>(i)] = static_cast<char>(bits & 0xff);
      bits >>= 8;
    }
    add(std::string(be.data(), be.size()));
  }
  void bytes(std::span<const uint8_t> data) {
    add(std::string(reinterpret_cast<const char*>(data.data()), data.size()));
  }
  void text(std::string value) { add(std::move(value)); }

  PGresult* exec(PGconn* conn, const char* name) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats(storage_.size(), 1);
    for (const std::string& value : storage_) {
      values.push_back(value.data());
      lengths.push_back(static_cast<int>(value.size()));
    }
    return PQexecPrepared(conn, name, static_cast<int>(storage_.size()), values.data(),
                          lengths.data(), formats.data(), 1);
  }

 private:
  void add(std::string value) { storage_.push_back(std::move(value)); }
  std::vector<std::string> storage_;
};

void bind_lease(Params& params, const Lease& lease) {
  params.int8(lease.address.value);
  params.bytes(lease.hw_address.view());
  params.bytes(lease.client_id);
  params.int8(lease.valid_lifetime_s);
  params.int8(lease.expires_at_s());
  params.int8(lease.subnet_id);
  params.text(pg_hostname(lease.hostname));
  params.int8(static_cast<int64_t>(lease.state));
}

// Reads one binary result row with null and range checks; the first
// problem is kept, so a malformed row is one clear message.
class RowReader {
 public:
  RowReader(const PGresult* result, int row) : result_(result), row_(row) {}

  std::optional<int64_t> int8(int column, const char* name) {
    if (PQgetisnull(result_, row_, column) == 1) return std::nullopt;
    if (PQgetlength(result_, row_, column) != 8) {
      fail(fmt::format("{} is not a bigint", name));
      return std::nullopt;
    }
    const auto* data = reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row_, column));
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | data[i];
    return static_cast<int64_t>(bits);
  }

  int64_t required(int column, const char* name, int64_t min, int64_t max) {
    const auto value = int8(column, name);
    if (!value) {
      fail(fmt::format("{} is NULL", name));
      return min;
    }
    if (*value < min || *value > max) {
      fail(fmt::format("{} {} is out of range", name, *value));
      return min;
    }
    return *value;
  }

  // NULL and empty read the same: Kea writes either.
  std::string_view bytes(int column) const {
    if (PQgetisnull(result_, row_, column) == 1) return {};
    return {PQgetvalue(result_, row_, column),
            static_cast<size_t>(PQgetlength(result_, row_, column))};
  }

  void fail(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
  }
  const std::string& problem() const { return problem_; }

 private:
  const PGresult* result_;
  int row_;
  std::string problem_;
};

constexpr int64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
constexpr int64_t kMaxExpire_s = int64_t{1} << 40;

tl::expected<Lease, std::string> decode_lease(const PGresult* result, int row) {
  RowReader reader(result, row);
  Lease lease;
  lease.address = Ip4{static_cast<uint32_t>(reader.required(0, "address", 1, kMaxU32))};
  const std::string_view hw = reader.bytes(1);
  if (hw.size() > lease.hw_address.bytes.size()) {
    reader.fail(fmt::format("hwaddr is {} bytes long", hw.size()));
  } else {
    // Kea's lease4 has no hardware type column; Kea reads every row as
    // Ethernet, and so does blackstart.
    lease.hw_address =
        make_hwaddr(std::span(reinterpret_cast<const uint8_t*>(hw.data()), hw.size()), 1);
  }
  const std::string_view client_id = reader.bytes(2);
  lease.client_id.assign(client_id.begin(), client_id.end());
  lease.valid_lifetime_s = static_cast<uint32_t>(reader.required(3, "valid_lifetime", 0, kMaxU32));
  const int64_t expire_s = reader.required(4, "expire", 0, kMaxExpire_s);
  lease.cltt_s = expire_s - lease.valid_lifetime_s;
  lease.subnet_id = static_cast<uint32_t>(reader.required(5, "subnet_id", 0, kMaxU32));
  lease.hostname = std::string(reader.bytes(6));
  const int64_t state = reader.int8(7, "state").value_or(0);  // Kea's column default
  if (state < 0 || state > static_cast<int64_t>(LeaseState::Reclaimed)) {
    reader.fail(fmt::format("state {} is not one blackstart knows", state));
  }
  lease.state = static_cast<LeaseState>(state);
  if (!reader.problem().empty()) return tl::unexpected(reader.problem());
  return lease;
}

size_t utf8_chars(std::string_view text) {
  size_t chars = 0;
  for (const char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return chars;
}

}  // namespace

std::string pg_hostname(const std::string& hostname) {
  bool clean = hostname.find('\0') == std::string::npos;
  for (size_t pos = 0; clean && pos < hostname.size();) {
    const size_t length = utf8_sequence_length(hostname, pos);
    clean = length != 0;
    pos += length;
  }
  std::string out = clean ? hostname : escape_for_terminal(hostname);
  if (utf8_chars(out) <= kMaxHostnameChars) return out;
  size_t chars = 0;
  size_t end = 0;
  while (end < out.size()) {
    const size_t length = std::max<size_t>(utf8_sequence_length(out, end), 1);
    if (chars == kMaxHostnameChars) break;
    ++chars;
    end += length;
  }
  out.resize(end);
  return out;
}

tl::expected<std::unique_ptr<LeaseStore>, StoreError> open_pg_store(const PgOptions& options) {
  auto store = PgLeaseStore::open(options);
  if (!store) return tl::unexpected(store.error());
  return std::unique_ptr<LeaseStore>(std::move(*store));
}

tl::expected<std::unique_ptr<PgLeaseStore>, StoreError> PgLeaseStore::open(PgOptions options) {
  if (options.name.empty()) {
    return tl::unexpected(StoreError{"postgresql lease-database needs a \"name\" (the database)"});
  }
  std::unique_ptr<PgLeaseStore> store(new PgLeaseStore(std::move(options)));
  // A measuring knob, not a setting (bench/pg_bench.sh): without the
  // announcements each server learns another's row only from a conflict.
  const char* announce = std::getenv("BLACKSTART_PG_ANNOUNCE");
  store->announce_ = announce == nullptr || std::string_view(announce) != "off";
  if (auto connected = store->connect(); !connected) return tl::unexpected(connected.error());
  return store;
}

tl::expected<void, StoreError> PgLeaseStore::connect() {
  auto conn = pg_connect(options_);
  if (!conn) return tl::unexpected(conn.error());
  conn_ = std::move(*conn);
  tl::expected<void, StoreError> ready = check_durability();
  if (ready) ready = check_pg_schema(conn_.get(), describe());
  if (ready) ready = prepare_all();
  if (ready && announce_) {
    const std::string listen = fmt::format("LISTEN {}", kNotifyChannel);
    auto listening = pg_exec(conn_.get(), listen.c_str(), describe());
    if (!listening) ready = tl::unexpected(listening.error());
  }
  if (!ready) conn_.reset();
  return ready;
}

tl::expected<void, StoreError> PgLeaseStore::ensure_connected() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return {};
  conn_.reset();
  auto connected = connect();
  if (connected) {
    ++reconnects_;
    lost_track_ = true;
  }
  return connected;
}

tl::expected<void, StoreError> PgLeaseStore::check_durability() {
  if (!options_.fsync) return {};
  // The effective values for this session: role, database and server
  // settings all count, so SHOW is asked rather than postgresql.conf.
  for (const char* setting : {"synchronous_commit", "fsync"}) {
    const std::string sql = fmt::format("SHOW {}", setting);
    auto value = pg_query_text(conn_.get(), sql.c_str(), describe());
    if (!value) return tl::unexpected(value.error());
    if (value->value_or("") == "off") {
      return tl::unexpected(StoreError{fmt::format(
          "{}: the database's effective {} is off, so a COMMIT can return before the lease is "
          "on disk and a crash of the database server would lose ACKed leases; blackstart "
          "ACKs only durable leases (turn it on for blackstart's role or database, e.g. ALTER "
          "ROLE ... SET synchronous_commit = on, or set \"fsync\": false in lease-database "
          "to accept the risk)",
          describe(), setting)});
    }
  }
  return check_standby_level();
}

// With a synchronous standby, COMMIT waits for the standby only at the
// levels on (the standby flushed the commit record) and remote_apply (and
// replayed it); with local it does not wait, and with remote_write the
// standby has it only in its OS's memory. A promoted standby must hold
// every ACKed lease, so those two are refused while one is configured.
tl::expected<void, StoreError> PgLeaseStore::check_standby_level() {
  auto standbys = pg_query_text(conn_.get(), "SHOW synchronous_standby_names", describe());
  if (!standbys) return tl::unexpected(standbys.error());
  if (standbys->value_or("").empty()) return {};
  auto level = pg_query_text(conn_.get(), "SHOW synchronous_commit", describe());
  if (!level) return tl::unexpected(level.error());
  const std::string value = level->value_or("");
  if (value != "local" && value != "remote_write") return {};
  return tl::unexpected(StoreError{fmt::format(
      "{}: synchronous_standby_names is set ('{}') but the effective synchronous_commit is {}, "
      "so a COMMIT can return before the standby has flushed it and a failover to the standby "
      "would lose ACKed leases; blackstart needs on or remote_apply with a synchronous standby "
      "(or \"fsync\": false in lease-database to accept the risk)",
      describe(), standbys->value_or(""), value)});
}

tl::expected<void, StoreError> PgLeaseStore::prepare_all() {
  for (const Prepared& statement : prepared_statements()) {
    PgResult result(PQprepare(conn_.get(), statement.name, statement.sql,
                              static_cast<int>(statement.types.size()), statement.types.data()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return tl::unexpected(pg_error(conn_.get(), result.get(), describe(),
                                     fmt::format("cannot prepare \"{}\"", statement.sql)));
    }
  }
  return {};
}

tl::expected<std::vector<Lease>, StoreError> PgLeaseStore::load_all() {
  if (auto connected = ensure_connected(); !connected) return tl::unexpected(connected.error());
  PgResult result(PQexecParams(conn_.get(), kSelectAll, 0, nullptr, nullptr, nullptr, nullptr, 1));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return abandon(pg_error(conn_.get(), result.get(), describe(), "cannot read lease4"));
  }
  std::vector<Lease> leases;
  const int rows = PQntuples(result.get());
  leases.reserve(static_cast<size_t>(rows));
  for (int row = 0; row < rows; ++row) {
    auto lease = decode_lease(result.get(), row);
    if (!lease) {
      return tl::unexpected(
          StoreError{fmt::format("{}: lease4 row {}: {}", describe(), row + 1, lease.error()),
                     StoreFault::Corrupt});
    }
    leases.push_back(std::move(*lease));
  }
  return leases;
}

// One change; false when another server got there first (the insert
// found a row, or the conditional update or delete matched none). A delete
// of a row already gone is what was wanted, but under the same rule it is
// reported: this server's view of the address was wrong.
tl::expected<bool, StoreError> PgLeaseStore::write_change(const LeaseChange& change) {
  Params params;
  const char* statement = nullptr;
  if (change.after) {
    bind_lease(params, *change.after);
    if (change.before) params.int8(change.before->expires_at_s());
    statement = change.before ? "bs_update" : "bs_insert";
  } else {
    params.int8(change.address.value);
    if (change.before) params.int8(change.before->expires_at_s());
    statement = change.before ? "bs_delete" : "bs_delete_any";
  }
  PgResult result(params.exec(conn_.get(), statement));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    const std::string where = fmt::format("{}: {}", describe(), to_string(change.address));
    return tl::unexpected(pg_error(conn_.get(), result.get(), where, "cannot write lease"));
  }
  const bool unconditional = !change.before && !change.after;
  return unconditional || std::strcmp(PQcmdTuples(result.get()), "1") == 0;
}

tl::expected<std::vector<RowUpdate>, StoreError> PgLeaseStore::read_rows(
    std::span<const uint32_t> addresses) {
  std::string array = "{";
  for (const uint32_t address : addresses) {
    if (array.size() > 1) array += ',';
    array += std::to_string(address);
  }
  array += '}';
  const char* values[1] = {array.c_str()};
  PgResult result(PQexecParams(conn_.get(), kSelectSome, 1, nullptr, values, nullptr, nullptr, 1));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return tl::unexpected(pg_error(conn_.get(), result.get(), describe(), "cannot read lease4"));
  }
  std::vector<RowUpdate> rows;
  rows.reserve(addresses.size());
  for (const uint32_t address : addresses) rows.push_back(RowUpdate{Ip4{address}, std::nullopt});
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    auto lease = decode_lease(result.get(), row);
    if (!lease) {
      return tl::unexpected(StoreError{fmt::format("{}: lease4 row: {}", describe(), lease.error()),
                                       StoreFault::Corrupt});
    }
    for (RowUpdate& update : rows) {
      if (update.address == lease->address) update.current = *lease;
    }
  }
  return rows;
}

// COMMIT, then the announcement of the addresses the batch changed in a
// transaction of its own, as one simple-query string: one round trip.
// NOTIFY takes a cluster-wide lock held until its transaction has
// committed; inside the lease transaction that would serialize every
// server's commit, fsync and standby wait included. In its own transaction
// with synchronous_commit off, the lock is held for microseconds and the
// announcement (which needs no durability: a lost one is covered by the
// conflict rule) waits for no flush. Only digits and commas are spliced
// in, so nothing needs quoting.
std::string PgLeaseStore::commit_and_notify_sql(std::span<const LeaseChange> changes,
                                                std::span<const CommitConflict> conflicts) {
  std::string sql = "COMMIT";
  size_t in_payload = 0;
  size_t next_conflict = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (next_conflict < conflicts.size() && conflicts[next_conflict].index == i) {
      ++next_conflict;
      continue;
    }
    if (sql.size() == 6) sql += ";BEGIN;SET LOCAL synchronous_commit TO off";
    if (in_payload == kNotifyAddresses) {
      sql += "')";
      in_payload = 0;
    }
    sql += in_payload == 0 ? fmt::format(";SELECT pg_notify('{}','", kNotifyChannel) : ",";
    sql += std::to_string(changes[i].address.value);
    ++in_payload;
  }
  if (in_payload > 0) sql += "');COMMIT";
  return sql;
}

// Sends the string and checks the first result, the lease transaction's
// COMMIT; the announcement's results are drained, and if it failed its
// transaction is rolled back (the leases are committed regardless).
tl::expected<void, StoreError> PgLeaseStore::commit_then_notify(const std::string& sql) {
  if (PQsendQuery(conn_.get(), sql.c_str()) == 0) {
    return abandon(pg_error(conn_.get(), nullptr, describe(), "cannot send COMMIT"));
  }
  std::optional<StoreError> failure;
  bool first = true;
  while (PGresult* raw = PQgetResult(conn_.get())) {
    PgResult result(raw);
    if (first) {
      first = false;
      if (PQresultStatus(raw) != PGRES_COMMAND_OK) {
        failure = pg_error(conn_.get(), raw, describe(), "COMMIT");
      } else if (std::strcmp(PQcmdStatus(raw), "COMMIT") != 0) {
        // COMMIT of a transaction that failed says ROLLBACK and succeeds.
        failure = StoreError{fmt::format("{}: COMMIT answered {}", describe(), PQcmdStatus(raw)),
                             StoreFault::Other};
      }
    }
  }
  if (first && !failure) failure = pg_error(conn_.get(), nullptr, describe(), "COMMIT");
  if (failure) return abandon(std::move(*failure));
  if (PQstatus(conn_.get()) == CONNECTION_OK && PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) {
    (void)pg_exec(conn_.get(), "ROLLBACK", describe());
  }
  return {};
}

tl::expected<void, StoreError> PgLeaseStore::run_batch(std::span<const LeaseChange> changes,
                                                       std::vector<CommitConflict>& conflicts,
                                                       bool all_or_nothing) {
  conflicts.clear();
  if (auto checked = check_changes(changes); !checked) {
    return tl::unexpected(StoreError{fmt::format("{}: {}", describe(), checked.error().message)});
  }
  if (changes.empty()) return {};
  if (auto connected = ensure_connected(); !connected) return connected;
  if (auto begun = pg_exec(conn_.get(), "BEGIN", describe()); !begun) {
    return abandon(std::move(begun.error()));
  }
  // Rows are written in address order (a stable sort keeps one address's
  // changes in batch order), so two servers' batches take lease4's row
  // locks in the same order and cannot deadlock each other.
  order_.resize(changes.size());
  for (size_t i = 0; i < changes.size(); ++i) order_[i] = i;
  std::stable_sort(order_.begin(), order_.end(),
                   [&](size_t a, size_t b) { return changes[a].address < changes[b].address; });
  conflicted_addresses_.clear();
  for (const size_t i : order_) {
    const LeaseChange& change = changes[i];
    const uint32_t address = change.address.value;
    // A later change of a conflicted address was built on the refused one.
    const bool follows_conflict =
        !conflicted_addresses_.empty() && conflicted_addresses_.back() == address;
    if (!follows_conflict) {
      auto written = write_change(change);
      if (!written) return abandon(std::move(written.error()));
      if (*written) continue;
      conflicted_addresses_.push_back(address);
    }
    conflicts.push_back(CommitConflict{i, std::nullopt});
  }
  std::sort(conflicts.begin(), conflicts.end(),
            [](const CommitConflict& a, const CommitConflict& b) { return a.index < b.index; });
  if (!conflicts.empty() && all_or_nothing) {
    const LeaseChange& first = changes[conflicts.front().index];
    const std::string what = first.before ? fmt::format(
                                                "the row changed under this server "
                                                "(expected expiry {})",
                                                first.before->expires_at_s())
                                          : "another server holds this address (insert conflict)";
    return abandon(StoreError{fmt::format("{}: {}: {}", describe(), to_string(first.address), what),
                              StoreFault::Conflict, first.address});
  }
  if (!conflicts.empty()) {
    auto current = read_rows(conflicted_addresses_);
    if (!current) return abandon(std::move(current.error()));
    for (CommitConflict& conflict : conflicts) {
      for (const RowUpdate& row : *current) {
        if (row.address == changes[conflict.index].address) conflict.current = row.current;
      }
    }
  }
  // The ACKs wait for this: with synchronous_commit on it returns once the
  // commit record is flushed. A connection lost here leaves the outcome
  // unknown, which is reported as a failure: no ACK for a maybe.
  return commit_then_notify(announce_ ? commit_and_notify_sql(changes, conflicts) : "COMMIT");
}

tl::expected<void, StoreError> PgLeaseStore::commit(std::span<const LeaseChange> changes) {
  std::vector<CommitConflict> conflicts;
  return run_batch(changes, conflicts, true);
}

tl::expected<void, StoreError> PgLeaseStore::commit_each(std::span<const LeaseChange> changes,
                                                         std::vector<CommitConflict>& conflicts) {
  return run_batch(changes, conflicts, false);
}

// Never connects (the commit path does, and a dead database must not cost
// a connect timeout per batch twice); a connection rebuilt since the last
// call means notifications were missed.
tl::expected<StoreUpdates, StoreError> PgLeaseStore::poll_changes() {
  StoreUpdates updates;
  if (!conn_) return updates;
  if (lost_track_) {
    lost_track_ = false;
    updates.lost_track = true;
    drop_notifications();
    return updates;
  }
  if (PQconsumeInput(conn_.get()) == 0) {
    return abandon(pg_error(conn_.get(), nullptr, describe(), "cannot read notifications"));
  }
  changed_addresses_.clear();
  const int own_pid = PQbackendPID(conn_.get());
  while (PGnotify* notify = PQnotifies(conn_.get())) {
    if (notify->be_pid != own_pid) parse_addresses(notify->extra, changed_addresses_);
    PQfreemem(notify);
  }
  if (changed_addresses_.empty()) return updates;
  std::sort(changed_addresses_.begin(), changed_addresses_.end());
  changed_addresses_.erase(std::unique(changed_addresses_.begin(), changed_addresses_.end()),
                           changed_addresses_.end());
  auto rows = read_rows(changed_addresses_);
  if (!rows) return abandon(std::move(rows.error()));
  updates.rows = std::move(*rows);
  return updates;
}

void PgLeaseStore::drop_notifications() {
  (void)PQconsumeInput(conn_.get());
  while (PGnotify* notify = PQnotifies(conn_.get())) PQfreemem(notify);
}

void PgLeaseStore::parse_addresses(const char* payload, std::vector<uint32_t>& out) {
  uint64_t value = 0;
  bool digits = false;
  for (const char* p = payload;; ++p) {
    if (*p >= '0' && *p <= '9') {
      // Saturates one past the largest address, so a long number is skipped.
      value = std::min<uint64_t>(value * 10 + static_cast<uint64_t>(*p - '0'), kMaxU32 + 1);
      digits = true;
      continue;
    }
    if (digits && value != 0 && value <= kMaxU32) out.push_back(static_cast<uint32_t>(value));
    value = 0;
    digits = false;
    if (*p == '\0') break;
  }
}

tl::unexpected<StoreError> PgLeaseStore::abandon(StoreError failure) {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK &&
      PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) {
    (void)pg_exec(conn_.get(), "ROLLBACK", describe());
  }
  // A dropped link (or a server that went read-only: a demoted primary) is
  // not trusted again; the next call connects afresh and checks again.
  if (failure.fault == StoreFault::Unreachable || failure.fault == StoreFault::ReadOnly ||
      (conn_ && PQstatus(conn_.get()) != CONNECTION_OK)) {
    conn_.reset();
  }
  return tl::unexpected(std::move(failure));
}

}  // namespace bs::store
