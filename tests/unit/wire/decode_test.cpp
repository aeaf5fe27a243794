// Decoder tests: vectors laid out from RFC 2131 (message format), RFC 2132
// (options, overload) and RFC 3396 (long options), plus every DecodeError.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "unit/wire/raw_packet.h"
#include "wire/packet.h"

namespace bs::wire {
namespace {

using test::RawPacket;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// A DISCOVER written out field by field rather than through RawPacket, so
// the offsets themselves are under test.
Bytes hand_built_discover() {
  Bytes p;
  p.insert(p.end(), {1, 1, 6, 0});                          // op, htype, hlen, hops
  p.insert(p.end(), {0x39, 0x03, 0xf3, 0x26});              // xid
  p.insert(p.end(), {0x00, 0x05, 0x80, 0x00});              // secs = 5, flags = broadcast
  p.insert(p.end(), {0, 0, 0, 0});                          // ciaddr
  p.insert(p.end(), {0, 0, 0, 0});                          // yiaddr
  p.insert(p.end(), {0, 0, 0, 0});                          // siaddr
  p.insert(p.end(), {0, 0, 0, 0});                          // giaddr
  p.insert(p.end(), {0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42});  // chaddr
  p.resize(p.size() + 10 + 64 + 128, 0);                    // chaddr padding, sname, file
  p.insert(p.end(), {99, 130, 83, 99});                     // magic cookie
  p.insert(p.end(), {53, 1, 1});                            // DHCPDISCOVER
  p.insert(p.end(), {61, 7, 1, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42});
  p.insert(p.end(), {50, 4, 192, 0, 2, 10});  // requested address
  p.insert(p.end(), {57, 2, 0x05, 0xdc});     // max message size 1500
  p.insert(p.end(), {55, 4, 1, 3, 15, 6});    // parameter request list
  p.insert(p.end(), {255});
  return p;
}

TEST(Decode, HandBuiltDiscoverFields) {
  const Bytes raw = hand_built_discover();
  ASSERT_EQ(raw.size(), 240u + 3 + 9 + 6 + 4 + 6 + 1);
  const auto packet = decode(raw);
  ASSERT_TRUE(packet) << to_string(packet.error());
  EXPECT_EQ(packet->op, Op::BootRequest);
  EXPECT_EQ(packet->htype, 1);
  EXPECT_EQ(packet->hlen, 6);
  EXPECT_EQ(packet->hops, 0);
  EXPECT_EQ(packet->xid, 0x3903f326u);
  EXPECT_EQ(packet->secs, 5);
  EXPECT_EQ(packet->flags, 0x8000);
  EXPECT_TRUE(packet->broadcast_flag());
  EXPECT_TRUE(packet->ciaddr.is_zero());
  EXPECT_TRUE(packet->giaddr.is_zero());
  EXPECT_EQ(to_string(packet->hw_address()), "00:0b:82:01:fc:42");
  EXPECT_EQ(packet->hw_address().htype, 1);
}

TEST(Decode, HandBuiltDiscoverOptions) {
  const auto packet = decode(hand_built_discover());
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->message_type(), MessageType::Discover);
  ASSERT_NE(packet->find(opt::kClientId), nullptr);
  EXPECT_EQ(packet->find(opt::kClientId)->data, (Bytes{1, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42}));
  EXPECT_EQ(packet->option_ip(opt::kRequestedAddress), Ip4{0xc000020a});
  EXPECT_EQ(packet->option_u16(opt::kMaxMessageSize), 1500);
  ASSERT_NE(packet->find(opt::kParameterRequestList), nullptr);
  EXPECT_EQ(packet->find(opt::kParameterRequestList)->data, (Bytes{1, 3, 15, 6}));
  ASSERT_EQ(packet->options.size(), 5u);
  EXPECT_EQ(packet->options[0].code, opt::kMessageType);
  EXPECT_EQ(packet->options[4].code, opt::kParameterRequestList);
}

TEST(Decode, FixedAddressFields) {
  RawPacket raw;
  raw.put(test::kOffHops, {2})
      .put(test::kOffCiaddr, {10, 0, 0, 1})
      .put(test::kOffYiaddr, {10, 0, 0, 2})
      .put(test::kOffSiaddr, {10, 0, 0, 3})
      .put(test::kOffGiaddr, {10, 0, 0, 4})
      .option(53, {3})
      .end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->hops, 2);
  EXPECT_EQ(packet->ciaddr, Ip4{0x0a000001});
  EXPECT_EQ(packet->yiaddr, Ip4{0x0a000002});
  EXPECT_EQ(packet->siaddr, Ip4{0x0a000003});
  EXPECT_EQ(packet->giaddr, Ip4{0x0a000004});
}

