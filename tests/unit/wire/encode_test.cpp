// Encoder tests: RFC 2131 layout, size limits, RFC 3396 splitting, BOOTP
// padding, option 82 placement and encode->decode round trips.
#include <gtest/gtest.h>

#include "unit/wire/raw_packet.h"
#include "wire/packet.h"

namespace bs::wire {
namespace {

constexpr size_t kBootpMin = 300;
constexpr size_t kMaxEthernet = 1500 - 28;

Packet sample_offer() {
  Packet packet;
  packet.op = Op::BootReply;
  packet.hops = 1;
  packet.xid = 0x01020304;
  packet.secs = 7;
  packet.flags = kBroadcastFlag;
  packet.ciaddr = Ip4{0x0a000001};
  packet.yiaddr = Ip4{0xc0000232};
  packet.siaddr = Ip4{0xc0000201};
  packet.giaddr = Ip4{0xc0000202};
  packet.chaddr = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  packet.sname[0] = 'b';
  packet.file[0] = 'f';
  packet.set(opt::kMessageType, {2});
  packet.set_ip(opt::kServerId, Ip4{0xc0000201});
  packet.set_u32(opt::kLeaseTime, 3600);
  return packet;
}

// Walks the encoded options field and lists each instance's (code, length),
// stopping at END; independent of decode() on purpose.
std::vector<std::pair<uint8_t, size_t>> instances(const Bytes& wire) {
  std::vector<std::pair<uint8_t, size_t>> out;
  size_t pos = test::kOffOptions;
  while (pos < wire.size() && wire[pos] != opt::kEnd) {
    if (wire[pos] == opt::kPad) {
      ++pos;
      continue;
    }
    out.emplace_back(wire[pos], wire[pos + 1]);
    pos += 2 + wire[pos + 1];
  }
  return out;
}

TEST(Encode, FixedFieldsAtRfcOffsets) {
  const Bytes wire = encode(sample_offer());
  ASSERT_GE(wire.size(), test::kOffOptions);
  EXPECT_EQ(wire[0], 2);
  EXPECT_EQ(wire[1], 1);
  EXPECT_EQ(wire[2], 6);
  EXPECT_EQ(wire[test::kOffHops], 1);
  EXPECT_EQ(Bytes(wire.begin() + 4, wire.begin() + 8), (Bytes{1, 2, 3, 4}));
  EXPECT_EQ(wire[test::kOffSecs + 1], 7);
  EXPECT_EQ(wire[test::kOffFlags], 0x80);
  EXPECT_EQ(wire[test::kOffCiaddr], 10);
  EXPECT_EQ(wire[test::kOffYiaddr + 3], 0x32);
  EXPECT_EQ(wire[test::kOffSiaddr + 3], 0x01);
  EXPECT_EQ(wire[test::kOffGiaddr + 3], 0x02);
  EXPECT_EQ(wire[test::kOffChaddr + 5], 0x56);
  EXPECT_EQ(wire[test::kOffSname], 'b');
  EXPECT_EQ(wire[test::kOffFile], 'f');
  EXPECT_EQ(Bytes(wire.begin() + 236, wire.begin() + 240), (Bytes{99, 130, 83, 99}));
  EXPECT_EQ(Bytes(wire.begin() + 240, wire.begin() + 243), (Bytes{53, 1, 2}));
}

TEST(Encode, EndsWithEndAndPadsToBootpMinimum) {
  Packet packet;
  packet.set(opt::kMessageType, {1});
  const Bytes wire = encode(packet);
  ASSERT_EQ(wire.size(), kBootpMin);
  EXPECT_EQ(wire[243], opt::kEnd);
  for (size_t i = 244; i < wire.size(); ++i) EXPECT_EQ(wire[i], opt::kPad) << i;
}

TEST(Encode, NoPaddingWhenAlreadyLongerThanMinimum) {
  Packet packet;
  packet.set(43, Bytes(100, 7));
  const Bytes wire = encode(packet);
  EXPECT_EQ(wire.size(), 240u + 102 + 1);
  EXPECT_EQ(wire.back(), opt::kEnd);
}

TEST(Encode, OptionThatDoesNotFitIsSkippedLaterOnesKept) {
  // 548 bytes leave 548 - 240 - 1 = 307 bytes for options.
  Packet packet;
  packet.set(opt::kMessageType, {5});              // 3 bytes, 304 left
  packet.set(43, Bytes(250, 1));                   // 252 bytes, 52 left
  packet.set(opt::kVendorClassId, Bytes(100, 2));  // 102: does not fit
  packet.set(opt::kHostName, Bytes(40, 3));        // 42 bytes, 10 left
  packet.set(opt::kDomainName, Bytes(8, 4));       // 10 bytes, exactly fits
  const Bytes wire = encode(packet, 548);
  EXPECT_EQ(wire.size(), 548u);
  const auto decoded = decode(wire);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->options.size(), 4u);
  EXPECT_EQ(decoded->find(opt::kVendorClassId), nullptr);
  EXPECT_EQ(decoded->find(opt::kHostName)->data, Bytes(40, 3));
  EXPECT_EQ(decoded->find(opt::kDomainName)->data, Bytes(8, 4));
}

TEST(Encode, MaxSizeIsClamped) {
  Packet packet;
  for (uint8_t code = 100; code < 110; ++code) packet.set(code, Bytes(200, code));
  EXPECT_LE(encode(packet, 10).size(), kMinMessageSize);
  EXPECT_EQ(encode(packet, 10), encode(packet, kMinMessageSize));
  EXPECT_LE(encode(packet, 65535).size(), kMaxEthernet);
  EXPECT_EQ(encode(packet, 65535), encode(packet, kMaxEthernet));
}

TEST(Encode, NeverExceedsMaxSize) {
  Packet packet;
  for (uint8_t code = 100; code < 140; ++code) {
    packet.set(code, Bytes(static_cast<size_t>((code * 37) % 300), code));
  }
  for (size_t max = kMinMessageSize; max <= kMaxEthernet; ++max) {
    const Bytes wire = encode(packet, max);
    ASSERT_LE(wire.size(), max);
    ASSERT_TRUE(decode(wire)) << max;
  }
}

TEST(Encode, LongOptionSplitIntoInstances) {
  Packet packet;
  Bytes data(600);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  packet.set(43, data);
  const Bytes wire = encode(packet, kMaxEthernet);
  const auto parts = instances(wire);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], (std::pair<uint8_t, size_t>{43, 255}));
  EXPECT_EQ(parts[1], (std::pair<uint8_t, size_t>{43, 255}));
  EXPECT_EQ(parts[2], (std::pair<uint8_t, size_t>{43, 90}));
  const auto decoded = decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->find(43)->data, data);
}

