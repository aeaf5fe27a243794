// The "unix" control socket end to end: a real ApiServer on a socket file,
// raw AF_UNIX clients speaking Kea's protocol (one JSON map each way, then
// the server closes), partial writes, oversize and slow clients, and the
// socket file's life: mode 0660, a stale file replaced, a live listener or
// a foreign file refused, an unsafe directory refused, removal at stop.
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "control/http_api.h"
#include "control_fixture.h"

namespace bs::control::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Everything until the server closes; `closed` tells whether it did in time.
std::string read_until_close(int fd, std::chrono::milliseconds timeout, bool* closed = nullptr) {
  std::string out;
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, 20) <= 0) continue;
    char buffer[16384];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      if (closed != nullptr) *closed = true;
      return out;
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  if (closed != nullptr) *closed = false;
  return out;
}

class UnixSocketTest : public ControlTest {
 protected:
  void SetUp() override {
    ControlTest::SetUp();
    path_ = (dir_ / "kea4-ctrl-socket").string();
    pump_ = std::thread([this] {
      while (!stop_pump_) {
        queue_.drain(*controller_);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  void TearDown() override {
    stop_pump_ = true;
    if (pump_.joinable()) pump_.join();
    queue_.close();
    api_.reset();
    ControlTest::TearDown();
  }

  config::ControlSocket unix_socket(const std::string& path) {
    config::ControlSocket socket;
    socket.type = config::ControlSocketType::kUnix;
    socket.socket_name = path;
    return socket;
  }
  tl::expected<void, std::string> start(const std::string& path) {
    api_ = std::make_unique<ApiServer>(unix_socket(path), queue_);
    return api_->start();
  }
  // `half_close`: end the writing side after the request, as socat does.
  Json exchange(const std::string& bytes, bool half_close = false) {
    const int fd = connect_unix(path_);
    EXPECT_GE(fd, 0);
    send_all(fd, bytes);
    if (half_close) ::shutdown(fd, SHUT_WR);
    bool closed = false;
    const std::string answer = read_until_close(fd, std::chrono::seconds(5), &closed);
    ::close(fd);
    EXPECT_TRUE(closed) << "the server must close after its answer";
    return Json::parse(answer, nullptr, false);
  }

  std::string path_;
  CommandQueue queue_;
  std::unique_ptr<ApiServer> api_;
  std::thread pump_;
  std::atomic<bool> stop_pump_{false};
};

TEST_F(UnixSocketTest, AnswersOneMapAndCloses) {
  ASSERT_TRUE(start(path_));
  const Json reply = exchange(R"({"command": "list-commands"})");
  ASSERT_TRUE(reply.is_object()) << reply.dump();
  EXPECT_EQ(reply["result"], 0);
  // As a Kea daemon does: the Control Agent adds the list, not the daemon.
  const Json via_agent = exchange(R"({"command": "version-get", "service": ["dhcp4"]})");
  ASSERT_TRUE(via_agent.is_object()) << via_agent.dump();
  EXPECT_EQ(via_agent["result"], 0);
  // kea-ctrl-agent 2.2 also adds its client's address to what it forwards.
  EXPECT_EQ(exchange(R"({"command": "version-get", "service": ["dhcp4"],
                         "remote-address": "127.0.0.1"})")["result"],
            0);
  EXPECT_EQ(exchange(R"({"command": "no-such"})")["result"], 2);
  const Json cut = exchange(R"({"command": "shutdown", "arguments": )", true);
  EXPECT_EQ(cut["result"], 1) << "a half-written map is not a command: " << cut.dump();
  EXPECT_EQ(exchange(R"({"command": "version-get"})", true)["result"], 0);
}

TEST_F(UnixSocketTest, PartialWritesAreAssembled) {
  ASSERT_TRUE(start(path_));
  const int fd = connect_unix(path_);
  ASSERT_GE(fd, 0);
  const std::string text = R"({"command": "lease4-get-all", "arguments": {"subnets": [1]}})";
  for (char c : text) {
    send_all(fd, std::string_view(&c, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const Json reply = Json::parse(read_until_close(fd, std::chrono::seconds(5)), nullptr, false);
  ::close(fd);
  EXPECT_EQ(reply["result"], 3) << reply.dump();  // no leases: Kea's "empty"
}

TEST_F(UnixSocketTest, OversizeIsRefusedWithAnAnswer) {
  ASSERT_TRUE(start(path_));
  const int fd = connect_unix(path_);
  ASSERT_GE(fd, 0);
  std::thread writer([fd] {
    send_all(fd, R"({"command": "config-test", "arguments": {"x": ")");
    send_all(fd, std::string(kMaxBodyBytes + 1024, 'a'));
  });
  const Json reply = Json::parse(read_until_close(fd, std::chrono::seconds(10)), nullptr, false);
  ::shutdown(fd, SHUT_RDWR);
  writer.join();
  ::close(fd);
  EXPECT_EQ(reply["result"], 1);
  EXPECT_NE(reply["text"].get<std::string>().find("larger than"), std::string::npos);
}

TEST_F(UnixSocketTest, SlowAndIdleClientsDoNotBlockOthers) {
  ASSERT_TRUE(start(path_));
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(connect_unix(path_));
  const int slow = connect_unix(path_);
  send_all(slow, R"({"command": "version-get", "arg)");
  const auto start_time = SteadyClock::now();
  EXPECT_EQ(exchange(R"({"command": "version-get"})")["result"], 0);
  std::printf("version-get with 100 idle and 1 stalled clients: %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         SteadyClock::now() - start_time)
                                         .count()));
  for (int fd : idle) ::close(fd);
  ::close(slow);
}

TEST_F(UnixSocketTest, FileModeIs0660AndRemovedAtStop) {
  ASSERT_TRUE(start(path_));
  struct stat info {};
  ASSERT_EQ(::lstat(path_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 07777, 0660u);
  api_.reset();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(UnixSocketTest, StaleSocketIsReplacedLiveOneRefused) {
  {
    // A socket file whose listener is gone: what a killed daemon leaves.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
    ::close(fd);
  }
  ASSERT_TRUE(start(path_));
  EXPECT_EQ(exchange(R"({"command": "version-get"})")["result"], 0);
  ApiServer second(unix_socket(path_), queue_);
  const auto refused = second.start();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("another process is listening"), std::string::npos)
      << refused.error();
  EXPECT_EQ(exchange(R"({"command": "version-get"})")["result"], 0) << "the first still serves";
}

TEST_F(UnixSocketTest, ForeignFileAndUnsafeDirectoryAreRefused) {
  std::ofstream(path_) << "not a socket";
  auto refused = start(path_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("not a socket"), std::string::npos) << refused.error();
  EXPECT_TRUE(std::filesystem::is_regular_file(path_)) << "never delete what is not ours";

  const auto open_dir = dir_ / "open";
  std::filesystem::create_directory(open_dir);
  ::chmod(open_dir.c_str(), 0777);
  refused = start((open_dir / "sock").string());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("writable by every user"), std::string::npos) << refused.error();
  ::chmod(open_dir.c_str(), 01777);  // sticky, like /tmp: allowed
  EXPECT_TRUE(start((open_dir / "sock").string()));

  refused = start((dir_ / "missing" / "sock").string());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("No such file"), std::string::npos) << refused.error();
}

}  // namespace
}  // namespace bs::control::test
