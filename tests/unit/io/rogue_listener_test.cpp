// The rogue listener's frame parsing and probe building over hand-made
// frames, and its kernel filter over real traffic on the loopback interface
// of a private network namespace. That namespace is entered by a helper
// thread only (network namespaces are per thread), so the other io tests in
// this binary keep theirs.
#include "io/rogue_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "io/ip_udp.h"

namespace bs::io {
namespace {

constexpr std::array<uint8_t, 6> kRogueMac = {0x02, 0xdd, 0, 0, 0, 2};
constexpr Ip4 kRogueIp{0xc6120102};  // 198.18.1.2

uint16_t read16(const Bytes& bytes, size_t at) {
  return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

// Ethernet header + build_ipv4_udp, as another server would send it.
Bytes ethernet_frame(const UdpEndpoints& ends, const Bytes& payload) {
  Bytes frame = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  frame.insert(frame.end(), kRogueMac.begin(), kRogueMac.end());
  frame.push_back(0x08);
  frame.push_back(0x00);
  const Bytes datagram = build_ipv4_udp(ends, payload, 1);
  frame.insert(frame.end(), datagram.begin(), datagram.end());
  return frame;
}

const UdpEndpoints kOfferEnds{kRogueIp, 67, Ip4{0xffffffffu}, 68};
const Bytes kPayload = {1, 2, 3, 4, 5, 6, 7};

TEST(ParseClientPortFrame, ReadsAddressesAndPayload) {
  const auto frame = parse_client_port_frame(ethernet_frame(kOfferEnds, kPayload), 5);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->ifindex, 5);
  EXPECT_EQ(frame->source_mac, kRogueMac);
  EXPECT_EQ(frame->source, kRogueIp);
  EXPECT_EQ(frame->source_port, 67);
  EXPECT_EQ(frame->destination, Ip4{0xffffffffu});
  EXPECT_EQ(frame->payload, kPayload);
}

TEST(ParseClientPortFrame, IgnoresEthernetPadding) {
  Bytes padded = ethernet_frame(kOfferEnds, {9});
  padded.resize(60, 0xee);  // the Ethernet minimum
  const auto frame = parse_client_port_frame(padded, 1);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, Bytes{9});
}

TEST(ParseClientPortFrame, SkipsIpOptions) {
  Bytes frame = ethernet_frame(kOfferEnds, kPayload);
  // Grow the IP header by one word of options (NOPs): IHL 6, length + 4.
  frame.insert(frame.begin() + 14 + 20, {1, 1, 1, 1});
  frame[14] = 0x46;
  const uint16_t total = static_cast<uint16_t>(read16(frame, 16) + 4);
  frame[16] = static_cast<uint8_t>(total >> 8);
  frame[17] = static_cast<uint8_t>(total & 0xff);
  const auto parsed = parse_client_port_frame(frame, 1);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->payload, kPayload);
}

TEST(ParseClientPortFrame, RejectsOtherTraffic) {
  const Bytes good = ethernet_frame(kOfferEnds, kPayload);
  Bytes arp = good;
  arp[13] = 0x06;
  EXPECT_FALSE(parse_client_port_frame(arp, 1));
  Bytes tcp = good;
  tcp[14 + 9] = 6;
  EXPECT_FALSE(parse_client_port_frame(tcp, 1));
  const Bytes to_server = ethernet_frame({kRogueIp, 68, Ip4{0xffffffffu}, 67}, kPayload);
  EXPECT_FALSE(parse_client_port_frame(to_server, 1));
  Bytes fragment = good;
  fragment[14 + 6] = 0x20;  // more fragments
  EXPECT_FALSE(parse_client_port_frame(fragment, 1));
  Bytes ipv6_version = good;
  ipv6_version[14] = 0x65;
  EXPECT_FALSE(parse_client_port_frame(ipv6_version, 1));
}

TEST(ParseClientPortFrame, RejectsLengthsThatDoNotAddUp) {
  const Bytes good = ethernet_frame(kOfferEnds, kPayload);
  for (size_t size = 0; size < good.size(); ++size) {
    // Every cut of the frame is either rejected or, when only payload bytes
    // are lost, still rejected, since the IP length then runs past the end.
    EXPECT_FALSE(parse_client_port_frame({good.data(), size}, 1)) << "cut at " << size;
  }
  Bytes long_udp = good;
  long_udp[14 + 20 + 5] = static_cast<uint8_t>(long_udp[14 + 20 + 5] + 1);  // UDP length + 1
  EXPECT_FALSE(parse_client_port_frame(long_udp, 1));
  Bytes short_ihl = good;
  short_ihl[14] = 0x44;
  EXPECT_FALSE(parse_client_port_frame(short_ihl, 1));
}

TEST(BuildProbeFrame, IsABroadcastFromTheClientPort) {
  const std::array<uint8_t, 6> mac = {0x02, 0xaa, 0, 0, 0, 1};
  const Bytes frame = build_probe_frame(mac, kPayload, 3);
  ASSERT_EQ(frame.size(), 14 + kIpv4HeaderSize + kUdpHeaderSize + kPayload.size());
  EXPECT_EQ(Bytes(frame.begin(), frame.begin() + 6), Bytes(6, 0xff));
  EXPECT_EQ(Bytes(frame.begin() + 6, frame.begin() + 12), Bytes(mac.begin(), mac.end()));
  EXPECT_EQ(read16(frame, 12), 0x0800);
  const Bytes ip(frame.begin() + 14, frame.end());
  EXPECT_EQ(read16(ip, 12), 0u);  // source 0.0.0.0
  EXPECT_EQ(read16(ip, 14), 0u);
  EXPECT_EQ(read16(ip, 16), 0xffff);  // destination 255.255.255.255
  EXPECT_EQ(read16(ip, 18), 0xffff);
  EXPECT_EQ(read16(ip, 20), 68);
  EXPECT_EQ(read16(ip, 22), 67);
  EXPECT_EQ(checksum_finish(checksum_accumulate({ip.data(), kIpv4HeaderSize})), 0);
  EXPECT_EQ(Bytes(frame.end() - static_cast<long>(kPayload.size()), frame.end()), kPayload);
}

