// Rogue detection on the pipeline side: which sniffed frames count as a
// foreign server, what the probe looks like, when it is sent, and that a
// new server is reported once while every answer is counted.
#include "server/rogue_watch.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "io/fake_rogue_listener.h"

namespace bs::server {
namespace {

using wire::MessageType;

constexpr std::array<uint8_t, 6> kOurMac = {0x02, 0xaa, 0, 0, 0, 1};
constexpr std::array<uint8_t, 6> kOtherLinkMac = {0x02, 0xaa, 0, 0, 0, 2};
constexpr std::array<uint8_t, 6> kRogueMac = {0x02, 0xdd, 0, 0, 0, 2};
const Ip4 kOurIp{0xc6120101};    // 198.18.1.1
const Ip4 kLabIp{0xc6120201};    // 198.18.2.1
const Ip4 kRogueIp{0xc6120102};  // 198.18.1.2

std::vector<io::InterfaceInfo> our_links() {
  io::InterfaceInfo office;
  office.ifindex = 2;
  office.name = "office0";
  office.address = kOurIp;
  office.prefix_len = 24;
  office.mac = kOurMac;
  io::InterfaceInfo lab = office;
  lab.ifindex = 3;
  lab.name = "lab0";
  lab.address = kLabIp;
  lab.mac = kOtherLinkMac;
  return {office, lab};
}

wire::Packet reply(MessageType type, std::optional<Ip4> server_id = kRogueIp) {
  wire::Packet packet;
  packet.op = wire::Op::BootReply;
  packet.xid = 0x1234;
  packet.yiaddr = Ip4{0xc61201c8};
  packet.chaddr = {0x02, 0xcc, 0, 0, 0, 7};
  packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
  if (server_id) packet.set_ip(wire::opt::kServerId, *server_id);
  return packet;
}

io::SniffedFrame frame(const wire::Packet& packet, std::array<uint8_t, 6> mac = kRogueMac,
                       Ip4 source = kRogueIp) {
  io::SniffedFrame out;
  out.ifindex = 2;
  out.source_mac = mac;
  out.source = source;
  out.source_port = 67;
  out.destination = Ip4{0xffffffffu};
  out.payload = wire::encode(packet);
  return out;
}

TEST(ClassifyFrame, ReportsForeignOffersAndAcks) {
  const auto links = our_links();
  const auto offer = classify_frame(frame(reply(MessageType::Offer)), links);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->server, kRogueIp);
  EXPECT_EQ(to_string(offer->hw_address), "02:dd:00:00:00:02");
  EXPECT_EQ(offer->interface, "office0");
  EXPECT_EQ(offer->type, MessageType::Offer);
  EXPECT_FALSE(offer->answered_probe);
  const auto ack = classify_frame(frame(reply(MessageType::Ack)), links);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->type, MessageType::Ack);
}

TEST(ClassifyFrame, PrefersServerIdentifierOverIpSource) {
  // A relay forwarding another server's answer: IP source is the relay.
  const Ip4 relay{0xc6120103};
  auto sighting = classify_frame(frame(reply(MessageType::Offer), kRogueMac, relay), our_links());
  ASSERT_TRUE(sighting.has_value());
  EXPECT_EQ(sighting->server, kRogueIp);
  sighting =
      classify_frame(frame(reply(MessageType::Offer, std::nullopt), kRogueMac, relay), our_links());
  ASSERT_TRUE(sighting.has_value());
  EXPECT_EQ(sighting->server, relay);
}

TEST(ClassifyFrame, IgnoresOurselvesOnAnyServedLink) {
  const auto links = our_links();
  // Our MAC (another served link on the same segment).
  EXPECT_FALSE(classify_frame(frame(reply(MessageType::Offer), kOtherLinkMac), links));
  // Our address as server identifier (our answer forwarded by a relay).
  EXPECT_FALSE(classify_frame(frame(reply(MessageType::Ack, kLabIp)), links));
  // Our address as IP source.
  EXPECT_FALSE(
      classify_frame(frame(reply(MessageType::Offer, std::nullopt), kRogueMac, kOurIp), links));
}

