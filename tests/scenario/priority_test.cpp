// Priority under overload, through the real pipeline: 24 PCs' DISCOVERs
// arrive before one public counter's, and the server takes 8 per round
// (reading up to 32 ahead into the intake).
// With a priority policy the counter's OFFER leaves in the first round;
// without one it waits behind every PC. A renewal keeps its place ahead of
// newcomers, and PCs are still served (delayed, not starved).
#include <gtest/gtest.h>

#include <string_view>

#include "common/clock.h"
#include "config/config.h"
#include "scenario_fixture.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

constexpr const char* kOfficeConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.10 - 198.18.1.200"}]}]}})";

constexpr uint8_t kCounterBand = 5;

// Stands in for a class test: option 60 "counter" is the public counter.
uint8_t counter_priority(const classify::PacketContext& context) {
  const wire::Option* vendor = context.packet.find(wire::opt::kVendorClassId);
  if (vendor == nullptr) return 0;
  const std::string_view text(reinterpret_cast<const char*>(vendor->data.data()),
                              vendor->data.size());
  return text == "counter" ? kCounterBand : 0;
}

class PriorityTest : public ScenarioTest {
 protected:
  void start(bool priority) {
    server::ServerOptions options;
    options.batch_max = 8;
    ScenarioTest::start(kOfficeConfig, options);
    if (priority) server_->set_priority(server::PriorityPolicy(counter_priority));
  }

  io::RxPacket discover_from(uint8_t mac, bool counter) {
    TestClient client(transport_, *server_, mac);
    client.xid = 0x7000 + mac;
    wire::Packet packet = client.query(MessageType::Discover);
    if (counter) packet.set(wire::opt::kVendorClassId, Bytes{'c', 'o', 'u', 'n', 't', 'e', 'r'});
    io::RxPacket rx;
    rx.payload = wire::encode(packet, 1472);
    rx.ifindex = 2;
    return rx;
  }

  // The round (1-based) in which the reply with `xid` left, 0 if never.
  int round_of_reply(uint32_t xid, int max_rounds) {
    for (int round = 1; round <= max_rounds; ++round) {
      server_->run_once();
      clock_.advance_ms(10);
      for (const io::TxPacket& sent : transport_.take_sent()) {
        auto reply = wire::decode(sent.payload);
        if (reply && reply->xid == xid) return round;
      }
    }
    return 0;
  }

  void flood_then_counter() {
    for (uint8_t mac = 1; mac <= 24; ++mac) transport_.inject(discover_from(mac, false));
    transport_.inject(discover_from(100, true));
  }
};

TEST_F(PriorityTest, TheCounterIsServedFirstWithPriority) {
  start(true);
  flood_then_counter();
  EXPECT_EQ(round_of_reply(0x7000 + 100, 10), 1);
}

TEST_F(PriorityTest, WithoutPriorityTheCounterWaitsItsTurn) {
  start(false);
  flood_then_counter();
  // 24 PCs ahead of it, 8 per round: the counter goes in the fourth round.
  EXPECT_EQ(round_of_reply(0x7000 + 100, 10), 4);
}

TEST_F(PriorityTest, PcsAreDelayedNotStarved) {
  start(true);
  flood_then_counter();
  // The last PC still gets its OFFER once the counter has gone.
  EXPECT_EQ(round_of_reply(0x7000 + 24, 10), 4);
}

TEST_F(PriorityTest, ARenewalKeepsItsPlaceAheadOfNewcomers) {
  start(true);
  TestClient phone(transport_, *server_, 200);
  const Ip4 address = phone.dora();
  ASSERT_FALSE(address.is_zero());
  for (uint8_t mac = 1; mac <= 24; ++mac) transport_.inject(discover_from(mac, false));
  phone.xid = 0x9999;
  wire::Packet renew = phone.query(MessageType::Request);
  renew.ciaddr = address;
  io::RxPacket rx;
  rx.payload = wire::encode(renew, 1472);
  rx.ifindex = 2;
  rx.source = address;
  transport_.inject(std::move(rx));
  EXPECT_EQ(round_of_reply(0x9999, 10), 1);
}

TEST_F(PriorityTest, AClassWithAPriorityInTheFileIsServedFirst) {
  // The same office, with the counters' class and its priority in the file
  // as an administrator writes it.
  std::string text = kOfficeConfig;
  const std::string classes = R"("client-classes": [{"name": "counters",
      "test": "substring(option[60].hex, 0, 7) == 'counter'",
      "user-context": {"blackstart-priority": 5}}],)";
  text.insert(text.find("\"valid-lifetime\""), classes);
  server::ServerOptions options;
  options.batch_max = 8;
  ScenarioTest::start(text, options);
  ASSERT_EQ(config_.client_classes.at(0).priority, 5);
  flood_then_counter();
  EXPECT_EQ(round_of_reply(0x7000 + 100, 10), 1);
}

TEST_F(PriorityTest, AFullIntakeDropsTheLowestBandAndCountsIt) {
  server::ServerOptions options;
  options.batch_max = 4;
  options.intake.capacity = 10;
  ScenarioTest::start(kOfficeConfig, options);
  server_->set_priority(server::PriorityPolicy(counter_priority));
  for (uint8_t mac = 1; mac <= 15; ++mac) transport_.inject(discover_from(mac, false));
  transport_.inject(discover_from(100, true));
  // Sixteen arrive, the intake holds ten: the counter still gets in.
  EXPECT_EQ(round_of_reply(0x7000 + 100, 1), 1);
  EXPECT_EQ(server_->counters().dropped(server::DropReason::IntakeFull), 6u);
}

}  // namespace
}  // namespace bs::testing
