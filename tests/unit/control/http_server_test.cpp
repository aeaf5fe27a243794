// The bounded HTTP server with short limits and a stub handler: each bound
// (request time, idle time, connection cap, queue, byte budget) is reached
// and answered as documented, and the server keeps serving afterwards.
#include "control/http_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace bs::control::http {
namespace {

using namespace std::chrono_literals;

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

void send_text(int fd, std::string_view text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

// Everything until the server closes, or "" after `timeout`.
std::string read_all(int fd, std::chrono::milliseconds timeout = 5s) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, 20) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

int status_of(const std::string& response) {
  return response.size() >= 12 ? std::atoi(response.substr(9, 3).c_str()) : 0;
}

constexpr const char* kGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerLimits limits) {
    server_ = std::make_unique<HttpServer>(
        [this](const Request& request) {
          ++handled_;
          if (request.path == "/slow") std::this_thread::sleep_for(300ms);
          Response response;
          response.content_type = "text/plain";
          response.body =
              request.method + " " + request.target + " " + std::to_string(request.body.size());
          return response;
        },
        limits);
    auto port = server_->listen(config::ControlAddress{}, 0);
    ASSERT_TRUE(port) << port.error();
    port_ = *port;
    server_->start();
  }
  std::string exchange(std::string_view text) {
    const int fd = connect_to(port_);
    send_text(fd, text);
    std::string response = read_all(fd);
    ::close(fd);
    return response;
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> handled_{0};
};

TEST_F(HttpServerTest, AnswersAndCloses) {
  start({});
  const std::string response = exchange(kGet);
  EXPECT_EQ(status_of(response), 200);
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_NE(response.find("\r\n\r\nGET / 0"), std::string::npos);
  const std::string head = exchange("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 9\r\n"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  EXPECT_EQ(status_of(exchange("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "3\r\nabc\r\n0\r\n\r\n")),
            200);
  const std::string refused = exchange("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n");
  EXPECT_EQ(status_of(refused), 400);
  EXPECT_NE(refused.find("more than one Host header"), std::string::npos);
}

// The "shutdown" command's answer is computed just before the server stops.
TEST_F(HttpServerTest, StopStillAnswersRequestsInProgress) {
  start({});
  const int busy = connect_to(port_);
  const int idle = connect_to(port_);
  send_text(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);
  server_->stop();
  EXPECT_EQ(status_of(read_all(busy, 3s)), 200);
  EXPECT_EQ(read_all(idle, 3s), "");
  EXPECT_LT(connect_to(port_), 0);  // no longer listening
  ::close(busy);
  ::close(idle);
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBody) {
  start({});
  const int fd = connect_to(port_);
  send_text(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  char buffer[64] = {};
  pollfd poll_fd{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&poll_fd, 1, 2000), 1);
  const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(std::max<ssize_t>(n, 0))),
            "HTTP/1.1 100 Continue\r\n\r\n");
  send_text(fd, "{}");
  EXPECT_NE(read_all(fd).find("POST / 2"), std::string::npos);
  ::close(fd);
}

TEST_F(HttpServerTest, SlowRequestGets408AndIdleConnectionIsClosed) {
  ServerLimits limits;
  limits.request_timeout = 300ms;
  limits.idle_timeout = 300ms;
  start(limits);
  const int slow = connect_to(port_);
  const int idle = connect_to(port_);
  send_text(slow, "GET / HTTP/1.1\r\nHost: x\r\n");  // and never the empty line
  const std::string timed_out = read_all(slow, 3s);
  EXPECT_EQ(status_of(timed_out), 408);
  EXPECT_EQ(read_all(idle, 3s), "");  // closed without a word
  pollfd poll_fd{idle, POLLIN, 0};
  EXPECT_EQ(::poll(&poll_fd, 1, 0), 1);  // ...but closed
  ::close(slow);
  ::close(idle);
  EXPECT_EQ(handled_, 0);
  EXPECT_EQ(status_of(exchange(kGet)), 200);
}

TEST_F(HttpServerTest, AtTheCapTheOldestUnfinishedConnectionMakesRoom) {
  ServerLimits limits;
  limits.max_connections = 8;
  start(limits);
  std::vector<int> stalled;
  for (int i = 0; i < 8; ++i) {
    stalled.push_back(connect_to(port_));
    send_text(stalled.back(), "GET / HTTP/1.1\r\n");
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server_->open_connections(), 8u);
  EXPECT_EQ(status_of(exchange(kGet)), 200);
  EXPECT_EQ(read_all(stalled.front(), 1s), "");  // the oldest was dropped
  for (int fd : stalled) ::close(fd);
}

TEST_F(HttpServerTest, FullQueueIs503) {
  ServerLimits limits;
  limits.workers = 1;
  limits.queue_capacity = 1;
  start(limits);
  std::vector<std::future<std::string>> replies;
  for (int i = 0; i < 4; ++i) {
    replies.push_back(std::async(
        std::launch::async, [this] { return exchange("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); }));
    std::this_thread::sleep_for(30ms);
  }
  int busy = 0, ok = 0;
  for (auto& reply : replies) {
    const int status = status_of(reply.get());
    busy += status == 503 ? 1 : 0;
    ok += status == 200 ? 1 : 0;
  }
  EXPECT_EQ(ok + busy, 4);
  EXPECT_GE(busy, 1);
  EXPECT_GE(ok, 2);
}

TEST_F(HttpServerTest, ByteBudgetAcrossConnectionsIs503) {
  ServerLimits limits;
  limits.max_buffered_bytes = 100'000;
  start(limits);
  const int first = connect_to(port_);
  send_text(first, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" +
                       std::string(60'000, 'a'));
  std::this_thread::sleep_for(100ms);
  const int second = connect_to(port_);
  send_text(second, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" +
                        std::string(60'000, 'b'));
  EXPECT_EQ(status_of(read_all(second, 3s)), 503);
  ::close(first);
  ::close(second);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(status_of(exchange(kGet)), 200);
}

}  // namespace
}  // namespace bs::control::http