TEST(Decode, AcceptsBootReplyFromAnotherServer) {
  RawPacket raw(2);
  raw.put(test::kOffYiaddr, {192, 0, 2, 50}).option(53, {2}).option(54, {192, 0, 2, 1}).end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->op, Op::BootReply);
  EXPECT_EQ(packet->message_type(), MessageType::Offer);
  EXPECT_EQ(packet->option_ip(opt::kServerId), Ip4{0xc0000201});
}

TEST(Decode, BootpWithoutMessageTypeIsAccepted) {
  RawPacket raw;
  raw.end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  EXPECT_FALSE(packet->message_type().has_value());
  EXPECT_TRUE(packet->options.empty());
}

TEST(Decode, PadsAreSkippedAndBytesAfterEndIgnored) {
  RawPacket raw;
  raw.raw({0, 0}).option(53, {1}).raw({0}).option(12, {'p', 'c'}).end().raw({1, 200, 7, 7});
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  ASSERT_EQ(packet->options.size(), 2u);
  EXPECT_EQ(packet->find(opt::kHostName)->data, bytes_of("pc"));
}

TEST(Decode, ZeroLengthOptionIsKept) {
  RawPacket raw;
  raw.option(80, {}).end();  // rapid commit carries no data
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  ASSERT_NE(packet->find(80), nullptr);
  EXPECT_TRUE(packet->find(80)->data.empty());
}

TEST(Decode, Rfc3396ConcatenatesRepeatedOptionsInFirstSeenOrder) {
  RawPacket raw;
  raw.option(55, {1, 3}).option(53, {1}).option(55, {6, 15}).option(55, {}).end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  ASSERT_EQ(packet->options.size(), 2u);
  EXPECT_EQ(packet->options[0].code, 55);
  EXPECT_EQ(packet->options[0].data, (Bytes{1, 3, 6, 15}));
  EXPECT_EQ(packet->options[1].code, 53);
}

TEST(Decode, Rfc3396LongOptionOver255Bytes) {
  Bytes first(255, 0xaa);
  Bytes second(45, 0xbb);
  RawPacket raw;
  raw.raw({43, 255}).raw(first).raw({43, 45}).raw(second).end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  const Option* vendor = packet->find(43);
  ASSERT_NE(vendor, nullptr);
  ASSERT_EQ(vendor->data.size(), 300u);
  EXPECT_EQ(vendor->data[254], 0xaa);
  EXPECT_EQ(vendor->data[255], 0xbb);
}

TEST(Decode, OverloadFileCarriesOptions) {
  RawPacket raw;
  raw.put(test::kOffSname, {'s', 'r', 'v'});
  raw.put(test::kOffFile, {12, 4, 'h', 'o', 's', 't', 55, 2, 1, 3, 255});
  raw.option(53, {1}).option(52, {1}).end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet) << to_string(packet.error());
  EXPECT_EQ(packet->find(opt::kHostName)->data, bytes_of("host"));
  EXPECT_EQ(packet->find(opt::kParameterRequestList)->data, (Bytes{1, 3}));
  EXPECT_EQ(packet->find(opt::kOverload), nullptr);
  EXPECT_EQ(packet->file, (std::array<uint8_t, 128>{}));
  EXPECT_EQ(packet->sname[0], 's');  // not overloaded, kept as a name
}

