// Thin libpq helpers shared by the PostgreSQL lease store and
// blackstart-admin: owning handles, connecting with Kea's settings, running
// a statement and turning a failure into a StoreError whose fault says what
// kind of trouble it is (from the SQLSTATE, or a lost connection).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "store/lease_store.h"

namespace bs::store {

struct PgConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultClear {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConn = std::unique_ptr<PGconn, PgConnCloser>;
using PgResult = std::unique_ptr<PGresult, PgResultClear>;

// "postgresql:leases@/run/postgresql:5432", for logs; never the password.
std::string describe_pg(const PgOptions& options);

// Opens a connection (blocking, bounded by connect_timeout_s).
tl::expected<PgConn, StoreError> pg_connect(const PgOptions& options);

// The fault a failed statement (result may be null) or connection shows.
StoreFault pg_fault(const PGconn* conn, const PGresult* result);

// "<where>: <what>: <server's message>" with pg_fault's classification.
StoreError pg_error(const PGconn* conn, const PGresult* result, std::string_view where,
                    std::string_view what);

// Runs SQL without parameters and expects `want` (COMMAND_OK or TUPLES_OK).
tl::expected<PgResult, StoreError> pg_exec(PGconn* conn, const char* sql, std::string_view where,
                                           ExecStatusType want = PGRES_COMMAND_OK);

// The first column of the first row of a query as text; empty optional
// when there is no row.
tl::expected<std::optional<std::string>, StoreError> pg_query_text(PGconn* conn, const char* sql,
                                                                   std::string_view where);

}  // namespace bs::store
