// Scenario tests: the real server pipeline (handler, engine, group commit)
// driven through a FakeTransport by a scripted client, one exchange at a
// time, against an in-memory lease store.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

constexpr const char* kOfficeConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600, "renew-timer": 1800, "rebind-timer": 3000,
  "decline-probation-period": 600,
  "option-data": [{"name": "domain-name-servers", "data": "198.18.1.53"},
                  {"name": "ntp-servers", "data": "198.18.1.123"},
                  {"name": "domain-name", "data": "office.example", "always-send": true}],
  "subnet4": [
    {"id": 1, "subnet": "198.18.1.0/24",
     "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}],
     "option-data": [{"name": "routers", "data": "198.18.1.1"}],
     "reservations": [{"hw-address": "02:cc:00:00:00:99", "ip-address": "198.18.1.50",
                       "hostname": "counter-1"}]},
    {"id": 2, "subnet": "198.18.3.0/24",
     "pools": [{"pool": "198.18.3.100 - 198.18.3.101"}],
     "relay": {"ip-addresses": ["198.18.3.1"]},
     "option-data": [{"name": "routers", "data": "198.18.3.1"}]}
  ]}})";

Ip4 ip(const char* text) { return *parse_ip4(text); }

class DoraTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }

  void start() {
    auto parsed = config::parse_config(kOfficeConfig, "office.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    server_.reset();
    auto created = server::Server::create(config_, store_, transport_, clock_);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
  }

  TestClient client(uint8_t mac_last_byte) {
    return TestClient(transport_, *server_, mac_last_byte);
  }

  config::Config config_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{office_link()}};
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
  const Ip4 server_id_ = ip("198.18.1.1");
};

TEST_F(DoraTest, DiscoverGetsOfferWithRequestedOptions) {
  TestClient pc = client(1);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.message_type(), MessageType::Offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.1.100"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kServerId), server_id_);
  EXPECT_EQ(offer->packet.option_u32(wire::opt::kLeaseTime), 3600u);
  EXPECT_EQ(offer->packet.option_u32(wire::opt::kRenewalTime), 1800u);
  EXPECT_EQ(offer->packet.option_u32(wire::opt::kRebindingTime), 3000u);
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kSubnetMask), ip("255.255.255.0"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kRouters), ip("198.18.1.1"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.1.53"));
  EXPECT_NE(offer->packet.find(wire::opt::kDomainName), nullptr);
  // ntp-servers (42) is configured but was not in the request list.
  EXPECT_EQ(offer->packet.find(42), nullptr);
  // An offer promises nothing, so nothing is written.
  EXPECT_EQ(store_.commit_count(), 0u);
}

TEST_F(DoraTest, AckOnlyAfterLeaseIsCommitted) {
  TestClient pc = client(1);
  ASSERT_EQ(pc.dora(), ip("198.18.1.100"));
  ASSERT_EQ(store_.rows().size(), 1u);
  EXPECT_EQ(store_.rows()[0].address, ip("198.18.1.100"));
  EXPECT_EQ(store_.rows()[0].state, LeaseState::Assigned);
  EXPECT_EQ(store_.rows()[0].valid_lifetime_s, 3600u);
}

TEST_F(DoraTest, NoAckWhenStoreFailsThenRecovers) {
  TestClient pc = client(1);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  store_.set_failing(true);
  EXPECT_FALSE(pc.request_selecting(offer->packet.yiaddr, server_id_));
  EXPECT_EQ(server_->counters().commit_failures, 1u);
  EXPECT_EQ(server_->engine().find_by_address(offer->packet.yiaddr)->state, LeaseState::Offered);
  store_.set_failing(false);
  auto ack = pc.request_selecting(offer->packet.yiaddr, server_id_);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(store_.rows().size(), 1u);
}

TEST_F(DoraTest, TwoClientsInOneBurstGetDifferentAddresses) {
  TestClient a = client(1), b = client(2);
  auto offer_a = a.discover();
  auto offer_b = b.discover();
  ASSERT_TRUE(offer_a && offer_b);
  EXPECT_NE(offer_a->packet.yiaddr, offer_b->packet.yiaddr);
}

