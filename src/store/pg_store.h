// The PostgreSQL lease store behind open_pg_store(): leases in Kea's lease4
// table, shared by several servers. Declared here so tests reach what the
// LeaseStore interface does not offer (reconnections, the connection).
//
// Durability: a batch is one transaction and commit() returns only after
// COMMIT does, which with synchronous_commit on (checked at every connect)
// means the commit record is flushed on the primary. Sharing: a new lease is
// a plain INSERT, so a second server's insert of the same address fails on
// lease4's primary key; an existing row is changed or deleted only where
// its expiry is still the one this server last saw. Either miss is a
// StoreFault::Conflict naming the address, and nothing of the batch stays.
// A lost connection fails the batch (no ACK) and the next call reconnects.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/lease_store.h"
#include "store/pg_conn.h"

namespace bs::store {

class PgLeaseStore final : public LeaseStore {
 public:
  static tl::expected<std::unique_ptr<PgLeaseStore>, StoreError> open(PgOptions options);

  tl::expected<std::vector<Lease>, StoreError> load_all() override;
  tl::expected<void, StoreError> commit(std::span<const LeaseChange> changes) override;
  std::string describe() const override { return describe_pg(options_); }

  // Connections made after the first (each after a lost one), and whether
  // one is open now.
  uint64_t reconnect_count() const { return reconnects_; }
  bool connected() const { return conn_ != nullptr; }
  // The server process serving this connection (tests kill it).
  int backend_pid() const { return conn_ ? PQbackendPID(conn_.get()) : 0; }

 private:
  explicit PgLeaseStore(PgOptions options) : options_(std::move(options)) {}
  tl::expected<void, StoreError> connect();
  tl::expected<void, StoreError> ensure_connected();
  tl::expected<void, StoreError> check_durability();
  tl::expected<void, StoreError> prepare_all();
  tl::expected<void, StoreError> write_change(const LeaseChange& change);
  tl::unexpected<StoreError> abandon(StoreError failure);

  PgOptions options_;
  PgConn conn_;
  uint64_t reconnects_ = 0;
};

// The hostname as lease4's varchar(255) in a UTF-8 database accepts it:
// unchanged when it is valid UTF-8 without NUL; otherwise bytes shown as
// \xNN (text.h), then cut to 255 characters. A client's odd name must not
// make the whole batch fail.
std::string pg_hostname(const std::string& hostname);

}  // namespace bs::store
