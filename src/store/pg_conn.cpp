// libpq plumbing for the PostgreSQL store and blackstart-admin. Faults are
// classified from the SQLSTATE, which PostgreSQL guarantees stable across
// versions, never from message text (which follows lc_messages).
#include "store/pg_conn.h"

#include <fmt/format.h>

#include <cstring>
#include <optional>
#include <string>

namespace bs::store {

namespace {

std::string trimmed(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

std::string describe_pg(const PgOptions& options) {
  return fmt::format("postgresql:{}@{}:{}", options.name, options.host, options.port);
}

tl::expected<PgConn, StoreError> pg_connect(const PgOptions& options) {
  const std::string port = std::to_string(options.port);
  const std::string timeout = std::to_string(options.connect_timeout_s);
  // Keyword arrays, not a conninfo string, so no value needs quoting. Empty
  // values are skipped: libpq then uses its own defaults (PGUSER, ...).
  const char* keys[9];
  const char* values[9];
  int n = 0;
  const auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    keys[n] = key;
    values[n] = value.c_str();
    ++n;
  };
  add("host", options.host);
  add("port", port);
  add("dbname", options.name);
  add("user", options.user);
  add("password", options.password);
  add("connect_timeout", timeout);
  keys[n] = "application_name";
  values[n] = "blackstart";
  ++n;
  // Failover: "host" may list several servers (libpq's multi-host form,
  // "primary,standby"); libpq tries them in order and keeps only one that
  // accepts writes, so after a standby's promotion the next connect finds
  // it, and a standby alone is refused rather than failing each batch.
  keys[n] = "target_session_attrs";
  values[n] = "read-write";
  ++n;
  keys[n] = nullptr;
  values[n] = nullptr;
  PgConn conn(PQconnectdbParams(keys, values, 0));
  if (!conn) {
    return tl::unexpected(StoreError{
        fmt::format("{}: cannot connect: out of memory", describe_pg(options)), StoreFault::Other});
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return tl::unexpected(StoreError{fmt::format("{}: cannot connect: {}", describe_pg(options),
                                                 trimmed(PQerrorMessage(conn.get()))),
                                     StoreFault::Unreachable});
  }
  return conn;
}

StoreFault pg_fault(const PGconn* conn, const PGresult* result) {
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) return StoreFault::Unreachable;
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) return StoreFault::Unreachable;  // libpq's own error: the link
  const std::string_view code(state);
  if (code == "23505") return StoreFault::Conflict;  // unique_violation
  if (code == "53100") return StoreFault::DiskFull;
  if (code == "25006") return StoreFault::ReadOnly;  // read_only_sql_transaction: a standby
  if (code.starts_with("08") || code.starts_with("57P")) return StoreFault::Unreachable;
  if (code == "40001" || code == "40P01" || code == "55P03") return StoreFault::Busy;
  if (code.starts_with("XX") || code == "58030") return StoreFault::IoError;
  return StoreFault::Other;
}

StoreError pg_error(const PGconn* conn, const PGresult* result, std::string_view where,
                    std::string_view what) {
  std::string detail = result != nullptr ? trimmed(PQresultErrorMessage(result)) : std::string();
  if (detail.empty() && conn != nullptr) detail = trimmed(PQerrorMessage(conn));
  if (detail.empty()) detail = "connection lost";
  return {fmt::format("{}: {}: {}", where, what, detail), pg_fault(conn, result)};
}

tl::expected<PgResult, StoreError> pg_exec(PGconn* conn, const char* sql, std::string_view where,
                                           ExecStatusType want) {
  PgResult result(PQexec(conn, sql));
  if (PQresultStatus(result.get()) != want) {
    return tl::unexpected(pg_error(conn, result.get(), where, sql));
  }
  return result;
}

tl::expected<std::optional<std::string>, StoreError> pg_query_text(PGconn* conn, const char* sql,
                                                                   std::string_view where) {
  auto result = pg_exec(conn, sql, where, PGRES_TUPLES_OK);
  if (!result) return tl::unexpected(result.error());
  if (PQntuples(result->get()) == 0 || PQgetisnull(result->get(), 0, 0) == 1) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(PQgetvalue(result->get(), 0, 0));
}

}  // namespace bs::store
