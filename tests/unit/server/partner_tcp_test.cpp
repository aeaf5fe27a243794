// The partner link over TCP on the loopback: frames cross both ways
// through the two one-way connections, a replicated batch is acknowledged
// across it, a connection from another address than the partner's is
// refused, a frame longer than the limit drops the connection, and the
// link's wait_fd() turns readable when a frame arrives (so the server's one
// epoll wait can sleep until then).
#include "server/partner_tcp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "io/socket_address.h"
#include "server/partner_replicator.h"

namespace bs::server {
namespace {

const Ip4 kLoopback{0x7F000001};

// Below Linux's ephemeral range (32768 and up), so no outgoing connection
// of this or another process can hold one of them; 10 ports per process.
uint16_t base_port() { return static_cast<uint16_t>(20000 + (::getpid() % 1200) * 10); }

// Polls until `done` or about two seconds pass.
template <class Done>
bool pump(PartnerTcpLink& a, PartnerTcpLink& b, std::vector<LinkFrame>& at_b, Done done) {
  std::vector<LinkFrame> ignored;
  for (int i = 0; i < 200 && !done(); ++i) {
    a.receive(ignored, 5);
    b.receive(at_b, 5);
  }
  return done();
}

TEST(PartnerTcpLink, FramesCrossBothWays) {
  SystemClock clock;
  const uint16_t port = base_port();
  auto a = PartnerTcpLink::open(kLoopback, port, kLoopback, port + 1, clock);
  auto b = PartnerTcpLink::open(kLoopback, port + 1, kLoopback, port, clock);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  std::vector<LinkFrame> at_b, at_a;
  (*a)->send(LinkFrame{ha::State::HotStandby, Heartbeat{}});  // starts the connect
  ASSERT_TRUE(pump(**a, **b, at_b, [&] {
    if (at_b.empty()) (*a)->send(LinkFrame{ha::State::HotStandby, UpdateAck{7}});
    return !at_b.empty();
  }));
  EXPECT_EQ(at_b.front().sender_state, ha::State::HotStandby);
  (*b)->send(LinkFrame{ha::State::Ready, UpdateAck{3}});
  ASSERT_TRUE(pump(**b, **a, at_a, [&] {
    if (at_a.empty()) (*b)->send(LinkFrame{ha::State::Ready, UpdateAck{3}});
    return !at_a.empty();
  }));
  EXPECT_EQ(at_a.front().sender_state, ha::State::Ready);
}

TEST(PartnerTcpLink, ABatchIsAcknowledgedAcrossIt) {
  SystemClock clock;
  const uint16_t port = base_port() + 4;
  auto link_a = PartnerTcpLink::open(kLoopback, port, kLoopback, port + 1, clock);
  auto link_b = PartnerTcpLink::open(kLoopback, port + 1, kLoopback, port, clock);
  ASSERT_TRUE(link_a && link_b);
  ha::HaConfig config;
  config.this_server_name = "a";
  config.mode = ha::Mode::LoadBalancing;
  config.heartbeat_delay_ms = 50;
  config.max_ack_delay_ms = 3000;
  config.peers = {
      ha::Peer{"a", "", kLoopback, port, ha::Role::Primary},
      ha::Peer{"b", "", kLoopback, static_cast<uint16_t>(port + 1), ha::Role::Secondary}};
  ha::HaConfig config_b = config;
  config_b.this_server_name = "b";
  PartnerReplicator a(config, **link_a, clock);
  PartnerReplicator b(config_b, **link_b, clock);
  struct Count final : PartnerApplier {
    bool apply_partner_changes(std::span<const LeaseChange> changes) override {
      applied += changes.size();
      return true;
    }
    std::atomic<size_t> applied = 0;
  } applier;
  b.set_applier(&applier);
  std::atomic<bool> stop = false;
  std::thread partner([&] {
    while (!stop) b.poll(5);
  });
  // Meet in the normal state first: heartbeats both ways.
  for (int i = 0; i < 400 && !ha::is_normal(a.pair().state()); ++i) a.poll(5);
  ASSERT_TRUE(ha::is_normal(a.pair().state())) << ha::to_string(a.pair().state());
  Lease lease;
  lease.address = Ip4{0xC6120164};
  lease.valid_lifetime_s = 60;
  EXPECT_TRUE(a.replicate(std::vector{LeaseChange{lease.address, std::nullopt, lease}}));
  stop = true;
  partner.join();
  EXPECT_EQ(applier.applied, 1u);
}

TEST(PartnerTcpLink, OnlyThePartnersAddressMayConnect) {
  SystemClock clock;
  const uint16_t port = base_port() + 2;
  auto a = PartnerTcpLink::open(kLoopback, port, Ip4{0x7F000002}, port + 1, clock);
  ASSERT_TRUE(a);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in sa = io::socket_address(kLoopback, port);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)), 0);
  std::vector<LinkFrame> frames;
  for (int i = 0; i < 50 && (*a)->counters().refused_peers == 0; ++i) (*a)->receive(frames, 10);
  EXPECT_EQ((*a)->counters().refused_peers, 1u);
  ::close(fd);
}

