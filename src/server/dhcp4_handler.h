// The DHCPv4 protocol logic (RFC 2131 4.3): one decoded query in, one
// HandlerResult out (handoff.h: a Drop, a Reply that promises nothing, or a
// Promise: a lease change and the ACK that waits for it). No I/O and no
// clock: the pipeline passes the arrival link and "now", and commits the
// change before the ACK leaves.
#pragma once

#include <optional>
#include <span>

#include "alloc/engine.h"
#include "classify/class_set.h"
#include "config/config.h"
#include "io/transport.h"
#include "server/classify_query.h"
#include "server/counters.h"
#include "server/decline_limiter.h"
#include "server/handoff.h"
#include "server/probe_policy.h"
#include "server/starvation_guard.h"
#include "wire/packet.h"

namespace bs::server {

class Dhcp4Handler {
 public:
  Dhcp4Handler(const config::Config& config, alloc::Engine& engine)
      : config_(config), engine_(engine), starvation_guard_(config), classifier_(config) {}

  // `received` (the datagram's source and size, for Kea's pkt.src and
  // pkt.len in class tests) may be null.
  HandlerResult handle(const wire::Packet& query, const io::InterfaceInfo& link, int64_t now_s,
                       const io::RxPacket* received = nullptr);
  // A reload builds a new handler; this moves over what must outlive it:
  // the DECLINE limiter's history and the starvation guard's counts, else
  // every reload gives a flooding port or a declining client a fresh start.
  void carry_over(Dhcp4Handler&& old) {
    decline_limiter_ = std::move(old.decline_limiter_);
    starvation_guard_.carry_over(std::move(old.starvation_guard_));
  }
  // In recovery mode every address the server believes free is uncertain.
  void set_recovery(bool recovery) { recovery_ = recovery; }

 private:
  struct Query {
    const wire::Packet& packet;
    const io::InterfaceInfo& link;
    const config::Subnet& subnet;
    // Where an address may come from: `subnet` first, then the rest of its
    // shared network that the client's classes admit (subnet_select.h).
    std::span<const config::Subnet* const> network;
    // The client classes the query belongs to (classify_query.h): all but
    // the required ones are decided before anything is allocated; those
    // are added once the lease is chosen (lease_reply, on_inform).
    classify::ClassSet& classes;
    const classify::PacketContext& packet_context;
    alloc::ClientIdentity client;
    int64_t now_s;
  };

  HandlerResult on_discover(const Query& query);
  HandlerResult on_request(const Query& query);
  // REQUEST in INIT-REBOOT, RENEWING or REBINDING, for `address` in query.subnet.
  HandlerResult request_in_subnet(const Query& query, Ip4 address, bool init_reboot);
  HandlerResult on_decline(const Query& query);
  HandlerResult on_release(const Query& query);
  HandlerResult on_inform(const Query& query);

  // Asks the starvation guard before a query may take an address.
  Admission admit(const Query& query);
  Promise ack(const Query& query, const LeaseChange& change, const Admission& admission);
  Promise adopt(const Query& query, const LeaseChange& change, const Admission& admission,
                bool init_reboot);
  std::optional<LeaseChange> adopt_conflict_mark(const Query& query, Ip4 address);
  Reply nak(const Query& query, const char* message);
  Reply lease_reply(const Query& query, wire::MessageType type, const Lease& lease);
  // The query as seen from `subnet`, a sibling in its shared network.
  static Query in_subnet(const Query& query, const config::Subnet& subnet) {
    return Query{query.packet,  query.link,           subnet,       query.network,
                 query.classes, query.packet_context, query.client, query.now_s};
  }
  // Required classes, then siaddr/sname/file and the configured options.
  void add_class_settings(const Query& query, wire::Packet& reply,
                          const config::Reservation* reservation);
  bool names_other_server(const Query& query) const;

  const config::Config& config_;
  alloc::Engine& engine_;
  DeclineLimiter decline_limiter_;
  bool recovery_ = false;
  StarvationGuard starvation_guard_;
  Classifier classifier_;
};

}  // namespace bs::server
