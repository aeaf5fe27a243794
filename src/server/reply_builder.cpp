// Reply construction. The option order is chosen so that, if the client's
// maximum message size is small, what gets left out is the least important:
// message type, server id and timers first, requested options after, and the
// relay agent option last, where RFC 3046 wants it. wire::encode does the
// fitting: it keeps room for option 82 and skips, in this order, whatever
// does not fit.
#include "server/reply_builder.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>

namespace bs::server {
namespace {

constexpr size_t kIpUdpHeaderSize = 28;
constexpr size_t kEthernetPayloadMax = 1500 - kIpUdpHeaderSize;

// The pool holding the address the reply is about, for pool-level options.
const config::Pool* pool_of(const wire::Packet& reply, const config::Subnet* subnet) {
  if (subnet == nullptr) return nullptr;
  const Ip4 address = reply.yiaddr.is_zero() ? reply.ciaddr : reply.yiaddr;
  for (const auto& pool : subnet->pools) {
    if (pool.first <= address && address <= pool.last) return &pool;
  }
  return nullptr;
}

// Where configured options come from for one reply, most specific first
// (Kea's buildCfgOptionList): reservation, pool, subnet, the subnet's shared
// network, the query's classes in assignment order, global.
struct OptionScopes {
  const config::Config& config;
  const config::Subnet* subnet;
  const config::Pool* pool;
  const config::Reservation* reservation;
  const classify::ClassSet* classes;

  // Calls visit(options) per scope in precedence order until it returns true.
  template <class Visit>
  void each(Visit&& visit) const {
    if (reservation != nullptr && visit(reservation->options)) return;
    if (pool != nullptr && visit(pool->options)) return;
    if (subnet != nullptr && visit(subnet->options)) return;
    if (const config::SharedNetwork* network =
            subnet != nullptr ? config.network_of(*subnet) : nullptr;
        network != nullptr && visit(network->options)) {
      return;
    }
    if (classes != nullptr) {
      for (std::string_view name : classes->names()) {
        const config::ClientClass* client_class = config.find_class(name);
        if (client_class != nullptr && visit(client_class->options)) return;
      }
    }
    visit(config.options);
  }
};

// Finds option `code` in the most specific scope that configures it.
const config::OptionData* configured(uint8_t code, const OptionScopes& scopes) {
  const config::OptionData* found = nullptr;
  scopes.each([code, &found](const std::vector<config::OptionData>& list) {
    for (const auto& option : list) {
      if (option.code == code) {
        found = &option;
        return true;
      }
    }
    return false;
  });
  return found;
}

void copy_field(std::span<uint8_t> field, const std::string& text) {
  std::fill(field.begin(), field.end(), uint8_t{0});
  std::copy_n(text.begin(), std::min(text.size(), field.size() - 1), field.begin());
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
std::vector<uint8_t> wanted_codes(const wire::Packet& query, const OptionScopes& scopes) {
  std::vector<uint8_t> codes;
  if (const wire::Option* prl = query.find(wire::opt::kParameterRequestList)) {
    codes.assign(prl->data.begin(), prl->data.end());
  }
  codes.insert(codes.end(), std::begin(kBasicOptions), std::end(kBasicOptions));
  scopes.each([&codes](const std::vector<config::OptionData>& list) {
    for (const auto& option : list) {
      if (option.always_send) codes.push_back(option.code);
    }
    return false;
  });
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

LeaseTimes lease_times(const config::Config& config, const config::Subnet& subnet,
                       uint32_t valid_lifetime_s) {
  LeaseTimes times;
  times.valid_lifetime_s = valid_lifetime_s;
  // Unset, calculate-tee-times keeps blackstart's default of sending the
  // RFC 2131 shares; Kea's default (false) sends no T1/T2 at all.
  const bool calculate = subnet.tee.calculate.value_or(config.tee.calculate.value_or(true));
  auto share = [valid_lifetime_s](double percent) {
    return static_cast<uint32_t>(std::llround(percent * valid_lifetime_s));
  };
  uint32_t rebind = 0;
  if (const auto explicit_s =
          subnet.rebind_timer_s ? subnet.rebind_timer_s : config.rebind_timer_s) {
    rebind = *explicit_s;
  } else if (calculate) {
    rebind = share(subnet.tee.t2_percent.value_or(config.tee.t2_percent.value_or(0.875)));
  }
  uint32_t ceiling = valid_lifetime_s;
  if (rebind > 0 && rebind < ceiling) {
    times.rebind_timer_s = rebind;
    ceiling = rebind;
  }
  uint32_t renew = 0;
  if (const auto explicit_s = subnet.renew_timer_s ? subnet.renew_timer_s : config.renew_timer_s) {
    renew = *explicit_s;
  } else if (calculate) {
    renew = share(subnet.tee.t1_percent.value_or(config.tee.t1_percent.value_or(0.5)));
  }
  if (renew > 0 && renew < ceiling) times.renew_timer_s = renew;
  return times;
}

void set_boot_fields(wire::Packet& reply, const config::Config& config,
                     const config::Subnet& subnet, const config::Reservation* reservation,
                     const classify::ClassSet* classes) {
  config::BootFields fields = subnet.boot;
  if (classes != nullptr) {
    // The first class setting a field wins it over the subnet.
    config::BootFields from_classes;
    for (std::string_view name : classes->names()) {
      const config::ClientClass* client_class = config.find_class(name);
      if (client_class == nullptr) continue;
      const config::BootFields& own = client_class->boot;
      if (!from_classes.next_server) from_classes.next_server = own.next_server;
      if (!from_classes.server_hostname) from_classes.server_hostname = own.server_hostname;
      if (!from_classes.boot_file_name) from_classes.boot_file_name = own.boot_file_name;
    }
    if (from_classes.next_server) fields.next_server = from_classes.next_server;
    if (from_classes.server_hostname) fields.server_hostname = from_classes.server_hostname;
    if (from_classes.boot_file_name) fields.boot_file_name = from_classes.boot_file_name;
  }
  if (reservation != nullptr) {
    const config::BootFields& own = reservation->boot;
    if (own.next_server) fields.next_server = own.next_server;
    if (own.server_hostname) fields.server_hostname = own.server_hostname;
    if (own.boot_file_name) fields.boot_file_name = own.boot_file_name;
  }
  if (fields.next_server) reply.siaddr = *fields.next_server;
  if (fields.server_hostname) copy_field(reply.sname, *fields.server_hostname);
  if (fields.boot_file_name) copy_field(reply.file, *fields.boot_file_name);
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
                            const config::Reservation* reservation,
                            const classify::ClassSet* classes) {
  echo_query_options(reply, query, config);
  const OptionScopes scopes{config, subnet, pool_of(reply, subnet), reservation, classes};
  for (uint8_t code : wanted_codes(query, scopes)) {
    if (reply.find(code) != nullptr) continue;  // already set, or asked twice
    const config::OptionData* option = configured(code, scopes);
    if (option != nullptr && !option->never_send) reply.set(code, option->data);
  }
}

void echo_query_options(wire::Packet& reply, const wire::Packet& query,
                        const config::Config& config) {
  const wire::Option* client_id = query.find(wire::opt::kClientId);
  if (client_id != nullptr && config.echo_client_id) {
    reply.set(wire::opt::kClientId, client_id->data);
  }
  for (const uint8_t code : {wire::opt::kRelayAgentInfo, wire::opt::kSubnetSelection}) {
    if (const wire::Option* echoed = query.find(code)) reply.set(code, echoed->data);
  }
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
