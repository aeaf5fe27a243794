// The HTTP layer end to end on loopback: a real ApiServer on a free port,
// a CommandQueue drained by this thread as the packet loop would, and an
// httplib client. Covers credentials, the body limit, error bodies, the page
// and the views; the commands themselves are tested without HTTP.
#include <httplib.h>

#include <atomic>
#include <future>
#include <thread>

#include "control/http_api.h"
#include "control/http_auth.h"
#include "control_fixture.h"

namespace bs::control::test {
namespace {

TEST(HttpAuthTest, Base64AndConstantTimeCompare) {
  EXPECT_EQ(base64_decode("YWRtaW46czNjcmV0"), "admin:s3cret");
  EXPECT_EQ(base64_decode("YQ=="), "a");
  EXPECT_FALSE(base64_decode("not base64!"));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST(HttpAuthTest, BasicAndBearer) {
  config::ControlSocket open;
  EXPECT_TRUE(authorized(open, ""));
  config::ControlSocket basic;
  basic.basic_clients = {{"admin", "s3cret"}};
  EXPECT_TRUE(authorized(basic, "Basic YWRtaW46czNjcmV0"));
  EXPECT_TRUE(authorized(basic, "basic YWRtaW46czNjcmV0"));
  EXPECT_FALSE(authorized(basic, "Basic YWRtaW46d3Jvbmc="));  // admin:wrong
  EXPECT_FALSE(authorized(basic, ""));
  EXPECT_FALSE(authorized(basic, "Bearer s3cret"));
  config::ControlSocket bearer;
  bearer.bearer_token = "0123456789abcdef";
  EXPECT_TRUE(authorized(bearer, "Bearer 0123456789abcdef"));
  EXPECT_FALSE(authorized(bearer, "Bearer 0123456789abcdeX"));
  EXPECT_FALSE(authorized(bearer, "Basic YWRtaW46czNjcmV0"));
}

// Drains the queue on this thread until `done` is ready, like main's loop.
template <class T>
T pump(CommandQueue& queue, Controller& controller, std::future<T> done) {
  while (done.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
    queue.drain(controller);
  }
  return done.get();
}

class HttpTest : public ControlTest {
 protected:
  void start(config::ControlSocket socket) {
    socket.port = 0;
    api_ = std::make_unique<ApiServer>(socket, queue_);
    ASSERT_TRUE(api_->start());
  }
  void TearDown() override {
    queue_.close();
    if (api_) api_->stop();
    ControlTest::TearDown();
  }
  template <class Call>
  httplib::Result request(Call call) {
    httplib::Client http("127.0.0.1", api_->port());
    http.set_read_timeout(5, 0);
    return pump(queue_, *controller_, std::async(std::launch::async, [&] { return call(http); }));
  }

  CommandQueue queue_;
  std::unique_ptr<ApiServer> api_;
};

TEST_F(HttpTest, CommandsPageMetricsAndViews) {
  start({});
  auto version = request([](httplib::Client& http) {
    return http.Post("/", R"({"command": "version-get"})", "application/json");
  });
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
  EXPECT_EQ(Json::parse(version->body)["text"], control::version());
  auto page = request([](httplib::Client& http) { return http.Get("/"); });
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<title>blackstart status</title>"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  auto metrics = request([](httplib::Client& http) { return http.Get("/metrics"); });
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("blackstart_packets_received_total"), std::string::npos);
  for (const char* path : {"/api/status", "/api/subnets", "/api/events?kinds=nak,declined",
                           "/api/leases?q=02:cc", "/api/history?client=02:cc:00:00:00:01"}) {
    auto view = request([path](httplib::Client& http) { return http.Get(path); });
    ASSERT_TRUE(view) << path;
    EXPECT_EQ(view->status, 200) << path << ": " << view->body;
    EXPECT_TRUE(Json::accept(view->body)) << path;
  }
  auto bad_limit =
      request([](httplib::Client& http) { return http.Get("/api/leases?limit=lots"); });
  ASSERT_TRUE(bad_limit);
  EXPECT_EQ(bad_limit->status, 400);
  auto missing = request([](httplib::Client& http) { return http.Get("/nothing"); });
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Json::parse(missing->body)["result"], 1);
}

// Kea's newest example configs listen on ::1. A raw request, so the test
// decides the Host header rather than the client library.
TEST_F(HttpTest, ListensOnIPv6LoopbackWithConfiguredHeaders) {
  config::ControlSocket socket;
  socket.address = *config::parse_control_address("::1");
  socket.http_headers = {{"Strict-Transport-Security", "max-age=31536000"}};
  start(socket);
  const std::string host = "[::1]:" + std::to_string(api_->port());
  auto reply = pump(queue_, *controller_, std::async(std::launch::async, [&] {
                      httplib::Client http("::1", api_->port());
                      http.set_read_timeout(5, 0);
                      return http.Get("/api/status", {{"Host", host}});
                    }));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(reply->get_header_value("Strict-Transport-Security"), "max-age=31536000");
  EXPECT_NE(api_->describe().find("http://[::1]:"), std::string::npos) << api_->describe();
}

TEST_F(HttpTest, OversizedBodyIsRefusedWithAJsonError) {
  start({});
  const std::string huge(kMaxBodyBytes + 1, ' ');
  auto reply =
      request([&](httplib::Client& http) { return http.Post("/", huge, "application/json"); });
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_NE(Json::parse(reply->body)["text"].get<std::string>().find("larger than"),
            std::string::npos);
}

TEST_F(HttpTest, CredentialsAreRequiredEverywhereWhenConfigured) {
  config::ControlSocket socket;
  socket.basic_clients = {{"admin", "s3cret"}};
  start(socket);
  for (const char* path : {"/", "/metrics", "/api/status"}) {
    auto denied = request([path](httplib::Client& http) { return http.Get(path); });
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->status, 401) << path;
    EXPECT_EQ(denied->get_header_value("WWW-Authenticate"), "Basic realm=\"blackstart\"");
  }
  auto denied_post = request([](httplib::Client& http) {
    return http.Post("/", R"({"command": "shutdown"})", "application/json");
  });
  ASSERT_TRUE(denied_post);
  EXPECT_EQ(denied_post->status, 401);
  EXPECT_FALSE(controller_->shutdown_requested());
  auto allowed = request([](httplib::Client& http) {
    http.set_basic_auth("admin", "s3cret");
    return http.Get("/api/status");
  });
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
}

TEST(CommandQueueTest, ClosedQueueAndTimeoutAreErrors) {
  CommandQueue closed;
  closed.close();
  EXPECT_FALSE(closed.run([](Controller&) {}));
  CommandQueue slow(4, std::chrono::milliseconds(20));
  auto result = slow.run([](Controller&) {});  // nobody drains it
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find("did not answer"), std::string::npos);
}

TEST(CommandQueueTest, FullQueueRefuses) {
  CommandQueue tiny(1, std::chrono::milliseconds(300));
  auto first = std::async(std::launch::async, [&] { return tiny.run([](Controller&) {}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto second = tiny.run([](Controller&) {});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("too many"), std::string::npos);
  EXPECT_FALSE(first.get());  // timed out: never drained
}

}  // namespace
}  // namespace bs::control::test
