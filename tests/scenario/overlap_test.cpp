// Overlapped commits (server.h, committer.h): while one batch's commit is
// in flight the next batch is received and handled; its ACKs leave only
// after its own commit returned; an address granted in flight is taken for
// the next batch; a failed commit undoes its batch and the batch handled on
// top of it, so no ACK and no engine record outlives a lost change. The
// store here is a gate the test opens, so "in flight" is a state the test
// holds, not a race it hopes to win.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "scenario_fixture.h"

namespace bs::testing {
namespace {

using wire::MessageType;

// Commits wait for a permit while the gate is closed; fail_next() makes
// one commit fail. Rows are read under the lock: the committer thread
// writes them.
class GatedStore final : public store::LeaseStore {
 public:
  tl::expected<std::vector<Lease>, store::StoreError> load_all() override {
    std::lock_guard lock(mutex_);
    return inner_.load_all();
  }
  tl::expected<void, store::StoreError> commit(std::span<const LeaseChange> changes) override {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_ || permits_ > 0; });
    --waiting_;
    if (!open_) --permits_;
    ++commits_;
    const bool fail = fail_next_ || (fail_every_ != 0 && commits_ % fail_every_ == 0);
    fail_next_ = false;
    if (fail)
      return tl::unexpected(store::StoreError{"injected failure", store::StoreFault::IoError});
    return inner_.commit(changes);
  }
  std::string describe() const override { return "gated"; }

  void close() {
    set([this] { open_ = false; });
  }
  void release_one() {
    set([this] { ++permits_; });
  }
  void fail_next() {
    set([this] { fail_next_ = true; });
  }
  void fail_every(size_t n) {
    set([this, n] { fail_every_ = n; });
  }
  bool commit_waiting() {
    std::lock_guard lock(mutex_);
    return waiting_ > 0;
  }
  void wait_until_waiting() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return waiting_ > 0; });
  }
  size_t commits() {
    std::lock_guard lock(mutex_);
    return commits_;
  }
  std::vector<Lease> rows() {
    std::lock_guard lock(mutex_);
    return inner_.rows();
  }

 private:
  void set(const std::function<void()>& change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    changed_.notify_all();
  }

  store::MemoryLeaseStore inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  size_t permits_ = 0;
  size_t waiting_ = 0;
  size_t commits_ = 0;
  bool fail_next_ = false;
  size_t fail_every_ = 0;
};

// A FakeTransport that runs a hook on every send, so a test can act at the
// moment a reply leaves (e.g. open the gate once an OFFER of the next batch
// went out while the previous batch was still committing).
class HookedTransport final : public io::Transport {
 public:
  size_t receive(std::vector<io::RxPacket>& out, size_t max_count, int timeout_ms) override {
    return inner.receive(out, max_count, timeout_ms);
  }
  void send(std::span<const io::TxPacket> packets) override {
    if (on_send) on_send(packets);
    inner.send(packets);
  }
  const std::vector<io::InterfaceInfo>& interfaces() const override { return inner.interfaces(); }

  io::FakeTransport inner{{office_link()}};
  std::function<void(std::span<const io::TxPacket>)> on_send;
};

constexpr const char* kOffice = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.149"}]}]}})";

struct Sent {
  MessageType type;
  Ip4 yiaddr;
  uint8_t client;  // chaddr's last byte
};

class OverlapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = *config::parse_config(kOffice, "overlap.json");
    server::ServerOptions options;
    options.overlap_commits = true;
    options.overlap_min_batch = 1;  // every batch with a change overlaps
    auto created = server::Server::create(config_, store_, transport_, clock_, options);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
  }

  wire::Packet query(uint8_t client, MessageType type) {
    wire::Packet packet;
    packet.op = wire::Op::BootRequest;
    packet.xid = client;
    packet.chaddr = {0x02, 0xcc, 0, 0, 0, client};
    packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
    return packet;
  }
  void discover(uint8_t client) { inject(query(client, MessageType::Discover)); }
  void request(uint8_t client, Ip4 address) {
    wire::Packet packet = query(client, MessageType::Request);
    packet.set_ip(wire::opt::kRequestedAddress, address);
    packet.set_ip(wire::opt::kServerId, office_link().address);
    inject(packet);
  }
  void renew(uint8_t client, Ip4 address) {
    wire::Packet packet = query(client, MessageType::Request);
    packet.ciaddr = address;
    inject(packet);
  }
  void inject(const wire::Packet& packet) {
    transport_.inner.inject(io::RxPacket{wire::encode(packet), 2, packet.ciaddr, 68});
  }
  std::vector<Sent> take_sent() {
    std::vector<Sent> out;
    for (const io::TxPacket& tx : transport_.inner.take_sent()) {
      auto reply = wire::decode(tx.payload);
      EXPECT_TRUE(reply);
      if (reply) out.push_back({*reply->message_type(), reply->yiaddr, reply->chaddr[5]});
    }
    return out;
  }
  // The engine's record of `address` is a lease bound to `client`.
  bool engine_binds(Ip4 address, uint8_t client) {
    const Lease* lease = server_->engine().find_by_address(address);
    return lease != nullptr && lease->state == LeaseState::Assigned &&
           lease->hw_address.length == 6 && lease->hw_address.bytes[5] == client;
  }
  bool store_binds(Ip4 address, uint8_t client) {
    for (const Lease& row : store_.rows()) {
      if (row.address == address) {
        return row.state == LeaseState::Assigned && row.hw_address.length == 6 &&
               row.hw_address.bytes[5] == client;
      }
    }
    return false;
  }
  Ip4 offer_for(uint8_t client) {
    discover(client);
    server_->run_once();
    auto sent = take_sent();
    EXPECT_EQ(sent.size(), 1u);
    if (sent.size() != 1 || sent[0].type != MessageType::Offer) return {};
    return sent[0].yiaddr;
  }

  config::Config config_;
  GatedStore store_;
  HookedTransport transport_;
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
};

