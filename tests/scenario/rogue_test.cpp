// Scenario: rogue-server detection inside the real pipeline. The server
// probes at its first round, reports a foreign OFFER once, keeps answering
// clients, and drops its own probe DISCOVER when a second served link on
// the same segment hears it. An HA partner answering the same clients is
// no rogue.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "fake_partner_link.h"
#include "io/fake_rogue_listener.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

const std::array<uint8_t, 6> kRogueMac = {0x02, 0xdd, 0, 0, 0, 2};
const Ip4 kRogueIp{0xc6120102};

io::SniffedFrame rogue_offer(Ip4 server = kRogueIp) {
  wire::Packet offer;
  offer.op = wire::Op::BootReply;
  offer.xid = 0x4242;
  offer.yiaddr = Ip4{0xc61201c8};
  offer.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(MessageType::Offer)});
  offer.set_ip(wire::opt::kServerId, server);
  io::SniffedFrame frame;
  frame.ifindex = office_link().ifindex;
  frame.source_mac = kRogueMac;
  frame.source = server;
  frame.source_port = 67;
  frame.payload = wire::encode(offer);
  return frame;
}

class RogueScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = config::parse_config(kSmallOfficeConfig, "office.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    auto created = server::Server::create(config_, store_, transport_, clock_);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
    auto listener = std::make_unique<io::FakeRogueListener>(std::vector<int>{2});
    listener_ = listener.get();
    server_->watch_for_rogues(std::move(listener), {.probe_interval_ms = 60'000});
  }

  size_t rogue_events() const {
    size_t count = 0;
    for (const auto& event : server_->events().all()) {
      count += event.kind == server::EventKind::RogueServer;
    }
    return count;
  }

  config::Config config_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{office_link()}};
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
  io::FakeRogueListener* listener_ = nullptr;
};

TEST_F(RogueScenario, ProbesAtStartAndReportsAForeignServerOnce) {
  server_->run_once();
  const auto probes = listener_->take_probes();
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].ifindex, 2);

  listener_->inject(rogue_offer());
  server_->run_once();
  listener_->inject(rogue_offer());
  server_->run_once();
  EXPECT_EQ(rogue_events(), 1u);
  ASSERT_EQ(server_->rogues().servers().size(), 1u);
  EXPECT_EQ(server_->rogues().servers()[0].server, kRogueIp);
  EXPECT_EQ(server_->rogues().servers()[0].offers, 2u);
  EXPECT_EQ(server_->rogues().sightings_total(), 2u);

  // Clients are still served.
  TestClient pc(transport_, *server_, 1);
  EXPECT_EQ(pc.dora(), Ip4{0xc6120164});
}

// The partner at 198.18.1.2 (its peer URL's address) answers on the
// shared link like any server; a server at .3 is still a rogue.
TEST_F(RogueScenario, TheHaPartnerIsNoRogue) {
  auto ha = config::parse_config(R"({"Dhcp4": {
    "interfaces-config": {"interfaces": ["office0"]},
    "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                 "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}]}],
    "hooks-libraries": [{"library": "libdhcp_ha.so", "parameters": {"high-availability": [{
      "this-server-name": "one", "mode": "load-balancing",
      "peers": [{"name": "one", "url": "http://198.18.1.1:8647/", "role": "primary"},
                {"name": "two", "url": "http://198.18.1.2:8647/", "role": "secondary"}]}]}}]}})",
                                 "ha.json");
  ASSERT_TRUE(ha) << ha.error().to_string();
  FakePartnerWire wire;
  server_->attach_partner(wire.end(clock_, 0), *ha->ha);
  listener_->inject(rogue_offer(kRogueIp));
  server_->run_once();
  EXPECT_TRUE(server_->rogues().servers().empty());
  EXPECT_EQ(rogue_events(), 0u);
  const Ip4 stranger{0xc6120103};
  listener_->inject(rogue_offer(stranger));
  server_->run_once();
  ASSERT_EQ(server_->rogues().servers().size(), 1u);
  EXPECT_EQ(server_->rogues().servers()[0].server, stranger);
}

TEST_F(RogueScenario, DropsItsOwnProbe) {
  server_->run_once();
  const auto probes = listener_->take_probes();
  ASSERT_EQ(probes.size(), 1u);
  io::RxPacket heard;
  heard.payload = probes[0].payload;
  heard.ifindex = office_link().ifindex;
  transport_.inject(std::move(heard));
  server_->run_once();
  EXPECT_TRUE(transport_.take_sent().empty());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::OwnProbe), 1u);
  EXPECT_EQ(server_->engine().lease_count(), 0u);
}

}  // namespace
}  // namespace bs::testing
