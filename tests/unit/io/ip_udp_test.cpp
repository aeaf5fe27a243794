// Checks the hand-built IPv4/UDP headers against independently known
// values: RFC 1071's worked example and the property that a correct
// checksum makes the whole covered range sum to zero.
#include "io/ip_udp.h"

#include <gtest/gtest.h>

#include <vector>

namespace bs::io {
namespace {

uint16_t read16(const Bytes& bytes, size_t at) {
  return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

TEST(Checksum, MatchesRfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
  const std::vector<uint8_t> words = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_finish(checksum_accumulate(words)), static_cast<uint16_t>(~0xddf2u));
}

TEST(Checksum, PadsOddLengthWithZero) {
  const std::vector<uint8_t> odd = {0x12, 0x34, 0x56};
  const std::vector<uint8_t> padded = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(checksum_accumulate(odd), checksum_accumulate(padded));
}

TEST(BuildIpv4Udp, WritesHeadersThatVerify) {
  const std::vector<uint8_t> payload = {1, 2, 3, 4, 5};
  const UdpEndpoints ends{Ip4{0xc6120101}, 67, Ip4{0xc6120164}, 68};
  const Bytes frame = build_ipv4_udp(ends, payload, 7);
  ASSERT_EQ(frame.size(), kIpv4HeaderSize + kUdpHeaderSize + payload.size());
  EXPECT_EQ(frame[0], 0x45);
  EXPECT_EQ(read16(frame, 2), frame.size());
  EXPECT_EQ(read16(frame, 4), 7);
  EXPECT_EQ(frame[8], kDefaultTtl);
  EXPECT_EQ(frame[9], 17);
  EXPECT_EQ(read16(frame, 12), 0xc612);
  EXPECT_EQ(read16(frame, 18), 0x0164);
  // A header with a correct checksum sums to 0xffff, which finishes to 0.
  EXPECT_EQ(checksum_finish(checksum_accumulate({frame.data(), kIpv4HeaderSize})), 0);

  const uint8_t* udp = frame.data() + kIpv4HeaderSize;
  EXPECT_EQ(read16(frame, 20), 67);
  EXPECT_EQ(read16(frame, 22), 68);
  EXPECT_EQ(read16(frame, 24), kUdpHeaderSize + payload.size());
  const std::vector<uint8_t> pseudo = {0xc6, 0x12, 0x01, 0x01, 0xc6, 0x12,
                                       0x01, 0x64, 0,    17,   0,    13};
  const uint32_t sum =
      checksum_accumulate({udp, kUdpHeaderSize + payload.size()}, checksum_accumulate(pseudo));
  EXPECT_EQ(checksum_finish(sum), 0);
  EXPECT_EQ(std::vector<uint8_t>(udp + kUdpHeaderSize, frame.data() + frame.size()), payload);
}

TEST(BuildIpv4Udp, RefusesOversizedPayload) {
  const std::vector<uint8_t> payload(kMaxUdpPayloadSize + 1);
  EXPECT_TRUE(build_ipv4_udp({}, payload, 1).empty());
  const std::vector<uint8_t> largest(kMaxUdpPayloadSize);
  EXPECT_EQ(build_ipv4_udp({}, largest, 1).size(), 65535u);
}

}  // namespace
}  // namespace bs::io