TEST_F(DoraTest, NonBroadcastClientIsReachedAtItsMac) {
  TestClient pc = client(1);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->tx.delivery, io::Delivery::LinkUnicast);
  EXPECT_EQ(offer->tx.destination, offer->packet.yiaddr);
  EXPECT_EQ(to_string(offer->tx.destination_hw), "02:cc:00:00:00:01");
  pc.broadcast = true;
  auto broadcast_offer = pc.discover();
  ASSERT_TRUE(broadcast_offer);
  EXPECT_EQ(broadcast_offer->tx.delivery, io::Delivery::Broadcast);
}

TEST_F(DoraTest, RenewKeepsAddressAndRepliesByUnicast) {
  TestClient pc = client(1);
  const Ip4 address = pc.dora();
  clock_.advance_s(1800);
  auto renewed = pc.request_renew(address);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(renewed->packet.yiaddr, address);
  EXPECT_EQ(renewed->tx.delivery, io::Delivery::UdpUnicast);
  EXPECT_EQ(renewed->tx.destination, address);
  EXPECT_EQ(store_.rows()[0].cltt_s, clock_.now_s());
}

TEST_F(DoraTest, RebindKeepsAddress) {
  TestClient pc = client(1);
  const Ip4 address = pc.dora();
  clock_.advance_s(3000);
  auto rebound = pc.request_renew(address, /*rebinding=*/true);
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(rebound->packet.yiaddr, address);
}

TEST_F(DoraTest, RebindOfForeignAddressIsIgnored) {
  TestClient pc = client(1);
  EXPECT_FALSE(pc.request_renew(ip("198.18.9.9"), /*rebinding=*/true));
  EXPECT_EQ(server_->counters().dropped(server::DropReason::Silent), 1u);
}

TEST_F(DoraTest, ReleaseFreesTheAddressForOthers) {
  TestClient a = client(1), b = client(2);
  const Ip4 address = a.dora();
  EXPECT_FALSE(a.release(address, server_id_));  // RELEASE gets no reply
  EXPECT_EQ(server_->engine().find_by_address(address)->state, LeaseState::Reclaimed);
  EXPECT_EQ(store_.rows()[0].state, LeaseState::Reclaimed);
  EXPECT_EQ(b.dora(), address);  // lowest free address again
}

TEST_F(DoraTest, ReturningClientGetsItsPreviousAddress) {
  TestClient a = client(1), b = client(2);
  b.dora();
  const Ip4 address = a.dora();
  a.release(address, server_id_);
  EXPECT_EQ(a.dora(), address);
}

TEST_F(DoraTest, DeclineQuarantinesTheAddress) {
  TestClient a = client(1), b = client(2);
  const Ip4 address = a.dora();
  EXPECT_FALSE(a.decline(address, server_id_));
  EXPECT_EQ(server_->engine().find_by_address(address)->state, LeaseState::Declined);
  const Ip4 other = b.dora();
  EXPECT_NE(other, address);
  EXPECT_NE(other, Ip4{});
  // After the probation period the address returns to the pool.
  clock_.advance_s(601);
  TestClient c = client(3);
  c.discover();  // the round reclaims expired state
  EXPECT_NE(server_->engine().find_by_address(address)->state, LeaseState::Declined);
}

TEST_F(DoraTest, InformGetsConfigurationWithoutLease) {
  TestClient pc = client(1);
  auto ack = pc.inform(ip("198.18.1.20"));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_TRUE(ack->packet.yiaddr.is_zero());
  EXPECT_EQ(ack->packet.find(wire::opt::kLeaseTime), nullptr);
  EXPECT_EQ(ack->packet.option_ip(wire::opt::kRouters), ip("198.18.1.1"));
  EXPECT_EQ(ack->tx.destination, ip("198.18.1.20"));
  EXPECT_EQ(server_->engine().lease_count(), 0u);
}

