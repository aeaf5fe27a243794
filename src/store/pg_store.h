// The PostgreSQL lease store behind open_pg_store(): leases in Kea's lease4
// table, shared by several servers. Declared here so tests reach what the
// LeaseStore interface does not offer (reconnections, the connection).
//
// Durability: a batch is one transaction and commit() returns only after
// COMMIT does, which with synchronous_commit on (checked at every connect)
// means the commit record is flushed on the primary. Sharing: a new lease is
// an INSERT ... ON CONFLICT DO NOTHING, so a second server's insert of the
// same address finds lease4's primary key taken and writes nothing; an existing row is changed or
// deleted only where its expiry is still the one this server last saw. Either miss is a conflict.
// commit() is all or nothing (a conflict is StoreFault::Conflict naming the address, and nothing of
// the batch stays); commit_each(), the packet path's, commits the rest and returns the conflicted
// changes with the row the database holds instead.
//
// Keeping each server's view: after every commit the store NOTIFYs
// blackstart_lease4 with the addresses it changed (in a transaction of its
// own, sent with the COMMIT: one round trip); every connection
// LISTENs, and poll_changes() rereads the rows other servers announced.
// A lost connection fails the batch (no ACK) and the next call reconnects;
// notifications missed meanwhile make poll_changes() say lost_track.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/lease_store.h"
#include "store/pg_conn.h"

namespace bs::store {

class PgLeaseStore final : public LeaseStore {
 public:
  static tl::expected<std::unique_ptr<PgLeaseStore>, StoreError> open(PgOptions options);

  tl::expected<std::vector<Lease>, StoreError> load_all() override;
  // All or nothing: a conflict rolls the batch back (StoreFault::Conflict
  // naming the first conflicted address).
  tl::expected<void, StoreError> commit(std::span<const LeaseChange> changes) override;
  tl::expected<void, StoreError> commit_each(std::span<const LeaseChange> changes,
                                             std::vector<CommitConflict>& conflicts) override;
  tl::expected<StoreUpdates, StoreError> poll_changes() override;
  bool shared() const override { return true; }
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
  tl::expected<void, StoreError> check_standby_level();
  tl::expected<void, StoreError> prepare_all();
  tl::expected<bool, StoreError> write_change(const LeaseChange& change);
  tl::expected<void, StoreError> run_batch(std::span<const LeaseChange> changes,
                                           std::vector<CommitConflict>& conflicts,
                                           bool all_or_nothing);
  tl::expected<std::vector<RowUpdate>, StoreError> read_rows(std::span<const uint32_t> addresses);
  static std::string commit_and_notify_sql(std::span<const LeaseChange> changes,
                                           std::span<const CommitConflict> conflicts);
  tl::expected<void, StoreError> commit_then_notify(const std::string& sql);
  static void parse_addresses(const char* payload, std::vector<uint32_t>& out);
  void drop_notifications();
  tl::unexpected<StoreError> abandon(StoreError failure);

  PgOptions options_;
  PgConn conn_;
  uint64_t reconnects_ = 0;
  // NOTIFY after each commit and LISTEN (BLACKSTART_PG_ANNOUNCE=off: neither).
  bool announce_ = true;
  // Set by a reconnection, cleared when poll_changes() reports it.
  bool lost_track_ = false;
  // Per batch or poll; reused.
  std::vector<size_t> order_;
  std::vector<uint32_t> conflicted_addresses_;
  std::vector<uint32_t> changed_addresses_;
};

// The hostname as lease4's varchar(255) in a UTF-8 database accepts it:
// unchanged when it is valid UTF-8 without NUL; otherwise bytes shown as
// \xNN (text.h), then cut to 255 characters. A client's odd name must not
// make the whole batch fail.
std::string pg_hostname(const std::string& hostname);

}  // namespace bs::store
