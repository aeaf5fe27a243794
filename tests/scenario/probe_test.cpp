// Conflict probing, end to end in one process: the real pipeline with a
// FakeProber that answers for scripted addresses. Covers when a reply is
// parked, what silence, a stranger's answer and the client's own answer
// do, re-adoption, recovery mode, and the bounds (backlog, attempts).
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "io/fake_prober.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

std::string office_config(const std::string& probing) {
  return R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600, "decline-probation-period": 600,
  "conflict-probing": )" +
         probing + R"(,
  "subnet4": [
    {"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]},
    {"id": 2, "subnet": "198.18.3.0/24", "pools": [{"pool": "198.18.3.100 - 198.18.3.101"}],
     "relay": {"ip-addresses": ["198.18.3.1"]}}
  ]}})";
}

Ip4 ip(const char* text) { return *parse_ip4(text); }

constexpr io::MacAddress kStrangerMac = {0x02, 0xee, 0, 0, 0, 1};

class ProbeTest : public ::testing::Test {
 protected:
  void start(const std::string& probing = R"({"mode": "always", "timeout-ms": 300})") {
    auto parsed = config::parse_config(office_config(probing), "office.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    auto created = server::Server::create(config_, store_, transport_, clock_);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
    auto prober = std::make_unique<io::FakeProber>();
    prober_ = prober.get();
    server_->attach_prober(std::move(prober));
  }

  TestClient client(uint8_t mac_last_byte) {
    return TestClient(transport_, *server_, mac_last_byte);
  }

  // Lets the probe timeout pass and returns what the server sent then.
  std::optional<wire::Packet> after_timeout() {
    clock_.advance_ms(config_.probing.timeout_ms);
    server_->run_once();
    auto sent = transport_.take_sent();
    if (sent.empty()) return std::nullopt;
    auto decoded = wire::decode(sent.back().payload);
    if (!decoded) return std::nullopt;
    return *decoded;
  }

  const Lease* stored(Ip4 address) const {
    for (const Lease& row : store_.rows()) {
      if (row.address == address) return &row;
    }
    return nullptr;
  }

  config::Config config_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{office_link()}};
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
  io::FakeProber* prober_ = nullptr;
};

TEST_F(ProbeTest, OfferWaitsForTheProbeAndLeavesOnSilence) {
  start();
  TestClient pc = client(1);
  EXPECT_FALSE(pc.discover()) << "the OFFER must wait for the probe";
  ASSERT_EQ(prober_->sent.size(), 1u);
  EXPECT_EQ(prober_->sent[0].address, ip("198.18.1.100"));
  EXPECT_EQ(prober_->sent[0].method, io::ProbeMethod::Arp);
  EXPECT_EQ(prober_->sent[0].ifindex, office_link().ifindex);
  EXPECT_EQ(server_->probes_pending(), 1u);
  auto offer = after_timeout();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->message_type(), MessageType::Offer);
  EXPECT_EQ(offer->yiaddr, ip("198.18.1.100"));
  EXPECT_EQ(server_->counters().probe_timeouts, 1u);
  EXPECT_EQ(server_->probes_pending(), 0u);
}

TEST_F(ProbeTest, AnsweredAddressIsQuarantinedAndTheNextOneOffered) {
  start();
  prober_->occupied[ip("198.18.1.100").value] = kStrangerMac;
  TestClient pc = client(1);
  EXPECT_FALSE(pc.discover());
  // The conflict was handled in that round: .100 marked, .101 being probed.
  ASSERT_EQ(prober_->sent.size(), 2u);
  EXPECT_EQ(prober_->sent[1].address, ip("198.18.1.101"));
  EXPECT_EQ(server_->counters().probe_conflicts, 1u);
  const Lease* mark = stored(ip("198.18.1.100"));
  ASSERT_NE(mark, nullptr) << "the conflict must be durable";
  EXPECT_EQ(mark->state, LeaseState::Declined);
  EXPECT_EQ(mark->hw_address, make_hwaddr(kStrangerMac));
  EXPECT_EQ(mark->valid_lifetime_s, 600u);
  auto offer = after_timeout();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->yiaddr, ip("198.18.1.101"));
  // Another client is not offered the quarantined address either.
  TestClient other = client(2);
  EXPECT_FALSE(other.discover());
  EXPECT_EQ(prober_->sent.back().address, ip("198.18.1.102"));
}

