// Message handling per RFC 2131 4.3. The rules for when a server must stay
// silent instead of NAKing (4.3.2) live here, next to the states they are
// about: SELECTING, INIT-REBOOT, RENEWING and REBINDING.
#include "server/dhcp4_handler.h"

#include <string_view>

#include "common/assert.h"
#include "common/text.h"
#include "server/reply_builder.h"
#include "server/subnet_select.h"
#include "wire/relay_agent.h"

namespace bs::server {
namespace {

using wire::MessageType;

HandlerResult dropped(DropReason reason) { return Drop{reason}; }

// The Host Name (12) a reply gives back to a client that sent one, as Kea
// 2.2 does with its defaults (hostname-char-set "[^A-Za-z0-9.-]" replaced
// by nothing, and the name lower-cased as DNS names are compared).
Bytes echoed_hostname(std::string_view sent) {
  Bytes name;
  for (const char c : sent) {
    const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-';
    if (kept) name.push_back(static_cast<uint8_t>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return name;
}

Bytes circuit_id_of(const wire::Packet& packet) {
  const auto circuit_id = wire::relay_sub_option(packet, wire::relay::kCircuitId);
  if (!circuit_id) return {};
  return Bytes(circuit_id->begin(), circuit_id->end());
}

alloc::ClientIdentity identify(const wire::Packet& packet, const config::Config& config,
                               const config::Subnet& subnet) {
  alloc::ClientIdentity client;
  client.hw_address = packet.hw_address();
  if (const wire::Option* id = packet.find(wire::opt::kClientId)) client.sent_client_id = id->data;
  // Kea's match-client-id false: leases are the hardware address's, so a
  // client whose option 61 changes (PXE then OS) keeps its address.
  if (subnet.match_client_id.value_or(config.match_client_id)) {
    client.client_id = client.sent_client_id;
  }
  if (const wire::Option* name = packet.find(wire::opt::kHostName)) {
    // Repeated option 12s arrive joined (RFC 3396), so this can be far
    // longer than any name; the lease keeps what lease4-add would accept.
    const std::string_view bytes(reinterpret_cast<const char*>(name->data.data()),
                                 name->data.size());
    client.hostname = capped_hostname(bytes);
  }
  client.requested_lifetime_s = packet.option_u32(wire::opt::kLeaseTime).value_or(0);
  client.circuit_id = circuit_id_of(packet);
  return client;
}

}  // namespace

// Kea's order: classify, drop the DROP class, choose the subnet, look the
// host up, classify again (reserved classes, KNOWN/UNKNOWN), drop again.
HandlerResult Dhcp4Handler::handle(const wire::Packet& packet, const io::InterfaceInfo& link,
                                   int64_t now_s, const io::RxPacket* received) {
  if (packet.op != wire::Op::BootRequest) return dropped(DropReason::NotARequest);
  const auto type = packet.message_type();
  if (!type) return dropped(DropReason::NoMessageType);
  const classify::PacketContext context{
      packet, link.name, received != nullptr ? received->source : Ip4{}, link.address,
      received != nullptr ? static_cast<uint32_t>(received->payload.size()) : 0};
  classify::ClassSet classes;
  classifier_.classify(context, classes);
  if (classes.contains(classify::kDrop)) return dropped(DropReason::DropClass);
  const config::Subnet* subnet = select_subnet(config_, packet, link, classes);
  if (subnet == nullptr) return dropped(DropReason::NoSubnet);
  // Kea looks the host up in every subnet of the shared network the first
  // pass admits; the network is listed again once KNOWN/UNKNOWN and the
  // classes depending on them are in.
  alloc::ClientIdentity client = identify(packet, config_, *subnet);
  const config::Reservation* host = engine_.find_reservation(*subnet, client);
  if (host == nullptr && subnet->shared_network) {
    for (const config::Subnet* sibling : network_subnets(config_, *subnet, classes)) {
      host = engine_.find_reservation(*sibling, identify(packet, config_, *sibling));
      if (host != nullptr) break;
    }
  }
  classifier_.after_host_lookup(context, host, classes);
  if (classes.contains(classify::kDrop)) return dropped(DropReason::DropClass);
  client.class_lifetime = class_lifetime(config_, classes);
  client.classes = &classes;
  const std::vector<const config::Subnet*> network = network_subnets(config_, *subnet, classes);
  const Query query{packet, link, *subnet, network, classes, context, std::move(client), now_s};
  switch (*type) {
    case MessageType::Discover:
      return on_discover(query);
    case MessageType::Request:
      return on_request(query);
    case MessageType::Decline:
      return on_decline(query);
    case MessageType::Release:
      return on_release(query);
    case MessageType::Inform:
      return on_inform(query);
    case MessageType::Offer:
    case MessageType::Ack:
    case MessageType::Nak:
      break;
  }
  return dropped(DropReason::UnexpectedType);
}

HandlerResult Dhcp4Handler::on_discover(const Query& query) {
  const Admission admission = admit(query);
  if (!admission.allowed) return dropped(DropReason::StarvationShare);
  const Ip4 requested = query.packet.option_ip(wire::opt::kRequestedAddress).value_or(Ip4{});
  auto offered = engine_.offer(query.network, query.client, requested, query.now_s);
  if (!offered) return dropped(DropReason::PoolExhausted);
  Reply offer = lease_reply(query, MessageType::Offer, *offered);
  const Lease* row = engine_.find_row(offered->address);
  if (offer_needs_probe(config_.probing, recovery_, row, query.client, query.now_s)) {
    offer.probe = ProbeNeed{probe_request_for(offered->address, query.packet, query.link),
                            offered->subnet_id};
  }
  starvation_guard_.record(admission, *offered, engine_, query.now_s);
  return offer;
}

// RFC 2131 4.3.2: the client state is told apart by server id, requested
// address and ciaddr.
HandlerResult Dhcp4Handler::on_request(const Query& query) {
  const wire::Packet& packet = query.packet;
  const auto server_id = packet.option_ip(wire::opt::kServerId);
  const auto requested = packet.option_ip(wire::opt::kRequestedAddress);
  if (server_id) {
    // SELECTING: a REQUEST naming another server means the client chose it.
    if (*server_id != query.link.address) return dropped(DropReason::NotForUs);
    if (!requested) return dropped(DropReason::MissingField);
    const Admission admission = admit(query);
    if (!admission.allowed) return dropped(DropReason::StarvationShare);
    // An address of a sibling subnet in the shared network is bound there.
    const config::Subnet* target = network_subnet_containing(query.network, *requested);
    auto change = engine_.assign(target != nullptr ? *target : query.subnet, query.client,
                                 *requested, query.now_s);
    if (!change) return nak(query, alloc::to_string(change.error()));
    return ack(query, *change, admission);
  }
  const bool init_reboot = packet.ciaddr.is_zero();
  const Ip4 address = init_reboot ? requested.value_or(Ip4{}) : packet.ciaddr;
  if (address.is_zero()) return dropped(DropReason::MissingField);
  // The address the client holds decides the subnet within its shared
  // network, so a renewal stays in the subnet it was bound in.
  const config::Subnet* target = network_subnet_containing(query.network, address);
  if (target == nullptr) {
    // The client is on the wrong network. A rebinding client may be talking
    // to every server on the wire, so only answer states aimed at us.
    const bool rebinding = !init_reboot && packet.giaddr.is_zero() && packet.broadcast_flag();
    if (rebinding) return dropped(DropReason::Silent);
    return nak(query, "address not on this network");
  }
  // Re-adoption: a free pool address the client already uses is recorded
  // and ACKed rather than NAKed, so the client keeps working (see
  // ARCHITECTURE.md, "Clients the server forgot").
  return request_in_subnet(in_subnet(query, *target), address, init_reboot);
}

HandlerResult Dhcp4Handler::request_in_subnet(const Query& query, Ip4 address, bool init_reboot) {
  const Admission admission = admit(query);
  if (!admission.allowed) return dropped(DropReason::StarvationShare);
  auto change = engine_.assign(query.subnet, query.client, address, query.now_s);
  if (change) return adopt(query, *change, admission, init_reboot);
  if (change.error() == alloc::AllocError::AddressInUse) {
    if (auto mark = adopt_conflict_mark(query, address)) return ack(query, *mark, admission);
  }
  const bool authoritative = query.subnet.authoritative.value_or(config_.authoritative);
  if (change.error() == alloc::AllocError::NotInPool && !authoritative) {
    return dropped(DropReason::Silent);  // no record of this client (4.3.2)
  }
  return nak(query, alloc::to_string(change.error()));
}

HandlerResult Dhcp4Handler::on_decline(const Query& query) {
  if (names_other_server(query)) return dropped(DropReason::NotForUs);
  const auto address = query.packet.option_ip(wire::opt::kRequestedAddress);
  if (!address) return dropped(DropReason::MissingField);
  // Only a DECLINE of an address the client holds counts against its quota.
  const Lease* held = engine_.find_by_address(*address);
  if (held == nullptr || held->state == LeaseState::Declined) return dropped(DropReason::Silent);
  if (!decline_limiter_.allow(query.client, query.now_s, config_.decline_probation_period_s)) {
    return dropped(DropReason::DeclineLimit);
  }
  auto change = engine_.decline(query.client, *address, query.now_s);
  if (!change) return dropped(DropReason::Silent);
  return Promise{std::move(*change), std::nullopt};
}

HandlerResult Dhcp4Handler::on_release(const Query& query) {
  if (names_other_server(query)) return dropped(DropReason::NotForUs);
  if (query.packet.ciaddr.is_zero()) return dropped(DropReason::MissingField);
  auto change = engine_.release(query.client, query.packet.ciaddr, query.now_s);
  if (!change) return dropped(DropReason::Silent);
  return Promise{std::move(*change), std::nullopt};
}

HandlerResult Dhcp4Handler::on_inform(const Query& query) {
  // INFORM: configuration only, no lease, no lease time (RFC 2131 4.3.5).
  wire::Packet reply = make_reply(query.packet, MessageType::Ack, query.link.address);
  reply.ciaddr = query.packet.ciaddr;
  reply.set_ip(wire::opt::kSubnetMask, Ip4{prefix_mask(query.subnet.prefix_len)});
  add_class_settings(query, reply, engine_.find_reservation(query.subnet, query.client));
  return Reply{route_reply(query.packet, reply, query.link), MessageType::Ack, Ip4{}, {}};
}

Admission Dhcp4Handler::admit(const Query& query) {
  return starvation_guard_.admit(
      GuardQuery{query.packet, query.link, query.subnet, query.client, query.now_s}, engine_);
}

Promise Dhcp4Handler::ack(const Query& query, const LeaseChange& change,
                          const Admission& admission) {
  BS_ASSERT(change.after.has_value());
  // Counted from now on; should the commit fail, the engine reverts the
  // lease and the guard's lazy count drops it by itself.
  starvation_guard_.record(admission, *change.after, engine_, query.now_s);
  return Promise{change, lease_reply(query, MessageType::Ack, *change.after)};
}

// An address the client claims but the server had not given it is probed
// first. A RENEWING/REBINDING client behind a router answers an ICMP echo
// itself, so there an echo proves nothing and only the store decides.
Promise Dhcp4Handler::adopt(const Query& query, const LeaseChange& change,
                            const Admission& admission, bool init_reboot) {
  Promise promise = ack(query, change, admission);
  if (!adoption_needs_probe(config_.probing, change.before, query.client)) return promise;
  const io::ProbeRequest request = probe_request_for(change.address, query.packet, query.link);
  if (request.method == io::ProbeMethod::Icmp && !init_reboot) return promise;
  promise.ack->probe = ProbeNeed{request, query.subnet.id};
  return promise;
}

std::optional<LeaseChange> Dhcp4Handler::adopt_conflict_mark(const Query& query, Ip4 address) {
  const Lease* row = engine_.find_row(address);
  if (row == nullptr || engine_.find_by_address(address) != row) return std::nullopt;
  if (!is_own_conflict_mark(*row, query.client)) return std::nullopt;
  Lease lease;
  lease.address = address;
  lease.hw_address = query.client.hw_address;
  lease.client_id = query.client.client_id;
  lease.hostname = query.client.hostname;
  lease.subnet_id = query.subnet.id;
  lease.valid_lifetime_s = config::valid_lifetime_for(
      config_, query.subnet, query.client.requested_lifetime_s, query.client.class_lifetime);
  lease.cltt_s = query.now_s;
  lease.state = LeaseState::Assigned;
  return engine_.put_lease(lease, query.now_s);
}

Reply Dhcp4Handler::nak(const Query& query, const char* message) {
  wire::Packet reply = make_reply(query.packet, MessageType::Nak, query.link.address);
  const std::string_view text(message);
  reply.set(wire::opt::kMessage, Bytes(text.begin(), text.end()));
  echo_query_options(reply, query.packet, config_);
  // A relay must broadcast a NAK to the client (RFC 2131 4.1).
  if (!query.packet.giaddr.is_zero()) reply.flags |= wire::kBroadcastFlag;
  return Reply{route_reply(query.packet, reply, query.link), MessageType::Nak, Ip4{}, {}};
}

Reply Dhcp4Handler::lease_reply(const Query& query_in, MessageType type, const Lease& lease) {
  // The lease may come from a sibling subnet of the shared network; its
  // subnet decides mask, timers and options.
  const config::Subnet* own = network_subnet_containing(query_in.network, lease.address);
  const Query query = in_subnet(query_in, own != nullptr ? *own : query_in.subnet);
  wire::Packet reply = make_reply(query.packet, type, query.link.address);
  reply.yiaddr = lease.address;
  reply.ciaddr = query.packet.ciaddr;
  const LeaseTimes times = lease_times(config_, query.subnet, lease.valid_lifetime_s);
  reply.set_u32(wire::opt::kLeaseTime, lease.valid_lifetime_s);
  if (times.renew_timer_s != 0) reply.set_u32(wire::opt::kRenewalTime, times.renew_timer_s);
  if (times.rebind_timer_s != 0) reply.set_u32(wire::opt::kRebindingTime, times.rebind_timer_s);
  reply.set_ip(wire::opt::kSubnetMask, Ip4{prefix_mask(query.subnet.prefix_len)});
  const config::Reservation* reservation = engine_.find_reservation(query.subnet, query.client);
  if (reservation != nullptr && !reservation->hostname.empty()) {
    const std::string& name = reservation->hostname;
    reply.set(wire::opt::kHostName, wire::OptionBytes(name.begin(), name.end()));
  } else if (Bytes name = echoed_hostname(query.client.hostname); !name.empty()) {
    reply.set(wire::opt::kHostName, name);
  }
  add_class_settings(query, reply, reservation);
  return Reply{route_reply(query.packet, reply, query.link), type, lease.address, {}};
}

void Dhcp4Handler::add_class_settings(const Query& query, wire::Packet& reply,
                                      const config::Reservation* reservation) {
  const Ip4 address = reply.yiaddr.is_zero() ? reply.ciaddr : reply.yiaddr;
  const config::Pool* pool = nullptr;
  for (const config::Pool& candidate : query.subnet.pools) {
    if (candidate.first <= address && address <= candidate.last) pool = &candidate;
  }
  classifier_.evaluate_required(query.packet_context, query.subnet, pool, query.classes);
  set_boot_fields(reply, config_, query.subnet, reservation, &query.classes);
  add_configured_options(reply, query.packet, config_, &query.subnet, reservation, &query.classes);
}

bool Dhcp4Handler::names_other_server(const Query& query) const {
  const auto server_id = query.packet.option_ip(wire::opt::kServerId);
  return server_id && *server_id != query.link.address;
}

}  // namespace bs::server