TEST(Decode, OverloadSnameCarriesOptions) {
  RawPacket raw;
  raw.put(test::kOffSname, {15, 3, 'l', 'a', 'n', 255});
  raw.put(test::kOffFile, {'p', 'x', 'e'});
  raw.option(53, {2}).option(52, {2}).end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->find(opt::kDomainName)->data, bytes_of("lan"));
  EXPECT_EQ(packet->sname, (std::array<uint8_t, 64>{}));
  EXPECT_EQ(packet->file[0], 'p');
}

TEST(Decode, OverloadBothConcatenatesOptionsThenFileThenSname) {
  RawPacket raw;
  raw.put(test::kOffFile, {12, 2, 'c', 'd', 255});
  raw.put(test::kOffSname, {12, 2, 'e', 'f', 255});
  raw.option(12, {'a', 'b'}).option(52, {3}).end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet);
  ASSERT_EQ(packet->options.size(), 1u);
  EXPECT_EQ(packet->find(opt::kHostName)->data, bytes_of("abcdef"));
}

TEST(Decode, OverloadedFieldMayRunToItsEndWithoutEnd) {
  RawPacket raw;
  raw.put(test::kOffSname, {43, 62});  // fills all 64 bytes of sname exactly
  raw.option(52, {2}).end();
  const auto packet = decode(raw.bytes());
  ASSERT_TRUE(packet) << to_string(packet.error());
  EXPECT_EQ(packet->find(43)->data.size(), 62u);
}

DecodeError decode_error(const Bytes& bytes) {
  const auto packet = decode(bytes);
  EXPECT_FALSE(packet.has_value());
  return packet ? DecodeError::TooShort : packet.error();
}

TEST(DecodeError, TooShort) {
  EXPECT_EQ(decode_error({}), DecodeError::TooShort);
  Bytes raw = RawPacket().bytes();
  raw.pop_back();  // 239 bytes: cookie cut short
  EXPECT_EQ(decode_error(raw), DecodeError::TooShort);
}

TEST(DecodeError, TooLong) {
  RawPacket raw;
  raw.end();
  raw.bytes().resize(kMaxDecodeSize + 1, 0);
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::TooLong);
  raw.bytes().resize(kMaxDecodeSize);
  EXPECT_TRUE(decode(raw.bytes()));
}

TEST(DecodeError, BadOp) {
  for (const uint8_t op : {uint8_t{0}, uint8_t{3}, uint8_t{255}}) {
    RawPacket raw(op);
    raw.end();
    EXPECT_EQ(decode_error(raw.bytes()), DecodeError::BadOp) << int{op};
  }
}

TEST(DecodeError, BadHlen) {
  RawPacket raw;
  raw.end().put(2, {17});
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::BadHlen);
  raw.put(2, {16});
  EXPECT_TRUE(decode(raw.bytes()));
}

TEST(DecodeError, BadMagicCookie) {
  RawPacket raw;
  raw.end().put(test::kOffCookie, {99, 130, 83, 98});
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::BadMagicCookie);
}

TEST(DecodeError, OptionLengthOverrun) {
  RawPacket raw;
  raw.option(53, {1}).raw({12, 10, 'a', 'b'});
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::OptionTruncated);
}

TEST(DecodeError, OptionLengthByteMissing) {
  RawPacket raw;
  raw.option(53, {1}).raw({12});
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::OptionTruncated);
}

TEST(DecodeError, MissingEnd) {
  RawPacket raw;
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::MissingEnd);  // empty options field
  raw.option(53, {1}).raw({0, 0, 0});
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::MissingEnd);
}