// Kea 2.2 sends routers, domain-name-servers and domain-name whenever they
// are configured; a dhcpcd with a minimal config asks for none of them.
TEST_F(DoraTest, BasicOptionsAreSentWithoutBeingRequested) {
  TestClient pc = client(1);
  pc.parameter_request_list = {1};
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kRouters), ip("198.18.1.1"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.1.53"));
  EXPECT_NE(offer->packet.find(wire::opt::kDomainName), nullptr);
  EXPECT_EQ(offer->packet.find(42), nullptr);  // ntp-servers: configured, not basic
  pc.parameter_request_list.clear();           // no option 55 at all
  auto ack = pc.request_selecting(offer->packet.yiaddr, server_id_);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(ack->packet.option_ip(wire::opt::kRouters), ip("198.18.1.1"));
  EXPECT_EQ(ack->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.1.53"));
  auto informed = pc.inform(ip("198.18.1.20"));
  ASSERT_TRUE(informed);
  EXPECT_EQ(informed->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.1.53"));
}

TEST(BasicOptions, NotConfiguredMeansNotSent) {
  auto parsed = config::parse_config(kSmallOfficeConfig, "small.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  store::MemoryLeaseStore store;
  io::FakeTransport transport{{office_link()}};
  FakeClock clock;
  auto server = server::Server::create(*parsed, store, transport, clock);
  ASSERT_TRUE(server) << server.error();
  TestClient pc(transport, **server, 1);
  pc.parameter_request_list = {1, 3, 6, 15};
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.message_type(), MessageType::Offer);
  for (uint8_t code :
       {wire::opt::kRouters, wire::opt::kDomainNameServers, wire::opt::kDomainName}) {
    EXPECT_EQ(offer->packet.find(code), nullptr) << int{code};
  }
}

TEST_F(DoraTest, InitRebootOfOwnLeaseIsAcked) {
  TestClient pc = client(1);
  const Ip4 address = pc.dora();
  auto ack = pc.request_init_reboot(address);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(ack->packet.yiaddr, address);
}

TEST_F(DoraTest, InitRebootOnWrongNetworkIsNaked) {
  TestClient pc = client(1);
  auto nak = pc.request_init_reboot(ip("198.18.7.7"));
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->packet.message_type(), MessageType::Nak);
  EXPECT_EQ(nak->tx.delivery, io::Delivery::Broadcast);
}

TEST_F(DoraTest, InitRebootOfAnotherClientsAddressIsNaked) {
  TestClient a = client(1), b = client(2);
  const Ip4 address = a.dora();
  auto nak = b.request_init_reboot(address);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->packet.message_type(), MessageType::Nak);
}

TEST_F(DoraTest, InitRebootOutsidePoolWithoutRecordIsSilent) {
  TestClient pc = client(1);
  EXPECT_FALSE(pc.request_init_reboot(ip("198.18.1.20")));
}

TEST_F(DoraTest, ForgottenClientInPoolIsReadopted) {
  TestClient pc = client(1);
  auto ack = pc.request_init_reboot(ip("198.18.1.105"));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.message_type(), MessageType::Ack);
  EXPECT_EQ(store_.rows().size(), 1u);
}

TEST_F(DoraTest, RequestForAnotherServerIsIgnored) {
  TestClient pc = client(1);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_FALSE(pc.request_selecting(offer->packet.yiaddr, ip("198.18.1.254")));
  EXPECT_EQ(server_->counters().dropped(server::DropReason::NotForUs), 1u);
}

TEST_F(DoraTest, ReservedClientGetsReservedAddressAndNobodyElseDoes) {
  TestClient counter = client(0x99);
  EXPECT_EQ(counter.dora(), ip("198.18.1.50"));
  TestClient intruder = client(5);
  auto nak = intruder.request_init_reboot(ip("198.18.1.50"));
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->packet.message_type(), MessageType::Nak);
  auto offer = intruder.discover(ip("198.18.1.50"));
  ASSERT_TRUE(offer);
  EXPECT_NE(offer->packet.yiaddr, ip("198.18.1.50"));
}

TEST_F(DoraTest, ReservationHostnameIsSent) {
  TestClient counter = client(0x99);
  auto offer = counter.discover();
  ASSERT_TRUE(offer);
  const wire::Option* name = offer->packet.find(wire::opt::kHostName);
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(std::string(name->data.begin(), name->data.end()), "counter-1");
}