TEST(ClassifyFrame, IgnoresEverythingButOffersAndAcks) {
  const auto links = our_links();
  EXPECT_FALSE(classify_frame(frame(reply(MessageType::Nak)), links));
  wire::Packet no_type = reply(MessageType::Offer);
  no_type.remove(wire::opt::kMessageType);  // plain BOOTP
  EXPECT_FALSE(classify_frame(frame(no_type), links));
  wire::Packet request = reply(MessageType::Offer);
  request.op = wire::Op::BootRequest;
  EXPECT_FALSE(classify_frame(frame(request), links));
  io::SniffedFrame garbage = frame(reply(MessageType::Offer));
  garbage.payload.resize(40);
  EXPECT_FALSE(classify_frame(garbage, links));
}

TEST(ClassifyFrame, RecognisesAnswersToOurProbe) {
  wire::Packet answer = reply(MessageType::Offer);
  answer.xid = kProbeXidPrefix | 7;
  std::copy(kOtherLinkMac.begin(), kOtherLinkMac.end(), answer.chaddr.begin());
  const auto sighting = classify_frame(frame(answer), our_links());
  ASSERT_TRUE(sighting.has_value());
  EXPECT_TRUE(sighting->answered_probe);
}

TEST(ProbeDiscover, IsABroadcastDiscoverFromOurMac) {
  const auto decoded = wire::decode(build_probe_discover(kOurMac, kProbeXidPrefix | 3));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->op, wire::Op::BootRequest);
  EXPECT_EQ(decoded->message_type(), MessageType::Discover);
  EXPECT_EQ(decoded->xid, kProbeXidPrefix | 3);
  EXPECT_TRUE(decoded->broadcast_flag());
  EXPECT_EQ(to_string(decoded->hw_address()), "02:aa:00:00:00:01");
  const wire::Option* vendor = decoded->find(wire::opt::kVendorClassId);
  ASSERT_NE(vendor, nullptr);
  EXPECT_EQ(std::string(vendor->data.begin(), vendor->data.end()), kProbeVendorClass);
  EXPECT_TRUE(is_own_probe(*decoded, our_links()));
}

TEST(IsOwnProbe, OnlyDiscoversFromOurMacs) {
  const auto links = our_links();
  auto probe = wire::decode(build_probe_discover(kOtherLinkMac, kProbeXidPrefix));
  ASSERT_TRUE(probe.has_value());
  EXPECT_TRUE(is_own_probe(*probe, links));
  wire::Packet client = *probe;
  client.chaddr = {0x02, 0xcc, 0, 0, 0, 7};
  EXPECT_FALSE(is_own_probe(client, links));
  wire::Packet request = *probe;
  request.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(MessageType::Request)});
  EXPECT_FALSE(is_own_probe(request, links));
}

class RogueWatchTest : public ::testing::Test {
 protected:
  void attach(RogueOptions options = {}) {
    auto listener = std::make_unique<io::FakeRogueListener>(std::vector<int>{2, 3});
    listener_ = listener.get();
    watch_.attach(std::move(listener), options, links_);
  }
  void poll() { watch_.poll(links_, clock_, events_); }
  size_t rogue_events() const {
    size_t count = 0;
    for (const Event& event : events_.all()) count += event.kind == EventKind::RogueServer;
    return count;
  }

  std::vector<io::InterfaceInfo> links_ = our_links();
  FakeClock clock_;
  EventLog events_;
  RogueWatch watch_;
  io::FakeRogueListener* listener_ = nullptr;
};

TEST_F(RogueWatchTest, DoesNothingWithoutAListener) {
  poll();
  EXPECT_EQ(watch_.tracker().sightings_total(), 0u);
  EXPECT_EQ(watch_.listener(), nullptr);
}

