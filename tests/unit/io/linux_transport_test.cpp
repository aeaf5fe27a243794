// Exercises the real sockets of the Linux transport over the loopback
// interface of a private network namespace, so the test owns port 67 and
// touches nothing of the host. Skips when it cannot create the namespace
// (not root, or no CAP_SYS_ADMIN in a container).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "io/interfaces.h"
#include "io/ip_udp.h"
#include "io/transport.h"

namespace bs::io {
namespace {

constexpr Ip4 kLoopback{0x7f000001};

// Moves this process into a fresh network namespace, where lo starts down
// and without addresses. Once per process: later tests share it.
bool enter_private_namespace() {
  static const bool entered = geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
  return entered;
}

bool bring_up(const char* name) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  ok = ok && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  close(fd);
  return ok;
}

// A stand-in DHCP client: a UDP socket on 127.0.0.1:68.
class ClientSocket {
 public:
  ClientSocket() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    const sockaddr_in address = endpoint(kLoopback, 68);
    bound_ = bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~ClientSocket() { close(fd_); }
  ClientSocket(const ClientSocket&) = delete;
  ClientSocket& operator=(const ClientSocket&) = delete;

  static sockaddr_in endpoint(Ip4 address, uint16_t port) {
    sockaddr_in out{};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    out.sin_addr.s_addr = htonl(address.value);
    return out;
  }
  bool bound() const { return bound_; }
  bool send_to_server(const Bytes& payload) {
    const sockaddr_in server = endpoint(kLoopback, 67);
    return sendto(fd_, payload.data(), payload.size(), 0,
                  reinterpret_cast<const sockaddr*>(&server),
                  sizeof(server)) == static_cast<ssize_t>(payload.size());
  }
  // Waits up to one second; empty when nothing arrived.
  Bytes receive(sockaddr_in& from) {
    pollfd waiting{fd_, POLLIN, 0};
    if (poll(&waiting, 1, 1000) != 1) return {};
    Bytes buffer(2048);
    socklen_t from_size = sizeof(from);
    const ssize_t got = recvfrom(fd_, buffer.data(), buffer.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_size);
    buffer.resize(got > 0 ? static_cast<size_t>(got) : 0);
    return buffer;
  }

 private:
  int fd_;
  bool bound_ = false;
};

// The first outgoing IPv4 frame seen on `capture` within a second.
Bytes capture_outgoing(int capture) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    pollfd waiting{capture, POLLIN, 0};
    if (poll(&waiting, 1, 100) != 1) continue;
    Bytes buffer(2048);
    sockaddr_ll from{};
    socklen_t from_size = sizeof(from);
    const ssize_t got = recvfrom(capture, buffer.data(), buffer.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_size);
    if (got <= 0 || from.sll_pkttype != PACKET_OUTGOING) continue;
    buffer.resize(static_cast<size_t>(got));
    return buffer;
  }
  return {};
}

TEST(ResolveInterfaces, NamesTheMissingInterface) {
  auto result = resolve_interfaces({"bs-no-such-if0"});
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("bs-no-such-if0"), std::string::npos);
}

TEST(ResolveInterfaces, RejectsEmptyList) { EXPECT_FALSE(resolve_interfaces({}).has_value()); }

class LoopbackTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!enter_private_namespace()) GTEST_SKIP() << "needs root to create a network namespace";
    ASSERT_TRUE(bring_up("lo"));
    auto opened = open_linux_transport({"lo"});
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    transport_ = std::move(*opened);
    // Made here, not as a plain member, so it is born inside the namespace.
    client_.emplace();
    ASSERT_TRUE(client_->bound());
  }

  // Polls in short steps so a lost packet fails the test instead of hanging.
  std::vector<RxPacket> receive_one() {
    std::vector<RxPacket> got;
    for (int attempt = 0; attempt < 10 && got.empty(); ++attempt) {
      transport_->receive(got, 8, 100);
    }
    return got;
  }

  TxPacket reply(Delivery delivery) const {
    TxPacket packet;
    packet.payload = {0xde, 0xad, 0xbe, 0xef, 0x01};
    packet.ifindex = transport_->interfaces().front().ifindex;
    packet.delivery = delivery;
    packet.destination = kLoopback;
    packet.source = kLoopback;
    return packet;
  }

  std::unique_ptr<Transport> transport_;
  std::optional<ClientSocket> client_;
};

TEST_F(LoopbackTransport, DescribesTheInterface) {
  ASSERT_EQ(transport_->interfaces().size(), 1u);
  const InterfaceInfo& lo = transport_->interfaces().front();
  EXPECT_EQ(lo.name, "lo");
  EXPECT_EQ(lo.address, kLoopback);
  EXPECT_EQ(lo.prefix_len, 8);
  EXPECT_EQ(lo.ifindex, static_cast<int>(if_nametoindex("lo")));
}

