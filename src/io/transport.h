// The packet transport seam: how DHCP payloads enter and leave the server.
// LinuxTransport uses a UDP socket for receiving and for replies with an IP
// route, and an AF_PACKET socket to reach clients that have no address yet.
// Scenario tests and the simulation use FakeTransport.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "common/types.h"

namespace bs::io {

struct InterfaceInfo {
  int ifindex = 0;
  std::string name;
  Ip4 address;  // primary IPv4 address, used as server identifier
  int prefix_len = 0;
  std::array<uint8_t, 6> mac{};
};

struct RxPacket {
  Bytes payload;
  int ifindex = 0;
  Ip4 source;
  uint16_t source_port = 0;
  // When the server read it (steady clock, ns; 0 = not stamped), for the
  // REQUEST→ACK latency histogram. Never feeds a DHCP decision.
  int64_t received_ns = 0;
};

// Where a reply goes (RFC 2131 4.1).
enum class Delivery : uint8_t {
  UdpUnicast,   // to destination:port through the IP stack (relay, or client with ciaddr)
  Broadcast,    // 255.255.255.255:68 out of ifindex
  LinkUnicast,  // to destination:68 at link address dest_hw, without ARP
};

struct TxPacket {
  Bytes payload;
  int ifindex = 0;
  Delivery delivery = Delivery::Broadcast;
  Ip4 destination;
  uint16_t destination_port = 68;
  HwAddr destination_hw;  // LinkUnicast only
  Ip4 source;             // the server address on that link
};

struct IoError {
  std::string message;
};

// Running totals of what a transport did and dropped, so the server can log
// trouble (a full send buffer, an interface gone away) without the transport
// logging or throwing itself.
struct TransportCounters {
  uint64_t received = 0;
  uint64_t receive_truncated = 0;  // larger than the receive buffer, dropped
  uint64_t receive_errors = 0;
  uint64_t sent = 0;
  uint64_t send_errors = 0;
  uint64_t link_unicast_fallbacks = 0;  // LinkUnicast without a usable MAC, broadcast instead
  int last_errno = 0;                   // errno of the latest failed call, 0 if none
  // The smallest receive buffer the kernel granted a link's socket (what
  // SO_RCVBUF reads back: twice the usable size); 0 if not known.
  int receive_buffer_bytes = 0;
};

// The receive buffer each DHCP socket asks for: the queue in front of a
// busy pipeline, and of the lease load at start-up (daemon.h).
inline constexpr int kReceiveBufferBytes = 8 * 1024 * 1024;

class Transport {
 public:
  virtual ~Transport() = default;
  // Appends up to max_count packets to `out`, waiting at most timeout_ms for
  // the first one. Returns the number appended.
  virtual size_t receive(std::vector<RxPacket>& out, size_t max_count, int timeout_ms) = 0;
  // Sends every packet; failures are counted, never thrown.
  virtual void send(std::span<const TxPacket> packets) = 0;
  virtual const std::vector<InterfaceInfo>& interfaces() const = 0;
  // Not pure, so transports that count nothing need not say so.
  virtual TransportCounters counters() const { return {}; }
  // Also ends receive()'s wait when `fd` turns readable (the HA partner
  // link's wait_fd), with no packets appended. False: this transport
  // cannot, and the caller keeps its waits short instead.
  virtual bool watch(int fd) {
    (void)fd;
    return false;
  }
};

// Opens sockets on the named interfaces ("*" = every up, non-loopback
// interface with an IPv4 address). Needs CAP_NET_RAW and CAP_NET_BIND_SERVICE.
tl::expected<std::unique_ptr<Transport>, IoError> open_linux_transport(
    const std::vector<std::string>& interface_names, uint16_t server_port = 67);

}  // namespace bs::io