TEST(PartnerTcpLink, AnOversizedFrameDropsTheConnection) {
  SystemClock clock;
  const uint16_t port = base_port() + 6;
  auto a = PartnerTcpLink::open(kLoopback, port, kLoopback, port + 1, clock);
  ASSERT_TRUE(a);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in sa = io::socket_address(kLoopback, port);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)), 0);
  const uint8_t huge[4] = {0xFF, 0xFF, 0xFF, 0xFF};
  ASSERT_EQ(::send(fd, huge, sizeof(huge), 0), 4);
  std::vector<LinkFrame> frames;
  for (int i = 0; i < 50 && (*a)->counters().broken_frames == 0; ++i) (*a)->receive(frames, 10);
  EXPECT_EQ((*a)->counters().broken_frames, 1u);
  EXPECT_TRUE(frames.empty());
  ::close(fd);
}

bool readable(int fd, int timeout_ms) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, timeout_ms) == 1 && (entry.revents & POLLIN) != 0;
}

// What the server's transport waits on: quiet while nothing comes, readable
// as soon as the partner's frame is there, quiet again once it was read.
TEST(PartnerTcpLink, WaitFdWakesForAFrameAndOnlyThen) {
  SystemClock clock;
  const uint16_t port = base_port() + 8;
  auto a = PartnerTcpLink::open(kLoopback, port, kLoopback, port + 1, clock);
  auto b = PartnerTcpLink::open(kLoopback, port + 1, kLoopback, port, clock);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  const int wait_fd = (*b)->wait_fd();
  ASSERT_GE(wait_fd, 0);
  std::vector<LinkFrame> at_b, ignored;
  (*a)->send(LinkFrame{ha::State::HotStandby, Heartbeat{}});  // starts the connect
  // b learns of the connection through its wait_fd, not a timed poll.
  ASSERT_TRUE(readable(wait_fd, 2000));
  for (int i = 0; i < 200 && at_b.empty(); ++i) {
    (*a)->receive(ignored, 0);
    if (readable(wait_fd, 10)) (*b)->receive(at_b, 0);
    if (at_b.empty()) (*a)->send(LinkFrame{ha::State::HotStandby, Heartbeat{}});
  }
  ASSERT_FALSE(at_b.empty());
  // Both connections settle (b connects back to a) and what is queued is read.
  for (int i = 0; i < 10; ++i) {
    (*a)->receive(ignored, 10);
    (*b)->receive(at_b, 10);
  }
  EXPECT_FALSE(readable(wait_fd, 50)) << "an idle link keeps waking the server";
  (*a)->send(LinkFrame{ha::State::HotStandby, UpdateAck{0}});
  ASSERT_TRUE(readable(wait_fd, 2000)) << "a frame from the partner does not wake the wait";
  at_b.clear();
  (*b)->receive(at_b, 0);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<UpdateAck>(at_b.front().message));
  EXPECT_FALSE(readable(wait_fd, 50));
}

}  // namespace
}  // namespace bs::server