TEST(Encode, SplitBoundaries) {
  Packet packet;
  packet.set(43, Bytes(255, 1));
  packet.set(60, Bytes(256, 2));
  packet.set(80, {});
  const auto parts = instances(encode(packet, kMaxEthernet));
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], (std::pair<uint8_t, size_t>{43, 255}));
  EXPECT_EQ(parts[1], (std::pair<uint8_t, size_t>{60, 255}));
  EXPECT_EQ(parts[2], (std::pair<uint8_t, size_t>{60, 1}));
  EXPECT_EQ(parts[3], (std::pair<uint8_t, size_t>{80, 0}));
}

TEST(Encode, SplitOptionIsSkippedWholeWhenItDoesNotFit) {
  Packet packet;
  packet.set(43, Bytes(400, 1));  // 404 bytes on the wire; 307 available
  packet.set(opt::kMessageType, {2});
  const auto parts = instances(encode(packet, 548));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].first, opt::kMessageType);
}

TEST(Encode, FramingAndOverloadCodesAreNotCopied) {
  Packet packet;
  packet.set(opt::kPad, {1});
  packet.set(opt::kOverload, {3});
  packet.set(opt::kEnd, {});
  packet.set(opt::kMessageType, {2});
  const auto parts = instances(encode(packet));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].first, opt::kMessageType);
}

TEST(Encode, RelayAgentInfoIsWrittenLast) {
  Packet packet = sample_offer();
  packet.options.insert(packet.options.begin(), Option{opt::kRelayAgentInfo, {1, 2, 'e', '0'}});
  const auto parts = instances(encode(packet));
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts.back(), (std::pair<uint8_t, size_t>{opt::kRelayAgentInfo, 4}));
}

TEST(Encode, RelayAgentInfoKeepsItsRoomWhenSpaceIsShort) {
  Packet packet;
  packet.set(opt::kMessageType, {2});              // 3 bytes, 304 left
  packet.set(43, Bytes(295, 1));                   // 297 would fit without option 82
  packet.set(opt::kRelayAgentInfo, Bytes(20, 9));  // 22 bytes, reserved first
  const Bytes wire = encode(packet, 548);
  const auto decoded = decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->find(43), nullptr);
  ASSERT_NE(decoded->find(opt::kRelayAgentInfo), nullptr);
  EXPECT_EQ(decoded->find(opt::kRelayAgentInfo)->data, Bytes(20, 9));
}

void expect_same(const Packet& a, const Packet& b) {
  EXPECT_EQ(a.op, b.op);
  EXPECT_EQ(a.htype, b.htype);
  EXPECT_EQ(a.hlen, b.hlen);
  EXPECT_EQ(a.hops, b.hops);
  EXPECT_EQ(a.xid, b.xid);
  EXPECT_EQ(a.secs, b.secs);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.ciaddr, b.ciaddr);
  EXPECT_EQ(a.yiaddr, b.yiaddr);
  EXPECT_EQ(a.siaddr, b.siaddr);
  EXPECT_EQ(a.giaddr, b.giaddr);
  EXPECT_EQ(a.chaddr, b.chaddr);
  EXPECT_EQ(a.sname, b.sname);
  EXPECT_EQ(a.file, b.file);
  ASSERT_EQ(a.options.size(), b.options.size());
  for (size_t i = 0; i < a.options.size(); ++i) {
    EXPECT_EQ(a.options[i].code, b.options[i].code) << i;
    EXPECT_EQ(a.options[i].data, b.options[i].data) << i;
  }
}

TEST(RoundTrip, EncodeThenDecodeGivesSamePacket) {
  Packet packet = sample_offer();
  packet.set(opt::kDomainNameServers, {192, 0, 2, 53, 192, 0, 2, 54});
  packet.set(43, Bytes(300, 0x5a));
  const auto decoded = decode(encode(packet, kMaxEthernet));
  ASSERT_TRUE(decoded);
  expect_same(packet, *decoded);
}

TEST(RoundTrip, OverloadedPacketReencodesToSameContent) {
  test::RawPacket raw;
  raw.put(test::kOffFile, {12, 4, 'h', 'o', 's', 't', 255});
  raw.put(test::kOffSname, {15, 3, 'l', 'a', 'n', 255});
  raw.option(53, {1}).option(52, {3}).end();
  const auto first = decode(raw.bytes());
  ASSERT_TRUE(first);
  const auto second = decode(encode(*first));
  ASSERT_TRUE(second);
  expect_same(*first, *second);
}

}  // namespace
}  // namespace bs::wire