TEST_F(DoraTest, ClientIdIdentifiesTheClientAndIsEchoed) {
  TestClient laptop = client(1);
  laptop.client_id = {0x01, 0x02, 0xcc, 0, 0, 0, 1};
  const Ip4 first = laptop.dora();
  // Same MAC, different client id: a different client (e.g. a second OS).
  TestClient other_os = client(1);
  other_os.client_id = {0xff, 0x12, 0x34};
  auto offer = other_os.discover();
  ASSERT_TRUE(offer);
  EXPECT_NE(offer->packet.yiaddr, first);
  const wire::Option* echoed = offer->packet.find(wire::opt::kClientId);
  ASSERT_NE(echoed, nullptr);
  EXPECT_EQ(echoed->data, other_os.client_id);
}

TEST_F(DoraTest, SmallMaxMessageSizeIsRespected) {
  TestClient pc = client(1);
  pc.max_message_size = 576;
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_LE(offer->tx.payload.size(), 576u - 28u);
}

TEST_F(DoraTest, RelayedClientGetsRelaySubnetAndOption82IsEchoed) {
  TestClient remote = client(7);
  remote.giaddr = ip("198.18.3.1");
  remote.relay_agent_info = {1, 4, 'p', 'o', 'r', 't'};
  auto offer = remote.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, ip("198.18.3.100"));
  EXPECT_EQ(offer->packet.option_ip(wire::opt::kRouters), ip("198.18.3.1"));
  EXPECT_EQ(offer->tx.delivery, io::Delivery::UdpUnicast);
  EXPECT_EQ(offer->tx.destination, ip("198.18.3.1"));
  EXPECT_EQ(offer->tx.destination_port, wire::kServerPort);
  const wire::Option* echoed = offer->packet.find(wire::opt::kRelayAgentInfo);
  ASSERT_NE(echoed, nullptr);
  EXPECT_EQ(echoed->data, remote.relay_agent_info);
  EXPECT_EQ(offer->packet.options.back().code, wire::opt::kRelayAgentInfo);
}

TEST_F(DoraTest, PoolExhaustionIsCountedNotCrashed) {
  TestClient a = client(1), b = client(2), c = client(3);
  for (TestClient* remote : {&a, &b, &c}) remote->giaddr = ip("198.18.3.1");
  EXPECT_NE(a.dora(), Ip4{});
  EXPECT_NE(b.dora(), Ip4{});
  EXPECT_FALSE(c.discover());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::PoolExhausted), 1u);
}

TEST_F(DoraTest, MalformedPacketsAreCountedAndDropped) {
  io::RxPacket garbage;
  garbage.payload = Bytes(100, 0xab);
  garbage.ifindex = 2;
  transport_.inject(garbage);
  server_->run_once();
  EXPECT_TRUE(transport_.take_sent().empty());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::Malformed), 1u);
  // The server still serves afterwards.
  EXPECT_NE(client(1).dora(), Ip4{});
}

TEST_F(DoraTest, RestartServesSameClientsSameAddresses) {
  TestClient a = client(1), b = client(2);
  const Ip4 address_a = a.dora();
  const Ip4 address_b = b.dora();
  start();  // a new server over the same store, as after a restart
  TestClient a2 = client(1), b2 = client(2);
  auto reboot = a2.request_init_reboot(address_a);
  ASSERT_TRUE(reboot);
  EXPECT_EQ(reboot->packet.message_type(), MessageType::Ack);
  auto offer = b2.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->packet.yiaddr, address_b);
}

TEST_F(DoraTest, ABatchIsOneCommit) {
  // Ten REQUESTs arriving together are made durable in one transaction.
  std::vector<TestClient> clients;
  for (uint8_t i = 1; i <= 8; ++i) clients.push_back(client(i));
  for (auto& pc : clients) {
    io::RxPacket rx;
    wire::Packet packet = pc.query(MessageType::Request);
    packet.set_ip(wire::opt::kRequestedAddress, Ip4{ip("198.18.1.100").value + pc.hw_[5] - 1});
    rx.payload = wire::encode(packet, 1472);
    rx.ifindex = 2;
    transport_.inject(rx);
  }
  server_->run_once();
  EXPECT_EQ(transport_.take_sent().size(), 8u);
  EXPECT_EQ(store_.commit_count(), 1u);
  EXPECT_EQ(store_.rows().size(), 8u);
}

