// A scripted DHCP client for in-process scenario tests (in the spirit of
// Kea's Dhcp4Client): it builds queries, pushes them through a FakeTransport
// into a real Server, and decodes what came back.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "io/fake_transport.h"
#include "server/server.h"
#include "wire/packet.h"

namespace bs::testing {

inline io::InterfaceInfo office_link() {
  io::InterfaceInfo link;
  link.ifindex = 2;
  link.name = "office0";
  link.address = *parse_ip4("198.18.1.1");
  link.prefix_len = 24;
  link.mac = {0x02, 0xaa, 0, 0, 0, 1};
  return link;
}

// One subnet on office_link() with a ten-address pool, for scenarios that
// are about something other than the configuration.
inline constexpr const char* kSmallOfficeConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}]}})";

struct Reply {
  wire::Packet packet;
  io::TxPacket tx;
};

class TestClient {
 public:
  TestClient(io::FakeTransport& transport, server::Server& server, uint8_t mac_last_byte)
      : transport_(transport), server_(server) {
    hw_ = {0x02, 0xcc, 0, 0, 0, mac_last_byte};
  }

  // Fields tests tweak before sending.
  std::vector<uint8_t> hw_;
  Bytes client_id;
  std::string hostname;
  std::vector<uint8_t> parameter_request_list{1, 3, 6, 15};
  std::optional<uint16_t> max_message_size;
  bool broadcast = false;
  Ip4 giaddr;
  Bytes relay_agent_info;
  uint32_t xid = 0x1000;
  int ifindex = 2;
  // Sent as they are in every query (e.g. option 60 or 93 for class tests).
  std::vector<std::pair<uint8_t, Bytes>> extra_options;

  wire::Packet query(wire::MessageType type) const {
    wire::Packet packet;
    packet.op = wire::Op::BootRequest;
    packet.xid = xid;
    packet.flags = broadcast ? wire::kBroadcastFlag : 0;
    packet.giaddr = giaddr;
    packet.hops = giaddr.is_zero() ? 0 : 1;
    std::copy(hw_.begin(), hw_.end(), packet.chaddr.begin());
    packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
    if (!client_id.empty()) packet.set(wire::opt::kClientId, client_id);
    if (!hostname.empty())
      packet.set(wire::opt::kHostName, Bytes(hostname.begin(), hostname.end()));
    if (!parameter_request_list.empty()) {
      packet.set(wire::opt::kParameterRequestList, parameter_request_list);
    }
    if (max_message_size) {
      packet.set(wire::opt::kMaxMessageSize, Bytes{static_cast<uint8_t>(*max_message_size >> 8),
                                                   static_cast<uint8_t>(*max_message_size & 0xff)});
    }
    for (const auto& [code, data] : extra_options) packet.set(code, data);
    if (!relay_agent_info.empty()) packet.set(wire::opt::kRelayAgentInfo, relay_agent_info);
    return packet;
  }

  // Sends one packet, runs one server round, returns the reply if any.
  std::optional<Reply> exchange(const wire::Packet& packet) {
    io::RxPacket rx;
    rx.payload = wire::encode(packet, 1472);
    rx.ifindex = ifindex;
    rx.source = giaddr.is_zero() ? packet.ciaddr : giaddr;
    transport_.inject(std::move(rx));
    server_.run_once();
    auto sent = transport_.take_sent();
    if (sent.empty()) return std::nullopt;
    auto decoded = wire::decode(sent.back().payload);
    if (!decoded) return std::nullopt;
    return Reply{*decoded, sent.back()};
  }

  std::optional<Reply> discover(Ip4 requested = {}) {
    wire::Packet packet = query(wire::MessageType::Discover);
    if (!requested.is_zero()) packet.set_ip(wire::opt::kRequestedAddress, requested);
    return exchange(packet);
  }

  // REQUEST in SELECTING state, answering an OFFER from `server_id`.
  std::optional<Reply> request_selecting(Ip4 address, Ip4 server_id) {
    wire::Packet packet = query(wire::MessageType::Request);
    packet.set_ip(wire::opt::kRequestedAddress, address);
    packet.set_ip(wire::opt::kServerId, server_id);
    return exchange(packet);
  }

  std::optional<Reply> request_init_reboot(Ip4 address) {
    wire::Packet packet = query(wire::MessageType::Request);
    packet.set_ip(wire::opt::kRequestedAddress, address);
    return exchange(packet);
  }

  // RENEWING (unicast) or REBINDING (broadcast): ciaddr set, no server id.
  std::optional<Reply> request_renew(Ip4 address, bool rebinding = false) {
    wire::Packet packet = query(wire::MessageType::Request);
    packet.ciaddr = address;
    if (rebinding) packet.flags = wire::kBroadcastFlag;
    return exchange(packet);
  }

  std::optional<Reply> release(Ip4 address, Ip4 server_id) {
    wire::Packet packet = query(wire::MessageType::Release);
    packet.ciaddr = address;
    packet.set_ip(wire::opt::kServerId, server_id);
    return exchange(packet);
  }

  std::optional<Reply> decline(Ip4 address, Ip4 server_id) {
    wire::Packet packet = query(wire::MessageType::Decline);
    packet.set_ip(wire::opt::kRequestedAddress, address);
    packet.set_ip(wire::opt::kServerId, server_id);
    return exchange(packet);
  }

  std::optional<Reply> inform(Ip4 own_address) {
    wire::Packet packet = query(wire::MessageType::Inform);
    packet.ciaddr = own_address;
    return exchange(packet);
  }

  // Full DISCOVER/OFFER/REQUEST/ACK; returns the ACKed address or zero.
  Ip4 dora() {
    auto offer = discover();
    if (!offer || offer->packet.message_type() != wire::MessageType::Offer) return {};
    auto server_id = offer->packet.option_ip(wire::opt::kServerId).value_or(Ip4{});
    auto ack = request_selecting(offer->packet.yiaddr, server_id);
    if (!ack || ack->packet.message_type() != wire::MessageType::Ack) return {};
    return ack->packet.yiaddr;
  }

 private:
  io::FakeTransport& transport_;
  server::Server& server_;
};

}  // namespace bs::testing