TEST_F(LoopbackTransport, ReceivesWithArrivalInterfaceAndSource) {
  ASSERT_TRUE(client_->send_to_server({1, 2, 3}));
  const std::vector<RxPacket> got = receive_one();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, (Bytes{1, 2, 3}));
  EXPECT_EQ(got[0].ifindex, transport_->interfaces().front().ifindex);
  EXPECT_EQ(got[0].source, kLoopback);
  EXPECT_EQ(got[0].source_port, 68);
  EXPECT_EQ(transport_->counters().received, 1u);
}

TEST_F(LoopbackTransport, ReceivesABatch) {
  for (uint8_t i = 0; i < 5; ++i) ASSERT_TRUE(client_->send_to_server({i}));
  std::vector<RxPacket> got;
  for (int attempt = 0; attempt < 10 && got.size() < 5; ++attempt) transport_->receive(got, 3, 100);
  ASSERT_EQ(got.size(), 5u);
  for (uint8_t i = 0; i < 5; ++i) EXPECT_EQ(got[i].payload, Bytes{i});
}

TEST_F(LoopbackTransport, TimesOutWhenIdle) {
  std::vector<RxPacket> got;
  EXPECT_EQ(transport_->receive(got, 8, 20), 0u);
}

TEST_F(LoopbackTransport, SendsUdpUnicast) {
  transport_->send(std::vector<TxPacket>{reply(Delivery::UdpUnicast)});
  sockaddr_in from{};
  EXPECT_EQ(client_->receive(from), (Bytes{0xde, 0xad, 0xbe, 0xef, 0x01}));
  EXPECT_EQ(ntohs(from.sin_port), 67);
  EXPECT_EQ(transport_->counters().sent, 1u);
}

// The frame is captured as it leaves lo (outgoing copies reach only
// ETH_P_ALL sockets) and checked byte by byte: the looped-back copy carries
// no route and is not handed to a UDP socket on lo. Delivery to real
// clients over veth links is covered by tests/integration.
TEST_F(LoopbackTransport, SendsLinkUnicastFrame) {
  const int capture = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
  ASSERT_GE(capture, 0);
  sockaddr_ll where{};
  where.sll_family = AF_PACKET;
  where.sll_protocol = htons(ETH_P_ALL);
  where.sll_ifindex = transport_->interfaces().front().ifindex;
  ASSERT_EQ(bind(capture, reinterpret_cast<const sockaddr*>(&where), sizeof(where)), 0);

  TxPacket packet = reply(Delivery::LinkUnicast);
  packet.destination_hw = make_hwaddr(std::vector<uint8_t>(6, 0));
  transport_->send(std::vector<TxPacket>{packet});
  EXPECT_EQ(transport_->counters().sent, 1u);
  EXPECT_EQ(transport_->counters().send_errors, 0u);

  const Bytes frame = capture_outgoing(capture);
  close(capture);
  ASSERT_EQ(frame.size(), kIpv4HeaderSize + kUdpHeaderSize + packet.payload.size());
  EXPECT_EQ(checksum_finish(checksum_accumulate({frame.data(), kIpv4HeaderSize})), 0);
  EXPECT_EQ(frame[8], kDefaultTtl);
  EXPECT_EQ(frame[20] << 8 | frame[21], 67);  // source port
  EXPECT_EQ(frame[22] << 8 | frame[23], 68);  // destination port
  EXPECT_EQ(Bytes(frame.begin() + 28, frame.end()), packet.payload);
}

TEST_F(LoopbackTransport, CountsUnknownInterfaceAsSendError) {
  TxPacket packet = reply(Delivery::UdpUnicast);
  packet.ifindex = 9999;
  transport_->send(std::vector<TxPacket>{packet});
  EXPECT_EQ(transport_->counters().send_errors, 1u);
  EXPECT_EQ(transport_->counters().sent, 0u);
}

TEST_F(LoopbackTransport, RejectsAddressTheInterfaceLacks) {
  auto result = open_linux_transport({"lo/198.18.0.9"}, 6767);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("198.18.0.9"), std::string::npos);
}

// The HA partner link's wait_fd joins the wait on the DHCP sockets: a
// readable one ends a long wait at once, with no packet, and packets are
// still read beside it.
TEST_F(LoopbackTransport, AWatchedFdEndsTheWaitWithNoPackets) {
  const int signal_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(signal_fd, 0);
  ASSERT_TRUE(transport_->watch(signal_fd));
  const uint64_t one = 1;
  ASSERT_EQ(::write(signal_fd, &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
  std::vector<RxPacket> got;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(transport_->receive(got, 8, 20'000), 0u);
  // Without the watch this wait would last the full 20 s.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  ASSERT_TRUE(client_->send_to_server({4, 5}));
  const std::vector<RxPacket> packets = receive_one();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].payload, (Bytes{4, 5}));
  ::close(signal_fd);
}

}  // namespace
}  // namespace bs::io
