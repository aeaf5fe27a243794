// The PostgreSQL schema blackstart works on. Leases live in Kea's own lease4
// table, as Kea 2.2's `kea-admin db-init pgsql` creates it (schema 13.0), so
// Kea and blackstart can take over each other's database; the column
// mapping is in docs/ARCHITECTURE.md. What blackstart needs beyond Kea's
// tables lives in its own tables, versioned by blackstart_schema_version
// and created or upgraded by blackstart-admin, each run one transaction.
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <string>
#include <tl/expected.hpp>

#include "store/lease_store.h"

namespace bs::store {

struct PgSchemaVersion {
  int version = 0;
  int minor = 0;
  bool operator==(const PgSchemaVersion&) const = default;
};
std::string to_string(PgSchemaVersion version);

// The version this binary writes and the only one it runs on.
inline constexpr PgSchemaVersion kPgSchemaVersion{1, 0};

// blackstart's version, or nullopt when the table is missing (a database
// blackstart-admin db-init never ran on).
tl::expected<std::optional<PgSchemaVersion>, StoreError> read_pg_schema_version(PGconn* conn);

// Kea's schema_version ("13.0"), or nullopt when Kea's schema is absent.
tl::expected<std::optional<std::string>, StoreError> read_kea_schema_version(PGconn* conn);

// What the store checks before using a database: blackstart's schema
// version is the one it knows (else the error names both numbers), and
// lease4 has every column the store reads and writes.
tl::expected<void, StoreError> check_pg_schema(PGconn* conn, const std::string& where);

// blackstart-admin's commands, each in one transaction. db-init creates
// lease4 and lease_state with Kea-compatible columns only when lease4 is
// absent (so a database kea-admin made is left as Kea made it), then
// blackstart's own tables; it refuses a database that already has them.
// db-upgrade brings blackstart's tables from an older version to
// kPgSchemaVersion and refuses a newer one. Both return the version left.
tl::expected<PgSchemaVersion, StoreError> pg_db_init(PGconn* conn, const std::string& where);
tl::expected<PgSchemaVersion, StoreError> pg_db_upgrade(PGconn* conn, const std::string& where);

}  // namespace bs::store