TEST_F(DoraTest, EventsRecordGrantsDeclinesNaksAndStorageErrors) {
  TestClient a = client(1), b = client(2);
  const Ip4 address = a.dora();
  b.request_init_reboot(address);  // NAK: a holds it
  a.decline(address, server_id_);
  store_.set_failing(true);
  TestClient c = client(3);
  c.dora();
  std::vector<server::EventKind> kinds;
  for (const auto& event : server_->events().all()) kinds.push_back(event.kind);
  using server::EventKind;
  EXPECT_EQ(kinds, (std::vector<EventKind>{EventKind::LeaseGranted, EventKind::Nak,
                                           EventKind::Declined, EventKind::StorageError}));
  EXPECT_EQ(server_->events().all().front().address, address);
  EXPECT_EQ(server_->counters().naks, 1u);
  EXPECT_EQ(server_->counters().declines, 1u);
}

// RFC 3396 joins repeated option 12s, so a client can send a 1000-byte name
// (issue 9e); the lease keeps the 255 bytes lease4-add would accept.
TEST_F(DoraTest, HostnameFromRepeatedOption12sIsCappedAt255Bytes) {
  TestClient pc = client(1);
  pc.hostname = std::string(1000, 'h');
  // On the wire that is four option-12 instances, joined again by decode.
  const Bytes wire = wire::encode(pc.query(MessageType::Discover), 1472);
  int instances = 0;
  for (size_t at = 240; at + 1 < wire.size() && wire[at] != 255; at += 2 + wire[at + 1]) {
    if (wire[at] == wire::opt::kHostName) ++instances;
  }
  EXPECT_EQ(instances, 4);
  const auto decoded = wire::decode(wire);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->find(wire::opt::kHostName)->data.size(), 1000u);

  const Ip4 address = pc.dora();
  ASSERT_NE(address, Ip4{});
  const Lease* lease = server_->engine().find_by_address(address);
  ASSERT_NE(lease, nullptr);
  EXPECT_EQ(lease->hostname, std::string(255, 'h'));
  ASSERT_EQ(store_.rows().size(), 1u);
  EXPECT_EQ(store_.rows()[0].hostname, std::string(255, 'h'));
}

TEST_F(DoraTest, RecoveryModeLastsOneLeaseLifetime) {
  EXPECT_FALSE(server_->in_recovery());
  server_->enter_recovery(clock_.now_s());
  EXPECT_TRUE(server_->in_recovery());
  EXPECT_EQ(server_->recovery_until_s(), clock_.now_s() + 3600);
  clock_.advance_s(3599);
  server_->run_once();
  EXPECT_TRUE(server_->in_recovery());
  clock_.advance_s(1);
  server_->run_once();
  EXPECT_FALSE(server_->in_recovery());
  ASSERT_EQ(server_->events().all().size(), 2u);
  EXPECT_EQ(server_->events().all().back().kind, server::EventKind::Recovery);
}

TEST_F(DoraTest, AClientThatKeepsDecliningCannotDrainThePool) {
  TestClient pc = client(1);
  std::vector<Ip4> declined;
  for (int round = 0; round < 6; ++round) {
    const Ip4 address = pc.dora();
    ASSERT_NE(address, Ip4{});
    pc.decline(address, server_id_);
    declined.push_back(address);
  }
  // Three addresses quarantined; after that the client is stuck on its own.
  EXPECT_EQ(server_->engine().stats(1, clock_.now_s()).declined, 3u);
  EXPECT_EQ(server_->counters().dropped(server::DropReason::DeclineLimit), 3u);
  EXPECT_EQ(declined[3], declined[4]);
  EXPECT_EQ(declined[4], declined[5]);
  // Other clients are still served from the rest of the pool.
  EXPECT_NE(client(2).dora(), Ip4{});
}

TEST_F(DoraTest, AReloadDoesNotResetTheDeclineLimit) {
  TestClient pc = client(1);
  for (int round = 0; round < 3; ++round) {
    const Ip4 address = pc.dora();
    ASSERT_NE(address, Ip4{});
    pc.decline(address, server_id_);
  }
  server_->reload(config_);
  const Ip4 address = pc.dora();
  ASSERT_NE(address, Ip4{});
  pc.decline(address, server_id_);
  EXPECT_EQ(server_->counters().dropped(server::DropReason::DeclineLimit), 1u);
  EXPECT_EQ(server_->engine().stats(1, clock_.now_s()).declined, 3u);
}

}  // namespace
}  // namespace bs::testing
