// A client whose hostname is not UTF-8 and carries terminal escapes and a NUL
// (issue 9, parts 6 and 9e): every listing that shows its lease still answers
// with valid JSON, shows the bytes as \xNN, and the name is stored as sent.
// Before the fix nlohmann's dump threw on the first such lease and each of
// these answered 500.
#include <httplib.h>

#include <future>
#include <string>

#include "common/text.h"
#include "control/api_views.h"
#include "control/http_api.h"
#include "control_fixture.h"

namespace bs::control::test {
namespace {

using namespace std::string_literals;

// \xff\xfe is not UTF-8; ESC ] 0 ; ... BEL sets an xterm's title; NUL ends
// a C string early.
const std::string kHostileName = "\xff\xfe\x1b]0;pwn\x07"s + '\0' + "tail";
const std::string kShownName = "\\xff\\xfe\x1b]0;pwn\x07"s + '\0' + "tail";

class HostileStringsTest : public ControlTest {
 protected:
  void SetUp() override {
    ControlTest::SetUp();
    testing::TestClient hostile = client(1);
    hostile.hostname = kHostileName;
    address_ = hostile.dora();
    ASSERT_FALSE(address_.is_zero());
    testing::TestClient plain = client(2);
    plain.hostname = "plain-pc";
    ASSERT_FALSE(plain.dora().is_zero());
  }

  // What the HTTP layer does with an answer: dump it, then parse it back.
  static Json round_trip(const Json& answer) { return Json::parse(answer.dump()); }

  static const Json* lease_named(const Json& leases, const std::string& hostname) {
    for (const Json& lease : leases) {
      if (lease.value("hostname", "") == hostname) return &lease;
    }
    return nullptr;
  }

  Ip4 address_;
};

TEST_F(HostileStringsTest, StoredAsTheBytesTheClientSent) {
  const Lease* lease = server_->engine().find_by_address(address_);
  ASSERT_NE(lease, nullptr);
  EXPECT_EQ(lease->hostname, kHostileName);
  auto stored = store_.load_all();
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_TRUE((*stored)[0].hostname == kHostileName || (*stored)[1].hostname == kHostileName);
}

TEST_F(HostileStringsTest, LeaseCommandsAnswerValidJson) {
  Json all;
  ASSERT_NO_THROW(all = round_trip(run("lease4-get-all")));
  EXPECT_EQ(all["result"], 0);
  ASSERT_EQ(all["arguments"]["leases"].size(), 2u);
  EXPECT_NE(lease_named(all["arguments"]["leases"], kShownName), nullptr);
  EXPECT_NE(lease_named(all["arguments"]["leases"], "plain-pc"), nullptr);

  Json one;
  ASSERT_NO_THROW(one = round_trip(run("lease4-get", {{"ip-address", to_string(address_)}})));
  EXPECT_EQ(one["arguments"]["hostname"], kShownName);
  Json page;
  ASSERT_NO_THROW(page = round_trip(run("lease4-get-page", {{"from", "start"}, {"limit", 10}})));
  EXPECT_EQ(page["result"], 0);
  // The name can be looked up in the form the answers show it.
  Json by_name;
  ASSERT_NO_THROW(by_name = round_trip(run("lease4-get-by-hostname", {{"hostname", kShownName}})));
  EXPECT_EQ(by_name["result"], 0);
  EXPECT_EQ(by_name["arguments"]["leases"].size(), 1u);
}

TEST_F(HostileStringsTest, StatusPageViewsAnswerValidJson) {
  Json leases;
  ASSERT_NO_THROW(leases = round_trip(api_leases(executor_, "", 100)));
  EXPECT_NE(lease_named(leases["leases"], kShownName), nullptr);
  // The search box matches what the page shows.
  ASSERT_NO_THROW(leases = round_trip(api_leases(executor_, "\\xff\\xfe", 100)));
  EXPECT_EQ(leases["matched"], 1);

  Json events;
  ASSERT_NO_THROW(events = round_trip(api_events(executor_, {}, 100)));
  bool seen = false;
  for (const Json& event : events["events"]) seen = seen || event["text"] == kShownName;
  EXPECT_TRUE(seen) << events.dump();

  Json history;
  ASSERT_NO_THROW(history = round_trip(api_history(executor_, "02:cc:00:00:00:01")));
  ASSERT_EQ(history["leases"].size(), 1u);
  EXPECT_EQ(history["leases"][0]["hostname"], kShownName);
  EXPECT_FALSE(history["events"].empty());
  EXPECT_EQ(history["events"][0]["text"], kShownName);
}

TEST_F(HostileStringsTest, ErrorTextsQuotingForeignBytesAreValidJson) {
  // nlohmann's parse error quotes the bytes it last read, raw.
  Json answer;
  ASSERT_NO_THROW(answer = round_trip(dispatcher_.handle_body("{\"command\": \"\xff\xfe")));
  EXPECT_EQ(answer["result"], 1);
}

// Drains the queue on this thread until `done` is ready, like main's loop.
template <class T>
T pump(CommandQueue& queue, Controller& controller, std::future<T> done) {
  while (done.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
    queue.drain(controller);
  }
  return done.get();
}

TEST_F(HostileStringsTest, HttpViewsAndCommandsAnswer200) {
  CommandQueue queue;
  config::ControlSocket socket;
  socket.port = 0;
  ApiServer api(socket, queue);
  ASSERT_TRUE(api.start());
  const auto request = [&](auto call) {
    return pump(queue, *controller_, std::async(std::launch::async, [&] {
                  httplib::Client http("127.0.0.1", api.port());
                  http.set_read_timeout(5, 0);
                  return call(http);
                }));
  };
  for (const char* path :
       {"/api/leases", "/api/events", "/api/history?client=02:cc:00:00:00:01", "/api/status"}) {
    auto view = request([path](httplib::Client& http) { return http.Get(path); });
    ASSERT_TRUE(view) << path;
    EXPECT_EQ(view->status, 200) << path << ": " << view->body;
    EXPECT_TRUE(Json::accept(view->body)) << path;
  }
  for (const std::string& body : {R"({"command": "lease4-get-all"})"s, "{\"command\": \"\xff"s}) {
    auto reply =
        request([&](httplib::Client& http) { return http.Post("/", body, "application/json"); });
    ASSERT_TRUE(reply) << body;
    EXPECT_EQ(reply->status, 200) << body << ": " << reply->body;
    EXPECT_TRUE(Json::accept(reply->body)) << body;
  }
  queue.close();
  api.stop();
}

}  // namespace
}  // namespace bs::control::test
