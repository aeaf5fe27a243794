// The conflict-probe packets: ARP requests and echo requests as built, and
// the parsers fed valid, foreign and truncated input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "io/ip_udp.h"
#include "io/prober.h"

namespace bs::io {
namespace {

Ip4 ip(const char* text) { return *parse_ip4(text); }
constexpr MacAddress kServerMac = {0x02, 0xaa, 0, 0, 0, 1};
constexpr MacAddress kOtherMac = {0x02, 0xee, 0x10, 0x20, 0x30, 0x40};

// An ARP reply as a device would send it, built by hand from RFC 826.
std::vector<uint8_t> arp_reply(const MacAddress& mac, Ip4 sender) {
  std::vector<uint8_t> packet = {0, 1, 8, 0, 6, 4, 0, 2};
  packet.insert(packet.end(), mac.begin(), mac.end());
  for (int shift = 24; shift >= 0; shift -= 8) packet.push_back(uint8_t(sender.value >> shift));
  packet.insert(packet.end(), kServerMac.begin(), kServerMac.end());
  packet.insert(packet.end(), {198, 18, 1, 1});
  return packet;
}

TEST(ArpProbe, RequestAsksForTheTargetFromTheServer) {
  const auto packet = build_arp_request(kServerMac, ip("198.18.1.1"), ip("198.18.1.100"));
  const std::vector<uint8_t> expected = {0,    1,    8, 0,  6, 4, 0, 1,  // ether/ip, request
                                         0x02, 0xaa, 0, 0,  0, 1,        // sender MAC
                                         198,  18,   1, 1,               // sender IP
                                         0,    0,    0, 0,  0, 0,        // unknown
                                         198,  18,   1, 100};            // target
  EXPECT_EQ(std::vector<uint8_t>(packet.begin(), packet.end()), expected);
}

TEST(ArpProbe, ReplyNamesSenderAddressAndMac) {
  auto answer = parse_arp_sender(arp_reply(kOtherMac, ip("198.18.1.100")));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->address, ip("198.18.1.100"));
  ASSERT_TRUE(answer->mac);
  EXPECT_EQ(*answer->mac, kOtherMac);
}

TEST(ArpProbe, ProbesFromZeroAndForeignFormatsAreNoAnswer) {
  EXPECT_FALSE(parse_arp_sender(arp_reply(kOtherMac, Ip4{})));
  auto not_ethernet = arp_reply(kOtherMac, ip("198.18.1.100"));
  not_ethernet[1] = 6;  // IEEE 802
  EXPECT_FALSE(parse_arp_sender(not_ethernet));
  auto not_ipv4 = arp_reply(kOtherMac, ip("198.18.1.100"));
  not_ipv4[5] = 16;
  EXPECT_FALSE(parse_arp_sender(not_ipv4));
  const auto full = arp_reply(kOtherMac, ip("198.18.1.100"));
  for (size_t length = 0; length < kArpPacketSize; ++length) {
    EXPECT_FALSE(parse_arp_sender(std::span<const uint8_t>(full.data(), length))) << length;
  }
}

TEST(IcmpProbe, EchoRequestHasAValidChecksum) {
  const auto packet = build_icmp_echo(0x1234, 7);
  EXPECT_EQ(packet[0], 8);
  EXPECT_EQ(packet[4], 0x12);
  EXPECT_EQ(packet[5], 0x34);
  EXPECT_EQ(packet[7], 7);
  // Summing a packet that includes its own checksum gives 0xffff (RFC 1071).
  EXPECT_EQ(checksum_finish(checksum_accumulate(packet)), 0);
}

std::vector<uint8_t> echo_reply_datagram(Ip4 source, uint16_t identifier, size_t ihl_words = 5) {
  std::vector<uint8_t> datagram(ihl_words * 4, 0);
  datagram[0] = static_cast<uint8_t>(0x40 | ihl_words);
  datagram[9] = 1;  // ICMP
  for (int i = 0; i < 4; ++i) datagram[12 + i] = uint8_t(source.value >> (24 - 8 * i));
  auto echo = build_icmp_echo(identifier, 1);
  echo[0] = 0;  // reply
  datagram.insert(datagram.end(), echo.begin(), echo.end());
  return datagram;
}

TEST(IcmpProbe, ReplyWithOurIdentifierNamesTheSource) {
  auto answer = parse_icmp_echo_reply(echo_reply_datagram(ip("198.18.3.100"), 0x4242), 0x4242);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->address, ip("198.18.3.100"));
  EXPECT_FALSE(answer->mac);
  // IP options shift the ICMP header.
  EXPECT_TRUE(parse_icmp_echo_reply(echo_reply_datagram(ip("198.18.3.100"), 0x4242, 7), 0x4242));
}

TEST(IcmpProbe, OtherIdentifiersTypesAndTruncationAreIgnored) {
  EXPECT_FALSE(parse_icmp_echo_reply(echo_reply_datagram(ip("198.18.3.100"), 1), 2));
  auto request = echo_reply_datagram(ip("198.18.3.100"), 2);
  request[20] = 8;  // an echo request, not a reply
  EXPECT_FALSE(parse_icmp_echo_reply(request, 2));
  auto not_icmp = echo_reply_datagram(ip("198.18.3.100"), 2);
  not_icmp[9] = 17;
  EXPECT_FALSE(parse_icmp_echo_reply(not_icmp, 2));
  auto bad_ihl = echo_reply_datagram(ip("198.18.3.100"), 2);
  bad_ihl[0] = 0x42;
  EXPECT_FALSE(parse_icmp_echo_reply(bad_ihl, 2));
  const auto full = echo_reply_datagram(ip("198.18.3.100"), 2);
  for (size_t length = 0; length < 28; ++length) {
    EXPECT_FALSE(parse_icmp_echo_reply(std::span<const uint8_t>(full.data(), length), 2)) << length;
  }
}

}  // namespace
}  // namespace bs::io

namespace bs::io {
namespace {

// The real socket path, against the kernel's own echo responder on
// loopback (no namespace needed: nothing leaves the host).
TEST(LinuxProber, LoopbackAnswersAnIcmpProbe) {
  auto prober = open_linux_prober({});
  if (!prober) GTEST_SKIP() << prober.error().message;
  const Ip4 loopback{0x7f000001u};
  ASSERT_TRUE((*prober)->send(ProbeRequest{loopback, ProbeMethod::Icmp, 0}));
  std::vector<ProbeAnswer> answers;
  for (int tries = 0; tries < 200 && answers.empty(); ++tries) {
    (*prober)->poll(answers, 8);
    if (answers.empty()) usleep(5000);
  }
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].address, loopback);
  EXPECT_EQ((*prober)->counters().sent, 1u);
  EXPECT_EQ((*prober)->counters().answers, 1u);
}

TEST(LinuxProber, ArpOnAnUnknownLinkIsCountedNotThrown) {
  auto prober = open_linux_prober({});
  if (!prober) GTEST_SKIP() << prober.error().message;
  EXPECT_FALSE((*prober)->send(ProbeRequest{Ip4{0xc6120164u}, ProbeMethod::Arp, 12345}));
  EXPECT_EQ((*prober)->counters().send_errors, 1u);
}

}  // namespace
}  // namespace bs::io
