// Hostile clients against a real ApiServer on loopback, over raw sockets so
// that nothing in the client tidies up what is sent: deep JSON, cross-site
// and rebinding requests, form posts, a 100 MB chunked upload, and a
// thousand idle, slow and concurrent connections. Issue 9's findings, each
// of which the cpp-httplib server failed (a crash, a 200, RSS growth, no
// answer). Only ApiServer's public interface is used.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "control/http_api.h"
#include "control_fixture.h"

namespace bs::control::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(0x7f000001u);
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

// Reads until the server closes or `timeout` passes; "" if nothing came.
std::string read_response(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    pollfd poll_fd{fd, POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (::poll(&poll_fd, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
    char buffer[16384];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

int status_of(const std::string& response) {
  if (response.size() < 12 || !response.starts_with("HTTP/1.")) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

std::string body_of(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

size_t rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

class HostileHttpTest : public ControlTest {
 protected:
  void SetUp() override {
    ControlTest::SetUp();
    config::ControlSocket socket;
    socket.port = 0;
    api_ = std::make_unique<ApiServer>(socket, queue_);
    ASSERT_TRUE(api_->start());
    host_ = "127.0.0.1:" + std::to_string(api_->port());
    // The packet loop's part: run queued jobs.
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
    if (api_) api_->stop();
    ControlTest::TearDown();
  }

  std::string exchange(const std::string& bytes,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const int fd = connect_to(api_->port());
    if (fd < 0) return "";
    send_all(fd, bytes);
    std::string response = read_response(fd, timeout);
    ::close(fd);
    return response;
  }
  std::string get(const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n" + extra + "\r\n";
  }
  std::string post(const std::string& body, const std::string& type = "application/json",
                   const std::string& extra = "") {
    return "POST / HTTP/1.1\r\nHost: " + host_ + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
  }
  bool shutdown_requested() {
    stop_pump_ = true;
    pump_.join();
    return controller_->shutdown_requested();
  }

  CommandQueue queue_;
  std::unique_ptr<ApiServer> api_;
  std::string host_;
  std::thread pump_;
  std::atomic<bool> stop_pump_{false};
};

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_F(HostileHttpTest, DeepJsonIsRefusedNotACrash) {
  for (const std::string& body :
       {R"({"command": "version-get", "service": )" + nested(50'000) + "}",
        R"({"command": "lease4-get-all", "arguments": {"subnets": )" + nested(50'000) + "}}",
        R"({"command": "config-test", "arguments": {"Dhcp4": {"x": )" + nested(50'000) + "}}}"}) {
    const std::string response = exchange(post(body));
    ASSERT_EQ(status_of(response), 200) << response.substr(0, 300);
    EXPECT_NE(body_of(response).find("nesting is deeper than 64 levels"), std::string::npos)
        << body_of(response).substr(0, 300);
  }
  EXPECT_EQ(status_of(exchange(post(R"({"command": "version-get"})"))), 200);
}

TEST_F(HostileHttpTest, CommandsOnlyAsApplicationJson) {
  const std::string shutdown = R"({"command": "shutdown"})";
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded"}) {
    const std::string response = exchange(post(shutdown, type));
    EXPECT_EQ(status_of(response), 415) << type;
    EXPECT_NE(body_of(response).find("-H 'Content-Type: application/json'"), std::string::npos);
  }
  // Issue 9a: curl's default form type with a body over 8 KiB was told the
  // body was larger than 4 MiB.
  const std::string form =
      exchange(post(std::string(10'000, 'a'), "application/x-www-form-urlencoded"));
  EXPECT_EQ(status_of(form), 415);
  EXPECT_EQ(body_of(form).find("larger than"), std::string::npos);
  EXPECT_EQ(
      status_of(exchange(post(R"({"command": "version-get"})", "application/json; charset=utf-8"))),
      200);
  EXPECT_FALSE(shutdown_requested());
}

TEST_F(HostileHttpTest, ForeignOriginAndHostAreRefusedOnEveryRoute) {
  const std::string evil_origin = "Origin: http://evil.example\r\n";
  for (const char* path : {"/", "/metrics", "/api/status", "/api/leases", "/nothing"}) {
    EXPECT_EQ(status_of(exchange(get(path, evil_origin))), 403) << path;
    const std::string rebound = "GET " + std::string(path) +
                                " HTTP/1.1\r\nHost: evil.example:" + std::to_string(api_->port()) +
                                "\r\n\r\n";
    EXPECT_EQ(status_of(exchange(rebound)), 421) << path;
  }
  EXPECT_EQ(
      status_of(exchange(post(R"({"command": "shutdown"})", "application/json", evil_origin))),
      403);
  const std::string own_origin = "Origin: http://" + host_ + "\r\n";
  EXPECT_EQ(status_of(exchange(get("/api/status", own_origin))), 200);
  EXPECT_FALSE(shutdown_requested());
}

// Issue 9 item 8: a 100 MB chunked POST grew the daemon by 130 MB.
TEST_F(HostileHttpTest, ChunkedBodyOverTheCapIs413AndNotBuffered) {
  const size_t before = rss_bytes();
  const int fd = connect_to(api_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "POST / HTTP/1.1\r\nHost: " + host_ +
                               "\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
  size_t sent = 0;
  std::string response;
  while (sent < size_t{100} * 1024 * 1024) {
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, 0) > 0) break;  // the server answered early
    if (!send_all(fd, chunk)) break;
    sent += chunk.size();
  }
  response = read_response(fd, std::chrono::seconds(5));
  ::close(fd);
  const size_t after = rss_bytes();
  std::printf("sent %zu MiB chunked before the answer; RSS %zu -> %zu MiB\n", sent >> 20,
              before >> 20, after >> 20);
  EXPECT_EQ(status_of(response), 413) << response.substr(0, 200);
  EXPECT_NE(body_of(response).find("larger than 4194304 bytes"), std::string::npos);
  EXPECT_LT(sent, size_t{100} * 1024 * 1024);
  EXPECT_LT(after, before + size_t{48} * 1024 * 1024);
  EXPECT_EQ(status_of(exchange(get("/api/status"))), 200);
}

// Issue 9 item 8: 16 slow connections stalled the 8 workers; 1,000 idle
// ones left requests unanswered. Times are printed, not asserted; the 5 s
// read timeout is only a liveness bound.
TEST_F(HostileHttpTest, IdleAndSlowConnectionsDoNotStopTheApi) {
  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) {
    const int fd = connect_to(api_->port());
    ASSERT_GE(fd, 0) << "connection " << i;
    idle.push_back(fd);
  }
  std::vector<int> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(connect_to(api_->port()));
    send_all(slow.back(), "GET /api/status HTTP/1.1\r\nHost: " + host_ + "\r\nX-Slow: ");
  }
  std::atomic<bool> dripping{true};
  std::thread drip([&] {
    while (dripping) {
      for (int fd : slow) ::send(fd, "a", 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = SteadyClock::now();
  const std::string response = exchange(get("/api/status"));
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
  std::printf("GET /api/status with 1,000 idle and 16 slow connections open: %lld ms\n",
              static_cast<long long>(elapsed_ms));
  EXPECT_EQ(status_of(response), 200);
  dripping = false;
  drip.join();
  for (int fd : idle) ::close(fd);
  for (int fd : slow) ::close(fd);
}

TEST_F(HostileHttpTest, AThousandConcurrentRequestsAreAllAnswered) {
  std::vector<int> fds;
  for (int i = 0; i < 1000; ++i) {
    fds.push_back(connect_to(api_->port()));
    ASSERT_GE(fds.back(), 0);
  }
  const auto start = SteadyClock::now();
  for (int fd : fds) send_all(fd, get("/api/status"));
  size_t ok = 0, answered = 0;
  const auto deadline = start + std::chrono::seconds(20);
  for (int fd : fds) {
    const auto left = std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()));
    const int status = status_of(read_response(fd, left));
    answered += status != 0 ? 1 : 0;
    ok += status == 200 ? 1 : 0;
    ::close(fd);
  }
  std::printf("1,000 concurrent GET /api/status: %zu answered, %zu with 200, in %lld ms\n",
              answered, ok,
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
                      .count()));
  EXPECT_EQ(answered, 1000u);
  EXPECT_EQ(ok, 1000u);
}

}  // namespace
}  // namespace bs::control::test
