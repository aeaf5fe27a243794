// blackstart's PostgreSQL DDL and version checks. The lease4 definition
// here is ours, written to match the columns, types and keys that Kea 2.2's
// kea-admin creates (checked by the store tests against a real kea-admin
// db-init), so a database blackstart-admin made works for blackstart the
// same way; Kea itself needs its full schema, which only kea-admin makes.
#include "store/pg_schema.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <string_view>

#include "store/pg_conn.h"

namespace bs::store {

namespace {

// Kea's lease states (0 default, 1 declined, 2 expired-reclaimed): lease4's
// state column has a foreign key to this table.
constexpr const char* kCreateLeaseState = R"sql(
CREATE TABLE IF NOT EXISTS lease_state (
  state bigint PRIMARY KEY NOT NULL,
  name varchar(64) NOT NULL);
INSERT INTO lease_state VALUES (0, 'default'), (1, 'declined'), (2, 'expired-reclaimed')
  ON CONFLICT (state) DO NOTHING;
)sql";

constexpr const char* kCreateLease4 = R"sql(
CREATE TABLE lease4 (
  address bigint PRIMARY KEY NOT NULL,
  hwaddr bytea,
  client_id bytea,
  valid_lifetime bigint,
  expire timestamp with time zone,
  subnet_id bigint,
  fqdn_fwd boolean,
  fqdn_rev boolean,
  hostname varchar(255),
  state bigint DEFAULT 0 REFERENCES lease_state (state),
  user_context text);
CREATE INDEX lease4_by_state_expire ON lease4 (state, expire);
CREATE INDEX lease4_by_subnet_id ON lease4 (subnet_id);
CREATE INDEX lease4_by_hwaddr_subnet_id ON lease4 (hwaddr, subnet_id);
CREATE INDEX lease4_by_client_id_subnet_id ON lease4 (client_id, subnet_id);
)sql";

// Version 1: only the version row itself. Later versions add blackstart's
// own tables (e.g. a change sequence for servers sharing the database).
constexpr const char* kCreateVersion1 = R"sql(
CREATE TABLE blackstart_schema_version (
  version integer NOT NULL,
  minor integer NOT NULL);
INSERT INTO blackstart_schema_version VALUES (1, 0);
)sql";

// Every column the store names, with the type PostgreSQL reports for it.
struct Column {
  const char* name;
  const char* type;
};
constexpr std::array<Column, 9> kLease4Columns{{
    {"address", "bigint"},
    {"hwaddr", "bytea"},
    {"client_id", "bytea"},
    {"valid_lifetime", "bigint"},
    {"expire", "timestamp with time zone"},
    {"subnet_id", "bigint"},
    {"hostname", "character varying"},
    {"state", "bigint"},
    {"fqdn_fwd", "boolean"},
}};

tl::expected<bool, StoreError> table_exists(PGconn* conn, const char* table) {
  const std::string sql = fmt::format("SELECT to_regclass('{}') IS NOT NULL", table);
  auto value = pg_query_text(conn, sql.c_str(), "schema");
  if (!value) return tl::unexpected(value.error());
  return value->value_or("f") == "t";
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Runs `body` between BEGIN and COMMIT; any failure rolls back.
template <typename Body>
tl::expected<PgSchemaVersion, StoreError> in_transaction(PGconn* conn, const std::string& where,
                                                         Body body) {
  if (auto begun = pg_exec(conn, "BEGIN", where); !begun) return tl::unexpected(begun.error());
  auto done = body();
  if (!done) {
    (void)pg_exec(conn, "ROLLBACK", where);
    return done;
  }
  if (auto committed = pg_exec(conn, "COMMIT", where); !committed) {
    return tl::unexpected(committed.error());
  }
  return done;
}

}  // namespace

std::string to_string(PgSchemaVersion version) {
  return fmt::format("{}.{}", version.version, version.minor);
}

tl::expected<std::optional<PgSchemaVersion>, StoreError> read_pg_schema_version(PGconn* conn) {
  auto exists = table_exists(conn, "blackstart_schema_version");
  if (!exists) return tl::unexpected(exists.error());
  if (!*exists) return std::optional<PgSchemaVersion>();
  auto result = pg_exec(conn, "SELECT version, minor FROM blackstart_schema_version",
                        "schema version", PGRES_TUPLES_OK);
  if (!result) return tl::unexpected(result.error());
  PGresult* rows = result->get();
  if (PQntuples(rows) != 1 || PQgetisnull(rows, 0, 0) == 1 || PQgetisnull(rows, 0, 1) == 1) {
    return tl::unexpected(StoreError{
        fmt::format("blackstart_schema_version holds {} rows, not one version", PQntuples(rows))});
  }
  const auto version = parse_int(PQgetvalue(rows, 0, 0));
  const auto minor = parse_int(PQgetvalue(rows, 0, 1));
  if (!version || !minor) return tl::unexpected(StoreError{"unreadable schema version"});
  return std::optional<PgSchemaVersion>(PgSchemaVersion{*version, *minor});
}