TEST(BuildProbeFrame, RefusesOversizedPayloads) {
  EXPECT_TRUE(build_probe_frame({}, Bytes(kMaxUdpPayloadSize + 1), 1).empty());
}

// --- the Linux listener on loopback ---------------------------------------

bool bring_up_loopback() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  ok = ok && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  close(fd);
  return ok;
}

bool send_udp(uint16_t from_port, uint16_t to_port, const Bytes& payload) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_port = htons(from_port);
  from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in to = from;
  to.sin_port = htons(to_port);
  const bool ok =
      bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof(from)) == 0 &&
      sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to),
             sizeof(to)) == static_cast<ssize_t>(payload.size());
  close(fd);
  return ok;
}

// A probe leaving lo, seen by an ETH_P_ALL capture (outgoing copies reach
// only those); empty if none within a second.
Bytes capture_probe(int capture) {
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
    if (buffer.size() > 14 + 24 && read16(buffer, 14 + 22) == 67) return buffer;
  }
  return {};
}

struct LoopbackRun {
  std::string skipped;  // why the test could not run, if it could not
  std::string error;
  std::vector<SniffedFrame> frames;
  std::vector<int> watched;
  RogueListenerCounters counters;
  bool probe_sent = false;
  Bytes probe;
};

// Runs in its own thread and namespace: lo up, a listener on lo, a UDP
// datagram to port 68 (wanted) and one to port 67 (filtered out), then a
// probe out of lo.
LoopbackRun run_on_loopback() {
  LoopbackRun run;
  if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
    run.skipped = "needs root to create a network namespace";
    return run;
  }
  if (!bring_up_loopback()) {
    run.error = "cannot bring lo up";
    return run;
  }
  InterfaceInfo lo;
  lo.name = "lo";
  lo.ifindex = static_cast<int>(if_nametoindex("lo"));
  lo.address = Ip4{0x7f000001};
  auto listener = open_linux_rogue_listener(std::span<const InterfaceInfo>(&lo, 1));
  if (!listener) {
    run.error = listener.error().message;
    return run;
  }
  run.watched = (*listener)->watched();
  if (!send_udp(1067, 67, {0xaa}) || !send_udp(2067, 68, {0xbb, 0xcc})) {
    run.error = "cannot send test datagrams";
    return run;
  }
  for (int attempt = 0; attempt < 20 && run.frames.empty(); ++attempt) {
    usleep(50'000);
    (*listener)->poll(run.frames, 8);
  }
  usleep(100'000);  // a wrongly accepted second frame would have arrived by now
  (*listener)->poll(run.frames, 8);
  const int capture = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  run.probe_sent = (*listener)->send_probe(lo.ifindex, kPayload);
  if (capture >= 0) {
    run.probe = capture_probe(capture);
    close(capture);
  }
  run.counters = (*listener)->counters();
  return run;
}

TEST(LinuxRogueListener, SeesOnlyIncomingFramesToTheClientPortAndProbes) {
  LoopbackRun run;
  std::thread([&run] { run = run_on_loopback(); }).join();
  if (!run.skipped.empty()) GTEST_SKIP() << run.skipped;
  ASSERT_TRUE(run.error.empty()) << run.error;
  EXPECT_EQ(run.watched, std::vector<int>{static_cast<int>(if_nametoindex("lo"))});
  // One frame: the looped-back copy to port 68, not its outgoing twin and
  // not the datagram to port 67.
  ASSERT_EQ(run.frames.size(), 1u);
  EXPECT_EQ(run.frames[0].source_port, 2067);
  EXPECT_EQ(run.frames[0].source, Ip4{0x7f000001});
  EXPECT_EQ(run.frames[0].payload, (Bytes{0xbb, 0xcc}));
  EXPECT_EQ(run.counters.frames, 1u);
  EXPECT_EQ(run.counters.frames_malformed, 0u);
  EXPECT_TRUE(run.probe_sent);
  EXPECT_EQ(run.counters.probes_sent, 1u);
  ASSERT_FALSE(run.probe.empty()) << "no probe seen leaving lo";
  EXPECT_EQ(read16(run.probe, 0), 0xffff);  // Ethernet broadcast
  EXPECT_EQ(Bytes(run.probe.end() - static_cast<long>(kPayload.size()), run.probe.end()), kPayload);
}

TEST(LinuxRogueListener, RefusesProbesOnUnwatchedLinks) {
  LoopbackRun run;
  bool sent = true;
  std::thread([&] {
    if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
      run.skipped = "needs root to create a network namespace";
      return;
    }
    auto listener = open_linux_rogue_listener({});
    if (listener) sent = (*listener)->send_probe(1, kPayload);
  }).join();
  if (!run.skipped.empty()) GTEST_SKIP() << run.skipped;
  EXPECT_FALSE(sent);
}

}  // namespace
}  // namespace bs::io
