// Reply construction. The option order is chosen so that, if the client's
// maximum message size is small, what gets left out is the least important:
// message type, server id and timers first, requested options after, and the
// relay agent option last, where RFC 3046 wants it. wire::encode does the
// fitting: it keeps room for option 82 and skips, in this order, whatever
// does not fit.
#include "server/reply_builder.h"

#include <algorithm>
#include <iterator>

namespace bs::server {
namespace {

constexpr size_t kIpUdpHeaderSize = 28;
constexpr size_t kEthernetPayloadMax = 1500 - kIpUdpHeaderSize;

// Finds option `code` in the most specific scope that configures it.
const config::OptionData* configured(uint8_t code, const config::Config& config,
                                     const config::Subnet* subnet,
                                     const config::Reservation* reservation) {
  auto find_in = [code](const std::vector<config::OptionData>& list) -> const config::OptionData* {
    for (const auto& option : list) {
      if (option.code == code) return &option;
    }
    return nullptr;
  };
  if (reservation != nullptr) {
    if (const auto* found = find_in(reservation->options)) return found;
  }
  if (subnet != nullptr) {
    if (const auto* found = find_in(subnet->options)) return found;
  }
  return find_in(config.options);
}

// Sent whenever configured, asked for or not, as Kea 2.2 does (its
// appendBasicOptions: routers, domain-name-servers, domain-name; the subnet
// mask and server identifier blackstart sets itself). A client with a short
// or missing request list (dhcpcd's minimal config, PXE ROMs) still gets a
// gateway and DNS.
constexpr uint8_t kBasicOptions[] = {wire::opt::kRouters, wire::opt::kDomainNameServers,
                                     wire::opt::kDomainName};

// Codes to send, in order: the client's request list, the basic options,
// then always-send ones.
std::vector<uint8_t> wanted_codes(const wire::Packet& query, const config::Config& config,
                                  const config::Subnet* subnet,
                                  const config::Reservation* reservation) {
  std::vector<uint8_t> codes;
  if (const wire::Option* prl = query.find(wire::opt::kParameterRequestList)) {
    codes.assign(prl->data.begin(), prl->data.end());
  }
  codes.insert(codes.end(), std::begin(kBasicOptions), std::end(kBasicOptions));
  auto add_always = [&codes](const std::vector<config::OptionData>& list) {
    for (const auto& option : list) {
      if (option.always_send) codes.push_back(option.code);
    }
  };
  if (reservation != nullptr) add_always(reservation->options);
  if (subnet != nullptr) add_always(subnet->options);
  add_always(config.options);
  return codes;
}

}  // namespace

wire::Packet make_reply(const wire::Packet& query, wire::MessageType type, Ip4 server_id) {
  wire::Packet reply;
  reply.op = wire::Op::BootReply;
  reply.htype = query.htype;
  reply.hlen = query.hlen;
  reply.xid = query.xid;
  reply.flags = query.flags;
  reply.giaddr = query.giaddr;
  reply.chaddr = query.chaddr;
  reply.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
  reply.set_ip(wire::opt::kServerId, server_id);
  return reply;
}

LeaseTimes lease_times(const config::Config& config, const config::Subnet& subnet) {
  LeaseTimes times;
  times.valid_lifetime_s = subnet.valid_lifetime_s.value_or(config.valid_lifetime_s);
  const uint64_t valid = times.valid_lifetime_s;
  times.renew_timer_s = subnet.renew_timer_s.value_or(
      config.renew_timer_s.value_or(static_cast<uint32_t>(valid / 2)));
  times.rebind_timer_s = subnet.rebind_timer_s.value_or(
      config.rebind_timer_s.value_or(static_cast<uint32_t>(valid * 7 / 8)));
  return times;
}

size_t max_reply_size(const wire::Packet& query) {
  size_t limit = wire::kMinMessageSize;
  if (auto requested = query.option_u16(wire::opt::kMaxMessageSize)) {
    if (*requested > 576) limit = *requested - kIpUdpHeaderSize;
  }
  return std::min(limit, kEthernetPayloadMax);
}

void add_configured_options(wire::Packet& reply, const wire::Packet& query,
                            const config::Config& config, const config::Subnet* subnet,
                            const config::Reservation* reservation) {
  if (const wire::Option* client_id = query.find(wire::opt::kClientId)) {
    reply.set(wire::opt::kClientId, client_id->data);  // RFC 6842
  }
  for (uint8_t code : wanted_codes(query, config, subnet, reservation)) {
    if (reply.find(code) != nullptr) continue;  // already set, or asked twice
    const config::OptionData* option = configured(code, config, subnet, reservation);
    if (option != nullptr) reply.set(code, option->data);
  }
  if (const wire::Option* relay_info = query.find(wire::opt::kRelayAgentInfo))
    reply.set(wire::opt::kRelayAgentInfo, relay_info->data);
}

io::TxPacket route_reply(const wire::Packet& query, const wire::Packet& reply,
                         const io::InterfaceInfo& link) {
  io::TxPacket out;
  out.payload = wire::encode(reply, max_reply_size(query));
  out.ifindex = link.ifindex;
  out.source = link.address;
  const bool is_nak = reply.message_type() == wire::MessageType::Nak;
  if (!query.giaddr.is_zero()) {
    out.delivery = io::Delivery::UdpUnicast;
    out.destination = query.giaddr;
    out.destination_port = wire::kServerPort;
  } else if (!query.ciaddr.is_zero() && !is_nak) {
    out.delivery = io::Delivery::UdpUnicast;
    out.destination = query.ciaddr;
    out.destination_port = wire::kClientPort;
  } else if (is_nak || query.broadcast_flag() || reply.yiaddr.is_zero() || query.htype != 1 ||
             query.hlen != 6) {
    out.delivery = io::Delivery::Broadcast;
    out.destination = Ip4{0xffffffffu};
  } else {
    // The client has no address yet and did not ask for broadcast: send to
    // its MAC and the offered address without ARP, as RFC 2131 4.1 allows.
    out.delivery = io::Delivery::LinkUnicast;
    out.destination = reply.yiaddr;
    out.destination_hw = query.hw_address();
  }
  return out;
}

}  // namespace bs::server
