// The sd_notify messages, read from an AF_UNIX datagram socket the test
// binds and names in $NOTIFY_SOCKET, as systemd would.
#include "daemon/systemd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace bs::daemon {
namespace {

class NotifySocket : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-notify-" + std::to_string(::getpid()) + "-" + std::to_string(++count_));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    ::close(fd_);
    std::filesystem::remove_all(dir_);
  }
  // The next datagram, if one is waiting.
  std::optional<std::string> next() {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<size_t>(n));
  }

  static inline int count_ = 0;
  std::filesystem::path dir_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(NotifySocket, ReadyWithStatus) {
  auto notifier = SystemdNotifier::from_environment();
  EXPECT_TRUE(notifier.enabled());
  EXPECT_TRUE(notifier.ready("serving 2 subnets"));
  EXPECT_EQ(next(), "READY=1\nSTATUS=serving 2 subnets");
  EXPECT_TRUE(notifier.ready());
  EXPECT_EQ(next(), "READY=1");
  EXPECT_EQ(next(), std::nullopt);
}

TEST_F(NotifySocket, ReloadingThenStopping) {
  auto notifier = SystemdNotifier::from_environment();
  EXPECT_TRUE(notifier.reloading(123456789));
  EXPECT_EQ(next(), "RELOADING=1\nMONOTONIC_USEC=123456789");
  EXPECT_TRUE(notifier.stopping());
  EXPECT_EQ(next(), "STOPPING=1");
}

// While the daemon waits for its lease store before READY.
TEST_F(NotifySocket, StatusAndAnExtendedStartTimeout) {
  auto notifier = SystemdNotifier::from_environment();
  EXPECT_TRUE(notifier.status("waiting for the lease store: disk full"));
  EXPECT_EQ(next(), "STATUS=waiting for the lease store: disk full");
  EXPECT_TRUE(notifier.extend_start_timeout(5000000));
  EXPECT_EQ(next(), "EXTEND_TIMEOUT_USEC=5000000");
}

TEST_F(NotifySocket, WatchdogAtHalfThePeriod) {
  ::setenv("WATCHDOG_USEC", "200000", 1);  // 200 ms: a ping every 100 ms
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  auto notifier = SystemdNotifier::from_environment();
  EXPECT_EQ(notifier.watchdog_interval_ms(), 100);
  EXPECT_TRUE(notifier.watchdog_tick(5000));
  EXPECT_EQ(next(), "WATCHDOG=1");
  EXPECT_FALSE(notifier.watchdog_tick(5050));
  EXPECT_FALSE(notifier.watchdog_tick(5099));
  EXPECT_EQ(next(), std::nullopt);
  EXPECT_TRUE(notifier.watchdog_tick(5100));
  EXPECT_EQ(next(), "WATCHDOG=1");
}

TEST_F(NotifySocket, NoWatchdogForAnotherProcess) {
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::setenv("WATCHDOG_PID", "1", 1);
  auto notifier = SystemdNotifier::from_environment();
  EXPECT_EQ(notifier.watchdog_interval_ms(), 0);
  EXPECT_FALSE(notifier.watchdog_tick(5000));
  EXPECT_EQ(next(), std::nullopt);
}

TEST_F(NotifySocket, NoWatchdogWithoutWatchdogUsec) {
  auto notifier = SystemdNotifier::from_environment();
  EXPECT_EQ(notifier.watchdog_interval_ms(), 0);
  EXPECT_FALSE(notifier.watchdog_tick(5000));
}

TEST(SystemdNotifier, NothingWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "200000", 1);
  auto notifier = SystemdNotifier::from_environment();
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.ready());
  EXPECT_FALSE(notifier.stopping());
  EXPECT_FALSE(notifier.watchdog_tick(0));
  ::unsetenv("WATCHDOG_USEC");
}

TEST(SystemdNotifier, MonotonicClockMoves) {
  const int64_t first = monotonic_now_us();
  EXPECT_GT(first, 0);
  EXPECT_GE(monotonic_now_us(), first);
}

}  // namespace
}  // namespace bs::daemon
