// An idle HA server sleeps: with a partner link whose wait_fd() the
// transport watches, the loop's wait on the DHCP sockets lasts the idle
// timeout (or until a heartbeat is due), not the 5 ms poll it needs for a
// link it cannot wait on; a frame from the partner ends the wait and is
// handled without any DHCP packet arriving. The transport here waits on a
// fake clock: each receive() moves it on by the timeout, unless the watched
// descriptor is readable, as epoll would.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <utility>

#include "config/config.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

bool readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) == 1;
}

class WaitingTransport final : public io::Transport {
 public:
  WaitingTransport(FakeClock& clock, bool can_watch) : clock_(clock), can_watch_(can_watch) {}
  size_t receive(std::vector<io::RxPacket>& /*out*/, size_t /*max_count*/,
                 int timeout_ms) override {
    ++waits;
    if (during_next_wait) std::exchange(during_next_wait, nullptr)();
    if (watched_ >= 0 && readable(watched_)) return 0;  // woken at once
    clock_.advance_ms(std::max(timeout_ms, 1));
    return 0;
  }
  void send(std::span<const io::TxPacket> /*packets*/) override {}
  const std::vector<io::InterfaceInfo>& interfaces() const override { return links_; }
  bool watch(int fd) override {
    if (!can_watch_) return false;
    watched_ = fd;
    return true;
  }
  uint64_t waits = 0;
  std::function<void()> during_next_wait;  // what happens while it sleeps

 private:
  FakeClock& clock_;
  bool can_watch_;
  int watched_ = -1;
  std::vector<io::InterfaceInfo> links_{office_link()};
};

// Nobody at the other end: frames sent vanish; frames the test queues
// arrive, and the eventfd says so, as a socket would.
class QuietLink final : public server::PartnerLink {
 public:
  QuietLink() : signal_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~QuietLink() override { ::close(signal_); }
  QuietLink(const QuietLink&) = delete;
  QuietLink& operator=(const QuietLink&) = delete;

  bool send(const server::LinkFrame& /*frame*/) override { return true; }
  size_t receive(std::vector<server::LinkFrame>& out, int /*timeout_ms*/) override {
    uint64_t count = 0;
    if (::read(signal_, &count, sizeof(count)) < 0) count = 0;
    const size_t before = out.size();
    while (!queued_.empty()) {
      out.push_back(queued_.front());
      queued_.pop_front();
    }
    return out.size() - before;
  }
  int wait_fd() const override { return signal_; }

  void arrive(server::LinkFrame frame) {
    queued_.push_back(std::move(frame));
    const uint64_t one = 1;
    if (::write(signal_, &one, sizeof(one)) < 0) ADD_FAILURE() << "eventfd write";
  }

 private:
  int signal_;
  std::deque<server::LinkFrame> queued_;
};

constexpr const char* kHaConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}]}],
  "hooks-libraries": [{"library": "libdhcp_ha.so", "parameters": {"high-availability": [{
    "this-server-name": "one", "mode": "hot-standby", "heartbeat-delay": 10000,
    "peers": [{"name": "one", "url": "http://198.18.0.1:8647/", "role": "primary"},
              {"name": "two", "url": "http://198.18.0.2:8647/", "role": "standby"}]}]}}]}})";

class HaIdleWait : public ::testing::Test {
 protected:
  // Returns the link, still owned by the server.
  QuietLink* start(bool can_watch) {
    auto parsed = config::parse_config(kHaConfig, "ha.json");
    EXPECT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    transport_ = std::make_unique<WaitingTransport>(clock_, can_watch);
    auto created = server::Server::create(config_, store_, *transport_, clock_);
    EXPECT_TRUE(created) << created.error();
    server_ = std::move(*created);
    auto link = std::make_unique<QuietLink>();
    QuietLink* raw = link.get();
    server_->attach_partner(std::move(link), *config_.ha);
    return raw;
  }

  // Loop turns over `seconds` of idle time.
  uint64_t wakeups_over(int64_t seconds) {
    const uint64_t before = transport_->waits;
    const int64_t until_ms = clock_.monotonic_ms() + seconds * 1000;
    for (int turn = 0; turn < 100'000 && clock_.monotonic_ms() < until_ms; ++turn) {
      server_->run_once();
    }
    return transport_->waits - before;
  }

  config::Config config_;
  store::MemoryLeaseStore store_;
  FakeClock clock_;
  std::unique_ptr<WaitingTransport> transport_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(HaIdleWait, AnIdleServerWakesAFewTimesASecondNotTwoHundred) {
  start(true);
  const uint64_t wakeups = wakeups_over(10);
  std::printf("idle HA server, link in the wait: %llu wake-ups in 10 s\n",
              static_cast<unsigned long long>(wakeups));
  // The 200 ms idle timeout gives 50; heartbeats add one each.
  EXPECT_LE(wakeups, 60u);
}

TEST_F(HaIdleWait, ALinkTheTransportCannotWatchIsStillPolled) {
  start(false);
  const uint64_t wakeups = wakeups_over(10);
  std::printf("idle HA server, link polled: %llu wake-ups in 10 s\n",
              static_cast<unsigned long long>(wakeups));
  EXPECT_GE(wakeups, 1000u);  // every 5 ms: the fakes in tests still work
}

TEST_F(HaIdleWait, APartnerFrameIsHandledWithoutAPacket) {
  QuietLink* link = start(true);
  wakeups_over(1);
  const uint64_t frames = server_->partner()->counters().frames_received;
  transport_->during_next_wait = [link] {
    link->arrive(server::LinkFrame{ha::State::HotStandby, server::Heartbeat{}});
  };
  const int64_t before_ms = clock_.monotonic_ms();
  server_->run_once();  // asleep on the sockets when the frame arrives
  EXPECT_EQ(clock_.monotonic_ms() - before_ms, 0) << "the frame waited for the idle timeout";
  server_->run_once();  // the next turn handles it
  EXPECT_EQ(server_->partner()->counters().frames_received, frames + 1);
  EXPECT_EQ(server_->partner()->pair().partner_state(), ha::State::HotStandby);
}

}  // namespace
}  // namespace bs::testing