// A lone REQUEST is a batch of one and one commit; its ACK leaves at the
// next turn of the loop, which does not sleep on the sockets meanwhile.
TEST_F(OverlapTest, LoneRequestIsOneBatchAndOneCommit) {
  const Ip4 offered = offer_for(1);
  request(1, offered);
  server_->run_once();
  EXPECT_TRUE(server_->commit_in_flight());
  server_->run_once();
  EXPECT_FALSE(server_->commit_in_flight());
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, MessageType::Ack);
  EXPECT_EQ(sent[0].yiaddr, offered);
  EXPECT_EQ(store_.commits(), 1u);
  EXPECT_TRUE(store_binds(offered, 1));
  EXPECT_EQ(server_->histograms().request_to_ack_s.count(), 1u);
}

// The next batch is handled (its OFFER leaves) while the previous batch's
// commit is blocked in the store; the blocked batch's ACK waits for it and
// its address is not offered to the next client.
TEST_F(OverlapTest, NextBatchIsHandledWhileACommitIsInFlight) {
  const Ip4 first = offer_for(1);
  store_.close();
  request(1, first);
  server_->run_once();  // returns with the commit blocked: the loop is free
  store_.wait_until_waiting();
  EXPECT_TRUE(take_sent().empty()) << "an ACK left before its commit returned";
  EXPECT_TRUE(engine_binds(first, 1)) << "an address in flight must be taken";
  size_t sent_while_committing = 0;
  transport_.on_send = [&](std::span<const io::TxPacket> /*packets*/) {
    if (!store_.commit_waiting()) return;
    ++sent_while_committing;
    store_.release_one();
  };
  discover(2);
  server_->run_once();
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].type, MessageType::Offer);
  EXPECT_EQ(sent[0].client, 2);
  EXPECT_NE(sent[0].yiaddr, first);
  EXPECT_EQ(sent[1].type, MessageType::Ack);
  EXPECT_EQ(sent[1].yiaddr, first);
  EXPECT_EQ(sent_while_committing, 1u) << "the OFFER should have left during the commit";
  EXPECT_TRUE(store_binds(first, 1));
}

// Batch N grants an address and fails to commit; batch N+1, handled on top
// of it, renews that grant. Both are undone: no ACK leaves, and neither the
// store nor the engine keeps the address bound. (Reverting only batch N
// and committing N+1 would ACK the renewal of an address the engine then
// believes free.)
TEST_F(OverlapTest, FailedCommitUndoesTheBatchHandledOnTopOfIt) {
  const Ip4 offered = offer_for(1);
  store_.fail_next();
  request(1, offered);
  server_->run_once();
  renew(1, offered);
  server_->run_once();
  server_->run_once();
  server_->run_once();
  EXPECT_TRUE(take_sent().empty()) << "an ACK left for a change that was not stored";
  EXPECT_FALSE(store_binds(offered, 1));
  EXPECT_FALSE(engine_binds(offered, 1)) << "the engine kept a lease the store lost";
  EXPECT_EQ(server_->counters().drops[static_cast<size_t>(server::DropReason::CommitFailed)], 2u);
  EXPECT_EQ(server_->counters().commit_failures, 1u);
  // The client starts again and is served normally.
  const Ip4 again = offer_for(1);
  request(1, again);
  server_->run_once();
  server_->run_once();
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, MessageType::Ack);
  EXPECT_TRUE(store_binds(again, 1));
  EXPECT_TRUE(engine_binds(again, 1));
}

// Many clients through DORAs and renewals, with every third commit failing
// and ACKs arriving a turn late: every ACK names an address the store and
// the engine both bind to that client, and no address is ACKed to two.
TEST_F(OverlapTest, EveryAckIsStoredAndUniqueUnderFailures) {
  constexpr uint8_t kClients = 30;
  store_.fail_every(3);
  std::vector<Ip4> offered(kClients + 1), bound(kClients + 1);
  std::map<uint32_t, uint8_t> holder;  // address -> client it was ACKed to
  size_t acks = 0;
  for (int round = 0; round < 40; ++round) {
    for (uint8_t client = 1; client <= kClients; ++client) {
      if (!bound[client].is_zero()) {
        renew(client, bound[client]);
      } else if (!offered[client].is_zero()) {
        request(client, offered[client]);
      } else {
        discover(client);
      }
    }
    server_->run_once();
    for (const Sent& sent : take_sent()) {
      if (sent.type == MessageType::Offer) offered[sent.client] = sent.yiaddr;
      if (sent.type == MessageType::Nak) offered[sent.client] = bound[sent.client] = Ip4{};
      if (sent.type != MessageType::Ack) continue;
      ++acks;
      EXPECT_TRUE(store_binds(sent.yiaddr, sent.client)) << to_string(sent.yiaddr);
      EXPECT_TRUE(engine_binds(sent.yiaddr, sent.client)) << to_string(sent.yiaddr);
      auto [it, fresh] = holder.emplace(sent.yiaddr.value, sent.client);
      EXPECT_EQ(it->second, sent.client) << to_string(sent.yiaddr) << " ACKed to two clients";
      bound[sent.client] = sent.yiaddr;
    }
  }
  EXPECT_GT(acks, size_t{kClients});
  EXPECT_GT(server_->counters().commit_failures, 0u);
}

}  // namespace
}  // namespace bs::testing