TEST_F(RogueWatchTest, ProbesEveryWatchedLinkAtStartThenPerInterval) {
  attach({.probe_interval_ms = 60'000});
  poll();
  auto probes = listener_->take_probes();
  ASSERT_EQ(probes.size(), 2u);
  EXPECT_EQ(probes[0].ifindex, 2);
  EXPECT_EQ(probes[1].ifindex, 3);
  const auto first = wire::decode(probes[1].payload);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(to_string(first->hw_address()), "02:aa:00:00:00:02");  // that link's own MAC
  clock_.advance_s(59);
  poll();
  EXPECT_TRUE(listener_->take_probes().empty());
  clock_.advance_s(1);
  poll();
  probes = listener_->take_probes();
  ASSERT_EQ(probes.size(), 2u);
  const auto second = wire::decode(probes[0].payload);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->xid, first->xid);
  EXPECT_EQ(second->xid & kProbeXidMask, kProbeXidPrefix);
}

TEST_F(RogueWatchTest, ListensOnlyWhenTheIntervalIsZero) {
  attach({.probe_interval_ms = 0});
  poll();
  clock_.advance_s(3600);
  poll();
  EXPECT_TRUE(listener_->take_probes().empty());
}

TEST_F(RogueWatchTest, ReportsANewServerOnceAndCountsEveryAnswer) {
  attach();
  listener_->inject(frame(reply(MessageType::Offer)));
  poll();
  EXPECT_EQ(rogue_events(), 1u);
  const Event& event = events_.all().back();
  EXPECT_EQ(event.address, kRogueIp);
  EXPECT_EQ(to_string(event.hw_address), "02:dd:00:00:00:02");
  EXPECT_NE(event.text.find("office0"), std::string::npos);
  EXPECT_NE(event.text.find("DHCPOFFER"), std::string::npos);
  clock_.advance_s(5);
  listener_->inject(frame(reply(MessageType::Offer)));
  listener_->inject(frame(reply(MessageType::Ack)));
  listener_->inject(frame(reply(MessageType::Offer), kOurMac));  // ourselves: ignored
  poll();
  EXPECT_EQ(rogue_events(), 1u);
  ASSERT_EQ(watch_.tracker().servers().size(), 1u);
  EXPECT_EQ(watch_.tracker().servers()[0].offers, 2u);
  EXPECT_EQ(watch_.tracker().servers()[0].acks, 1u);
  EXPECT_EQ(watch_.tracker().sightings_total(), 3u);
  EXPECT_EQ(watch_.tracker().servers()[0].last_seen_s - watch_.tracker().servers()[0].first_seen_s,
            5);
}

TEST_F(RogueWatchTest, DrainsAtMostTheConfiguredFramesPerPoll) {
  attach({.probe_interval_ms = 0, .capacity = 256, .max_frames_per_poll = 2});
  for (int i = 0; i < 5; ++i) listener_->inject(frame(reply(MessageType::Offer)));
  poll();
  EXPECT_EQ(watch_.tracker().sightings_total(), 2u);
  EXPECT_EQ(listener_->pending(), 3u);
}

TEST_F(RogueWatchTest, StopsListingAtCapacity) {
  attach({.probe_interval_ms = 0, .capacity = 1});
  listener_->inject(frame(reply(MessageType::Offer)));
  listener_->inject(frame(reply(MessageType::Offer, Ip4{0xc6120109})));
  poll();
  EXPECT_EQ(watch_.tracker().servers().size(), 1u);
  EXPECT_EQ(watch_.tracker().untracked_total(), 1u);
  EXPECT_EQ(rogue_events(), 1u);
}

TEST(RogueOptionsFromEnv, ReadsTheProbeInterval) {
  ::setenv("BLACKSTART_ROGUE_PROBE_INTERVAL_S", "2", 1);
  EXPECT_EQ(rogue_options_from_env().probe_interval_ms, 2000);
  ::setenv("BLACKSTART_ROGUE_PROBE_INTERVAL_S", "0", 1);
  EXPECT_EQ(rogue_options_from_env().probe_interval_ms, 0);
  for (const char* bad : {"", "-1", "2s", "abc", "99999999999"}) {
    ::setenv("BLACKSTART_ROGUE_PROBE_INTERVAL_S", bad, 1);
    EXPECT_EQ(rogue_options_from_env().probe_interval_ms, 60'000) << "'" << bad << "'";
  }
  ::unsetenv("BLACKSTART_ROGUE_PROBE_INTERVAL_S");
  EXPECT_EQ(rogue_options_from_env().probe_interval_ms, 60'000);
}

}  // namespace
}  // namespace bs::server