TEST_F(ProbeTest, TheClientAnsweringForItselfIsNoConflict) {
  start();
  prober_->occupied[ip("198.18.1.100").value] = io::MacAddress{0x02, 0xcc, 0, 0, 0, 1};
  TestClient pc = client(1);
  auto offer = pc.discover();
  ASSERT_TRUE(offer) << "released as soon as the client's own MAC answers";
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.100"));
  EXPECT_EQ(server_->counters().probe_self_answers, 1u);
  EXPECT_EQ(server_->counters().probe_conflicts, 0u);
}

TEST_F(ProbeTest, UncertainModeLeavesFreshAddressesAlone) {
  start(R"({"mode": "uncertain"})");
  TestClient pc = client(1);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_TRUE(prober_->sent.empty());
}

TEST_F(ProbeTest, UncertainModeProbesARecentlyDeclinedAddress) {
  start(R"({"mode": "uncertain"})");
  TestClient first = client(1);
  ASSERT_EQ(first.dora(), ip("198.18.1.100"));
  first.decline(ip("198.18.1.100"), ip("198.18.1.1"));
  clock_.advance_s(601);  // probation over: free again, but recently declined
  TestClient second = client(2);
  EXPECT_FALSE(second.discover(ip("198.18.1.100")));
  ASSERT_EQ(prober_->sent.size(), 1u);
  EXPECT_EQ(prober_->sent[0].address, ip("198.18.1.100"));
}

TEST_F(ProbeTest, UncertainModeProbesAnAddressAnotherClientHeldRecently) {
  start(R"({"mode": "uncertain"})");
  TestClient first = client(1);
  ASSERT_EQ(first.dora(), ip("198.18.1.100"));
  clock_.advance_s(3601);  // expired, but its holder may still be using it
  TestClient second = client(2);
  EXPECT_FALSE(second.discover(ip("198.18.1.100")));
  ASSERT_EQ(prober_->sent.size(), 1u);
}

TEST_F(ProbeTest, UncertainModeTrustsTheFormerHoldersOwnAddress) {
  start(R"({"mode": "uncertain"})");
  TestClient first = client(1);
  ASSERT_EQ(first.dora(), ip("198.18.1.100"));
  clock_.advance_s(3601);  // lapsed, but nobody else was given it since
  EXPECT_TRUE(first.discover());
  EXPECT_TRUE(prober_->sent.empty());
}

TEST_F(ProbeTest, RecoveryModeProbesEveryAddressItBelievesFree) {
  start(R"({"mode": "uncertain"})");
  server_->enter_recovery(clock_.now_s());
  TestClient pc = client(1);
  EXPECT_FALSE(pc.discover());
  ASSERT_EQ(prober_->sent.size(), 1u);
  auto offer = after_timeout();
  ASSERT_TRUE(offer);
  ASSERT_TRUE(pc.request_selecting(offer->yiaddr, ip("198.18.1.1")));
  // Its own bound lease is not uncertain, even in recovery mode.
  prober_->sent.clear();
  EXPECT_TRUE(pc.discover());
  EXPECT_TRUE(prober_->sent.empty());
}

TEST_F(ProbeTest, ReadoptionWaitsForTheProbeAndCommitsOnSilence) {
  start(R"({"mode": "uncertain"})");
  TestClient pc = client(1);
  EXPECT_FALSE(pc.request_init_reboot(ip("198.18.1.105")));
  EXPECT_EQ(store_.commit_count(), 0u) << "nothing is committed before the probe ends";
  auto ack = after_timeout();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->message_type(), MessageType::Ack);
  EXPECT_EQ(ack->yiaddr, ip("198.18.1.105"));
  ASSERT_NE(stored(ip("198.18.1.105")), nullptr);
  EXPECT_EQ(stored(ip("198.18.1.105"))->state, LeaseState::Assigned);
}

