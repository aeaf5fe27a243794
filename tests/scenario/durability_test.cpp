// The durability rule as a property of the whole pipeline: through DORAs,
// renewals, probe conflicts (the query handled again for another address)
// and a lease store that fails every third batch, every ACK that leaves
// gives its client an address whose lease the store holds, bound to that
// client. The commit stage asserts the same pairing on the way out; this
// test would catch an ACK released without a commit (e.g. send_kept
// ignoring a failed commit) that the pairing alone cannot see.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "io/fake_prober.h"
#include "scenario_fixture.h"

namespace bs::testing {
namespace {

using wire::MessageType;

constexpr const char* kProbedOffice = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "valid-lifetime": 3600,
  "conflict-probing": {"mode": "always", "timeout-ms": 300},
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.149"}]}]}})";

struct Client {
  std::unique_ptr<TestClient> wire;
  Ip4 offered, bound;
};

class DurabilityTest : public ScenarioTest {
 protected:
  // The query each client sends this round: DISCOVER, the REQUEST for its
  // OFFER, or a renewal.
  void send_round(std::vector<Client>& clients) {
    for (Client& client : clients) {
      wire::Packet packet;
      if (!client.bound.is_zero()) {
        packet = client.wire->query(MessageType::Request);
        packet.ciaddr = client.bound;
      } else if (!client.offered.is_zero()) {
        packet = client.wire->query(MessageType::Request);
        packet.set_ip(wire::opt::kRequestedAddress, client.offered);
        packet.set_ip(wire::opt::kServerId, office_link().address);
      } else {
        packet = client.wire->query(MessageType::Discover);
      }
      transport_.inject(io::RxPacket{wire::encode(packet), 2, client.bound, 68});
    }
  }

  // Every ACK giving an address must find it in the store, bound to the
  // client it went to. Returns the ACKs seen.
  size_t check_replies(std::vector<Client>& clients) {
    size_t acks = 0;
    for (const io::TxPacket& tx : transport_.take_sent()) {
      auto reply = wire::decode(tx.payload);
      EXPECT_TRUE(reply);
      if (!reply) continue;
      Client& client = clients[reply->chaddr[5]];
      const auto type = reply->message_type();
      if (type == MessageType::Offer) client.offered = reply->yiaddr;
      if (type == MessageType::Nak) client = Client{std::move(client.wire), {}, {}};
      if (type != MessageType::Ack || reply->yiaddr.is_zero()) continue;
      ++acks;
      const auto& rows = store_.rows();
      auto row = std::find_if(rows.begin(), rows.end(),
                              [&](const Lease& lease) { return lease.address == reply->yiaddr; });
      EXPECT_NE(row, rows.end()) << to_string(reply->yiaddr) << " ACKed but not in the store";
      if (row == rows.end()) continue;
      EXPECT_EQ(row->state, LeaseState::Assigned) << to_string(reply->yiaddr);
      EXPECT_EQ(row->hw_address, reply->hw_address()) << to_string(reply->yiaddr);
      client.bound = reply->yiaddr;
    }
    return acks;
  }
};

TEST_F(DurabilityTest, EveryAckThatLeavesHasItsLeaseInTheStore) {
  start(kProbedOffice);
  auto prober = std::make_unique<io::FakeProber>();
  for (const char* squatted : {"198.18.1.100", "198.18.1.103", "198.18.1.104", "198.18.1.110"}) {
    prober->occupied[parse_ip4(squatted)->value] = io::MacAddress{2, 0xee, 0, 0, 0, 1};
  }
  server_->attach_prober(std::move(prober));
  std::vector<Client> clients;
  for (uint8_t n = 0; n < 24; ++n) {
    clients.push_back(Client{std::make_unique<TestClient>(transport_, *server_, n), {}, {}});
  }
  size_t acks = 0;
  for (int round = 0; round < 30; ++round) {
    store_.set_failing(round % 3 == 1);
    send_round(clients);
    server_->run_once();
    acks += check_replies(clients);
    clock_.advance_ms(301);  // held OFFERs leave at the probe timeout
    server_->run_once();
    acks += check_replies(clients);
    clock_.advance_s(5);
  }
  EXPECT_GT(acks, 100u);
  EXPECT_GT(server_->counters().commit_failures, 0u);
  EXPECT_GT(server_->counters().dropped(server::DropReason::CommitFailed), 0u);
  EXPECT_GT(server_->counters().probe_conflicts, 0u);
}

}  // namespace
}  // namespace bs::testing