TEST(DecodeError, BadOverloadValueOrLength) {
  for (const Bytes& data : {Bytes{0}, Bytes{4}, Bytes{1, 2}, Bytes{}}) {
    RawPacket raw;
    raw.raw({52, static_cast<uint8_t>(data.size())}).raw(data).end();
    EXPECT_EQ(decode_error(raw.bytes()), DecodeError::BadOverload);
  }
}

TEST(DecodeError, OverloadInsideOverloadedField) {
  RawPacket raw;
  raw.put(test::kOffFile, {52, 1, 2, 255}).option(52, {1}).end();
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::BadOverload);
}

TEST(DecodeError, OverloadedFieldOptionOverrun) {
  RawPacket raw;
  raw.put(test::kOffSname + 60, {12, 10}).option(52, {2}).end();
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::OptionTruncated);
}

TEST(DecodeError, BadMessageType) {
  for (const Bytes& data : {Bytes{0}, Bytes{9}, Bytes{1, 1}, Bytes{}}) {
    RawPacket raw;
    raw.raw({53, static_cast<uint8_t>(data.size())}).raw(data).end();
    EXPECT_EQ(decode_error(raw.bytes()), DecodeError::BadMessageType);
  }
}

TEST(DecodeError, RepeatedMessageTypeConcatenatesToBadLength) {
  RawPacket raw;
  raw.option(53, {1}).option(53, {1}).end();
  EXPECT_EQ(decode_error(raw.bytes()), DecodeError::BadMessageType);
}

TEST(DecodeError, EveryErrorHasItsOwnText) {
  std::set<std::string> texts;
  for (size_t i = 0; i < kDecodeErrorCount; ++i) {
    texts.insert(to_string(static_cast<DecodeError>(i)));
  }
  EXPECT_EQ(texts.size(), kDecodeErrorCount);
}

TEST(MessageTypeText, UsesDhcpNames) {
  EXPECT_STREQ(to_string(MessageType::Discover), "DHCPDISCOVER");
  EXPECT_STREQ(to_string(MessageType::Inform), "DHCPINFORM");
}

TEST(PacketHelpers, SetReplacesAndRemoveDeletes) {
  Packet packet;
  packet.set_u32(opt::kLeaseTime, 3600);
  packet.set_ip(opt::kServerId, Ip4{0xc0000201});
  packet.set_u32(opt::kLeaseTime, 7200);
  ASSERT_EQ(packet.options.size(), 2u);
  EXPECT_EQ(packet.find(opt::kLeaseTime)->data, (Bytes{0, 0, 0x1c, 0x20}));
  EXPECT_EQ(packet.option_u32(opt::kLeaseTime), 7200u);
  EXPECT_EQ(packet.option_ip(opt::kServerId), Ip4{0xc0000201});
  packet.remove(opt::kLeaseTime);
  EXPECT_EQ(packet.find(opt::kLeaseTime), nullptr);
  EXPECT_EQ(packet.options.size(), 1u);
}

TEST(PacketHelpers, TypedGettersRejectWrongLengths) {
  Packet packet;
  packet.set(opt::kServerId, {1, 2, 3});
  packet.set(opt::kMaxMessageSize, {1});
  packet.set(opt::kMessageType, {1, 2});
  EXPECT_FALSE(packet.option_ip(opt::kServerId));
  EXPECT_FALSE(packet.option_u16(opt::kMaxMessageSize));
  EXPECT_FALSE(packet.message_type());
  EXPECT_FALSE(packet.option_u32(opt::kLeaseTime));
}

TEST(PacketHelpers, HwAddressNeverReadsPastChaddr) {
  Packet packet;
  packet.hlen = 200;
  packet.chaddr.fill(0x11);
  EXPECT_EQ(packet.hw_address().length, 16);
  packet.hlen = 0;
  EXPECT_TRUE(packet.hw_address().empty());
}

}  // namespace
}  // namespace bs::wire