tl::expected<std::optional<std::string>, StoreError> read_kea_schema_version(PGconn* conn) {
  auto exists = table_exists(conn, "schema_version");
  if (!exists) return tl::unexpected(exists.error());
  if (!*exists) return std::optional<std::string>();
  return pg_query_text(conn, "SELECT version || '.' || minor FROM schema_version",
                       "Kea schema version");
}

tl::expected<void, StoreError> check_pg_schema(PGconn* conn, const std::string& where) {
  auto version = read_pg_schema_version(conn);
  if (!version) return tl::unexpected(version.error());
  if (!*version) {
    return tl::unexpected(StoreError{
        fmt::format("{}: no blackstart schema (table blackstart_schema_version is missing); run "
                    "`blackstart-admin db-init pgsql` on this database first",
                    where)});
  }
  if (**version != kPgSchemaVersion) {
    const bool newer = (*version)->version > kPgSchemaVersion.version ||
                       ((*version)->version == kPgSchemaVersion.version &&
                        (*version)->minor > kPgSchemaVersion.minor);
    return tl::unexpected(StoreError{fmt::format(
        "{}: blackstart schema version {} is {} this blackstart's {}{}", where,
        to_string(**version), newer ? "newer than" : "older than", to_string(kPgSchemaVersion),
        newer ? "; run a blackstart that knows it" : "; run `blackstart-admin db-upgrade pgsql`")});
  }
  auto columns = pg_exec(conn,
                         "SELECT column_name, data_type FROM information_schema.columns "
                         "WHERE table_schema = current_schema() AND table_name = 'lease4'",
                         where, PGRES_TUPLES_OK);
  if (!columns) return tl::unexpected(columns.error());
  for (const Column& column : kLease4Columns) {
    bool found = false;
    for (int row = 0; row < PQntuples(columns->get()); ++row) {
      if (std::string_view(PQgetvalue(columns->get(), row, 0)) != column.name) continue;
      found = std::string_view(PQgetvalue(columns->get(), row, 1)) == column.type;
    }
    if (!found) {
      return tl::unexpected(StoreError{
          fmt::format("{}: table lease4 has no column {} of type {} (not Kea's lease4 schema)",
                      where, column.name, column.type)});
    }
  }
  return {};
}

tl::expected<PgSchemaVersion, StoreError> pg_db_init(PGconn* conn, const std::string& where) {
  return in_transaction(conn, where, [&]() -> tl::expected<PgSchemaVersion, StoreError> {
    auto version = read_pg_schema_version(conn);
    if (!version) return tl::unexpected(version.error());
    if (*version) {
      return tl::unexpected(StoreError{
          fmt::format("{}: already initialised (blackstart schema version {}); use db-upgrade",
                      where, to_string(**version))});
    }
    auto lease4 = table_exists(conn, "lease4");
    if (!lease4) return tl::unexpected(lease4.error());
    if (!*lease4) {
      for (const char* sql : {kCreateLeaseState, kCreateLease4}) {
        if (auto made = pg_exec(conn, sql, where); !made) return tl::unexpected(made.error());
      }
    }
    if (auto made = pg_exec(conn, kCreateVersion1, where); !made) {
      return tl::unexpected(made.error());
    }
    return kPgSchemaVersion;
  });
}

tl::expected<PgSchemaVersion, StoreError> pg_db_upgrade(PGconn* conn, const std::string& where) {
  return in_transaction(conn, where, [&]() -> tl::expected<PgSchemaVersion, StoreError> {
    auto exists = table_exists(conn, "blackstart_schema_version");
    if (!exists) return tl::unexpected(exists.error());
    if (!*exists) {
      return tl::unexpected(
          StoreError{fmt::format("{}: no blackstart schema; run db-init", where)});
    }
    // Before reading the version, so two upgrades cannot interleave.
    if (auto locked = pg_exec(conn, "LOCK TABLE blackstart_schema_version", where); !locked) {
      return tl::unexpected(locked.error());
    }
    auto version = read_pg_schema_version(conn);
    if (!version) return tl::unexpected(version.error());
    if (!*version) return tl::unexpected(StoreError{where + ": schema version vanished"});
    PgSchemaVersion current = **version;
    if (current.version > kPgSchemaVersion.version ||
        (current.version == kPgSchemaVersion.version && current.minor > kPgSchemaVersion.minor)) {
      return tl::unexpected(
          StoreError{fmt::format("{}: schema version {} is newer than this blackstart-admin's {}",
                                 where, to_string(current), to_string(kPgSchemaVersion))});
    }
    // Version 1 is the first; each later one adds a step here that takes
    // the schema from N to N+1 and rewrites the version row.
    return current;
  });
}

}  // namespace bs::store
