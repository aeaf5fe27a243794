// The allocation engine: which address a client gets. Deterministic: no
// sockets, no clock (callers pass now_s), no store. It owns the in-memory
// lease table, a free-address index per pool (no pool scans) and the client
// index, and reports every durable mutation as a LeaseChange for the caller
// to commit before it replies.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tl/expected.hpp>
#include <unordered_map>
#include <vector>

#include "alloc/lease.h"
#include "config/config.h"

namespace bs::alloc {

// How a client is identified: option 61 when present, otherwise chaddr.
struct ClientIdentity {
  HwAddr hw_address;
  Bytes client_id;
  std::string hostname;  // option 12, if the client sent one
  // Option 51, the lease time the client asks for (0: none). Granted within
  // min-/max-valid-lifetime (config::valid_lifetime_for).
  uint32_t requested_lifetime_s = 0;
  // Option 82 sub-option 1, for reservations by "circuit-id".
  Bytes circuit_id{};
  // The option 61 the client sent, kept for reservations by "client-id" or
  // "duid" when match-client-id is false empties client_id.
  Bytes sent_client_id{};
  // The query's client classes, for pools with a "client-class" guard; null
  // (no classes) keeps the client out of every guarded pool. Must outlive
  // the engine call.
  const classify::ClassSet* classes = nullptr;
  // The lifetime of the client's classes, if one sets it: it replaces the
  // subnet's (config::valid_lifetime_for).
  std::optional<config::LifetimeTriplet> class_lifetime{};
};

// Whether `lease` is this client's (by option 61 if the lease has one,
// else by chaddr), the same identity the engine allocates by.
bool held_by(const Lease& lease, const ClientIdentity& client);

enum class AllocError : uint8_t {
  PoolExhausted,  // no free address in any pool (the client may use) of the subnet
  AddressInUse,   // bound, offered or reserved to another client, or declined
  NotInPool,      // address outside the subnet's pools (that the client may use) and not
                  // reserved to the client
  WrongSubnet,    // address not inside the selected subnet
  NoLease,        // release/decline of an address the client does not hold
};
const char* to_string(AllocError error);

// assigned/declined/offered count pool addresses in that use now (a reserved
// address in use counts there); reserved counts only idle reserved pool
// addresses, so total = assigned + declined + reserved + offered + free.
struct PoolStats {
  uint64_t total = 0;     // addresses in pools
  uint64_t assigned = 0;  // bound leases (not expired)
  uint64_t declined = 0;
  uint64_t reserved = 0;  // pool addresses reserved for a host
  uint64_t offered = 0;
  uint64_t free = 0;
};

struct EngineOptions {
  // How long an offered address is held for its client, in memory only.
  uint32_t offer_hold_s = 30;
};

class Engine {
 public:
  Engine(const config::Config& config, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Start-up: installs leases read from the store. Leases outside every
  // configured subnet are kept (so they are not forgotten) but never offered.
  void load(std::span<const Lease> leases, int64_t now_s);

  // DISCOVER. Preference: the client's reservation, its current or previous
  // address, the requested address, then the lowest free pool address.
  // Holds the address for offer_hold_s; nothing durable changes.
  tl::expected<Lease, AllocError> offer(const config::Subnet& subnet, const ClientIdentity& client,
                                        Ip4 requested, int64_t now_s);
  // The same over the subnets of a shared network the client may use, the
  // selected one first (Kea's order): each step (reservation, current or
  // previous address, requested address) looks at every subnet before the
  // next step, and a new address comes from the first subnet with a free
  // one, so allocation falls through when a subnet is exhausted. The offer
  // carries the subnet it came from.
  tl::expected<Lease, AllocError> offer(std::span<const config::Subnet* const> subnets,
                                        const ClientIdentity& client, Ip4 requested, int64_t now_s);

  // REQUEST in any state: binds `address` to the client for the subnet's
  // valid lifetime. Succeeds if the address is free, offered to this client,
  // already bound to it, or reserved for it. The returned change must be
  // committed before the ACK is sent.
  tl::expected<LeaseChange, AllocError> assign(const config::Subnet& subnet,
                                               const ClientIdentity& client, Ip4 address,
                                               int64_t now_s);

  // RELEASE: the address becomes free; the record stays (state Reclaimed) so
  // the client gets the same address back if nobody else took it.
  tl::expected<LeaseChange, AllocError> release(const ClientIdentity& client, Ip4 address,
                                                int64_t now_s);

  // DECLINE: the address is quarantined for the probation period.
  tl::expected<LeaseChange, AllocError> decline(const ClientIdentity& client, Ip4 address,
                                                int64_t now_s);

  // An HA pair's ownership of free addresses (ha/pair_state.h): with a
  // filter set, a free address goes to a client only if the filter allows
  // it. Addresses a client already holds (its lease, its offer) and its
  // reservations are not filtered. Null: every free address may be used.
  using AllocationFilter = std::function<bool(Ip4)>;
  void set_allocation_filter(AllocationFilter filter);

  // Servers sharing one lease database (a PostgreSQL store): with a seed
  // set, the search for a new address in a pool starts at a place derived
  // from the seed and the client's identity, not at the pool's lowest free
  // address, and goes on upwards, wrapping once, so any free address is
  // still found. Servers with different seeds then rarely pick the same
  // address at the same time (ARCHITECTURE.md, "Spreading the search").
  // The same client on the same server starts at the same place. Without a
  // seed (the default): the lowest free address.
  void set_search_spread(std::optional<uint64_t> seed);

  // Undoes a change the store failed to commit (newest first).
  void revert(const LeaseChange& change);

  // Frees expired bound leases, ended probations and stale offers; at most
  // max_count per call so one call never stalls the packet loop. In memory
  // only: the stored row simply stays expired until the address is reused.
  size_t reclaim_expired(int64_t now_s, size_t max_count);

  const Lease* find_by_address(Ip4 address) const;
  // The newest lease record of this client in any subnet, bound or not.
  const Lease* find_by_client(const ClientIdentity& client) const;
  const config::Reservation* find_reservation(const config::Subnet& subnet,
                                              const ClientIdentity& client) const;

  PoolStats stats(uint32_t subnet_id, int64_t now_s) const;
  size_t lease_count() const;
  // Visits what find_by_address would return for each address with a
  // record (an offer in place of the stored row it hides), in no order.
  void for_each_lease(const std::function<void(const Lease&)>& visit) const;

  // Control API (engine_admin.cpp): the administrator's edits, each a durable
  // change to commit (or revert) like a DHCP one. The caller decides policy
  // (whether the lease may exist already, reservations); the engine keeps its
  // tables consistent. Both cancel an offer held on the address.
  // Puts `lease` (state Assigned, Declined or Reclaimed) at its address.
  LeaseChange put_lease(const Lease& lease, int64_t now_s);
  // Rewrites the row the latest change put at `lease.address`, in place:
  // the same change, amended before it is committed (the HA pair's MCLT
  // cap shortens a lease after the engine granted it), so the engine holds
  // what the store will. No new change, nothing for revert to undo twice.
  void amend_row(const Lease& lease);
  // Deletes the stored row at `address`; NoLease if there is none.
  tl::expected<LeaseChange, AllocError> remove_lease(Ip4 address, int64_t now_s);
  // The stored row at `address`, ignoring an offer shown in its place.
  const Lease* find_row(Ip4 address) const;
  // Visits every stored row (what the lease store holds; no offers).
  void for_each_row(const std::function<void(const Lease&)>& visit) const;

  // Cross-checks every index against the lease table and aborts on any
  // mismatch. O(leases + pool sizes): for tests and debugging only.
  void check_invariants() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace bs::alloc