TEST_F(ProbeTest, ReadoptionOfAnAddressAnotherDeviceUsesIsNaked) {
  start(R"({"mode": "uncertain"})");
  prober_->occupied[ip("198.18.1.105").value] = kStrangerMac;
  TestClient pc = client(1);
  auto reply = pc.request_init_reboot(ip("198.18.1.105"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->packet.message_type(), MessageType::Nak);
  EXPECT_EQ(stored(ip("198.18.1.105"))->state, LeaseState::Declined);
  EXPECT_EQ(server_->engine().find_by_address(ip("198.18.1.105"))->state, LeaseState::Declined);
}

TEST_F(ProbeTest, AForgottenClientFoundByAProbeKeepsItsAddress) {
  start(R"({"mode": "uncertain"})");
  server_->enter_recovery(clock_.now_s());
  // The server forgot that client 1 holds .100; client 1 answers ARP for it.
  const io::MacAddress forgotten_mac{0x02, 0xcc, 0, 0, 0, 1};
  prober_->occupied[ip("198.18.1.100").value] = forgotten_mac;
  TestClient newcomer = client(2);
  EXPECT_FALSE(newcomer.discover());
  const Lease* mark = stored(ip("198.18.1.100"));
  ASSERT_NE(mark, nullptr);
  EXPECT_EQ(mark->state, LeaseState::Declined);
  EXPECT_EQ(mark->hostname, server::kConflictMarkHostname);
  auto offer = after_timeout();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->yiaddr, ip("198.18.1.101"));
  // The forgotten client renews: the probe proved it uses .100, so it is
  // adopted, not NAKed into a new address.
  TestClient forgotten = client(1);
  auto ack = forgotten.request_renew(ip("198.18.1.100"));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(stored(ip("198.18.1.100"))->state, LeaseState::Assigned);
  // Anyone else claiming .100 is still refused.
  TestClient other = client(3);
  auto refused = other.request_init_reboot(ip("198.18.1.100"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->packet.message_type(), MessageType::Nak);
}

TEST_F(ProbeTest, RenewingThroughARouterIsAdoptedWithoutAnEcho) {
  start(R"({"mode": "uncertain"})");
  TestClient pc = client(1);
  // A relayed client renews by unicast: giaddr empty, ciaddr off this link.
  auto ack = pc.request_renew(ip("198.18.3.100"));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_TRUE(prober_->sent.empty()) << "the client would answer the echo itself";
}

TEST_F(ProbeTest, RelayedSubnetsAreProbedWithIcmp) {
  start();
  TestClient pc = client(1);
  pc.giaddr = ip("198.18.3.1");
  EXPECT_FALSE(pc.discover());
  ASSERT_EQ(prober_->sent.size(), 1u);
  EXPECT_EQ(prober_->sent[0].method, io::ProbeMethod::Icmp);
  EXPECT_EQ(prober_->sent[0].address, ip("198.18.3.100"));
}

TEST_F(ProbeTest, AFullTableDropsInsteadOfSkippingTheProbe) {
  start(R"({"mode": "always", "max-pending": 1})");
  TestClient a = client(1), b = client(2);
  EXPECT_FALSE(a.discover());
  EXPECT_FALSE(b.discover());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::ProbeBacklog), 1u);
  EXPECT_EQ(prober_->sent.size(), 1u);
  ASSERT_TRUE(after_timeout());
  // b's retransmission finds room.
  EXPECT_FALSE(b.discover());
  EXPECT_EQ(prober_->sent.size(), 2u);
}

TEST_F(ProbeTest, AQueryGivesUpAfterThreeAnsweredAddresses) {
  start();
  for (const char* taken : {"198.18.1.100", "198.18.1.101", "198.18.1.102"}) {
    prober_->occupied[ip(taken).value] = kStrangerMac;
  }
  TestClient pc = client(1);
  EXPECT_FALSE(pc.discover());
  EXPECT_EQ(server_->counters().probe_conflicts, 3u);
  EXPECT_EQ(server_->counters().dropped(server::DropReason::ProbeConflict), 1u);
  EXPECT_EQ(server_->probes_pending(), 0u);
  // The retransmission goes on with the addresses not yet known to be taken.
  EXPECT_FALSE(pc.discover());
  EXPECT_EQ(prober_->sent.back().address, ip("198.18.1.103"));
}

TEST_F(ProbeTest, ModeOffNeverProbes) {
  start(R"({"mode": "off"})");
  server_->enter_recovery(clock_.now_s());
  TestClient pc = client(1);
  EXPECT_TRUE(pc.discover());
  EXPECT_TRUE(pc.request_init_reboot(ip("198.18.1.105")));
  EXPECT_TRUE(prober_->sent.empty());
}

TEST_F(ProbeTest, ReloadUndoesParkedAdoptions) {
  start(R"({"mode": "uncertain"})");
  TestClient pc = client(1);
  EXPECT_FALSE(pc.request_init_reboot(ip("198.18.1.105")));
  server_->reload(config_);
  EXPECT_EQ(server_->probes_pending(), 0u);
  EXPECT_EQ(server_->engine().find_by_address(ip("198.18.1.105")), nullptr);
  EXPECT_FALSE(after_timeout());
}

}  // namespace
}  // namespace bs::testing
