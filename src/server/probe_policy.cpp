// The probe rules (see probe_policy.h). "Recently" is one lifetime of the
// previous holding: a client that stopped renewing is gone by then on any
// sane clock, and a declined address has served its probation once more.
#include "server/probe_policy.h"

namespace bs::server {
namespace {

bool recently_held_by_other(const Lease& row, const alloc::ClientIdentity& client, int64_t now_s) {
  if (row.state == LeaseState::Declined) {
    return row.expires_at_s() + row.valid_lifetime_s > now_s;
  }
  if (alloc::held_by(row, client)) return false;
  return row.expires_at_s() + row.valid_lifetime_s > now_s;
}

}  // namespace

bool offer_needs_probe(const config::ConflictProbing& probing, bool recovery, const Lease* row,
                       const alloc::ClientIdentity& client, int64_t now_s) {
  if (probing.mode == config::ProbeMode::Off) return false;
  const bool clients_own = row != nullptr && row->state == LeaseState::Assigned &&
                           alloc::held_by(*row, client) && row->bound_at(now_s);
  if (clients_own) return false;
  if (probing.mode == config::ProbeMode::Always || recovery) return true;
  return row != nullptr && recently_held_by_other(*row, client, now_s);
}

bool adoption_needs_probe(const config::ConflictProbing& probing,
                          const std::optional<Lease>& before, const alloc::ClientIdentity& client) {
  if (probing.mode == config::ProbeMode::Off) return false;
  // The client's own record, bound or lapsed: nobody else was given it.
  return !before || !alloc::held_by(*before, client);
}

bool is_own_conflict_mark(const Lease& row, const alloc::ClientIdentity& client) {
  return row.state == LeaseState::Declined && row.hostname == kConflictMarkHostname &&
         !row.hw_address.empty() && row.hw_address == client.hw_address;
}

io::ProbeRequest probe_request_for(Ip4 address, const wire::Packet& query,
                                   const io::InterfaceInfo& link) {
  const uint32_t mask = prefix_mask(link.prefix_len);
  const bool on_link = query.giaddr.is_zero() && link.prefix_len > 0 &&
                       (address.value & mask) == (link.address.value & mask);
  if (on_link) return io::ProbeRequest{address, io::ProbeMethod::Arp, link.ifindex};
  return io::ProbeRequest{address, io::ProbeMethod::Icmp, 0};
}

}  // namespace bs::server
