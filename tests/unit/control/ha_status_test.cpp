// The HA pair's figures in status: status-get's flat "ha" object and Kea's
// "high-availability" list and /metrics' blackstart_ha_* families (the
// CLI's lines are in tests/unit/cli/output_test.cpp), for a server whose partner link is the
// in-process fake (tests/scenario/fake_partner_link.h) with nobody at the
// other end but what the test injects.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "control/metrics.h"
#include "control_fixture.h"
#include "scenario/fake_partner_link.h"

namespace bs::control::test {
namespace {

std::string ha_config() {
  return R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}]}],
  "hooks-libraries": [{"library": "libdhcp_ha.so", "parameters": {"high-availability": [{
    "this-server-name": "one", "mode": "hot-standby",
    "heartbeat-delay": 1000, "max-ack-delay": 500, "max-response-delay": 4000,
    "blackstart-mclt": 600,
    "peers": [{"name": "one", "url": "http://198.18.0.1:8647/", "role": "primary"},
              {"name": "two", "url": "http://198.18.0.2:8647/", "role": "standby"}]}]}}]}})";
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string got; std::getline(in, got);) {
    if (got == line) return true;
  }
  return false;
}

class HaStatusTest : public ControlTest {
 protected:
  void SetUp() override {
    ControlTest::SetUp();
    write_config(ha_config());
    auto running = load_running_config(config_path_);
    ASSERT_TRUE(running) << running.error().to_string();
    controller_.reset();
    auto created = server::Server::create(running->config, store_, transport_, clock_);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
    server_->attach_partner(wire_.end(clock_, 0), *running->config.ha);
    controller_ = std::make_unique<Controller>(*server_, clock_, std::move(*running), "memory");
    executor_.controller = controller_.get();
  }

  // A heartbeat from the partner in `state`, as if it had crossed the link.
  void partner_says(ha::State state) {
    Bytes bytes;
    server::encode_frame(server::LinkFrame{state, server::Heartbeat{}}, clock_.now_s(), bytes);
    wire_.inbox[0].push_back(std::move(bytes));
    server_->partner()->poll(0);
  }

  testing::FakePartnerWire wire_;
};

TEST_F(HaStatusTest, StatusGetShowsThePairBeforeThePartnerIsHeard) {
  const Json status = run("status-get")["arguments"];
  ASSERT_TRUE(status.contains("ha")) << status.dump();
  const Json& ha = status["ha"];
  EXPECT_EQ(ha["mode"], "hot-standby");
  EXPECT_EQ(ha["role"], "primary");
  EXPECT_EQ(ha["state"], "waiting");
  EXPECT_EQ(ha["partner-role"], "standby");
  EXPECT_TRUE(ha["partner-state"].is_null());
  EXPECT_TRUE(ha["last-contact-s-ago"].is_null());
  EXPECT_EQ(ha["in-touch"], false);
  EXPECT_EQ(ha["unacked-updates"], 0);
  EXPECT_EQ(ha["unacked-leases"], 0);
  // Kea's form is still there beside it.
  ASSERT_TRUE(status["high-availability"].is_array());
  EXPECT_EQ(status["high-availability"][0]["ha-servers"]["local"]["state"], "waiting");
}

TEST_F(HaStatusTest, LastContactAndPartnerStateFollowTheLink) {
  partner_says(ha::State::Waiting);
  clock_.advance_ms(3500);
  const Json ha = run("status-get")["arguments"]["ha"];
  EXPECT_EQ(ha["partner-state"], "waiting");
  EXPECT_EQ(ha["last-contact-s-ago"], 3);
  const Json kea = run("status-get")["arguments"]["high-availability"][0];
  EXPECT_EQ(kea["ha-servers"]["remote"]["last-state"], "waiting");
  EXPECT_EQ(kea["ha-servers"]["remote"]["age"], 3);
}

// In waiting the server serves its own clients alone: the lease is
// committed here only, and status counts it as not acknowledged.
TEST_F(HaStatusTest, LeasesCommittedAloneAreCountedUnacknowledged) {
  const Ip4 bound = client(1).dora();
  ASSERT_FALSE(bound.is_zero());
  client(2).dora();
  const Json ha = run("status-get")["arguments"]["ha"];
  EXPECT_EQ(ha["unacked-leases"], 2);
  EXPECT_EQ(run("status-get")["arguments"]["high-availability"][0]["blackstart"]["unacked-leases"],
            2);
  const std::string text = format_metrics(controller_->snapshot());
  EXPECT_TRUE(has_line(text, "blackstart_ha_unacked_leases 2")) << text;
}

TEST_F(HaStatusTest, MetricsCarryTheStatesAsGauges) {
  partner_says(ha::State::HotStandby);
  const std::string text = format_metrics(controller_->snapshot());
  // Contact moves waiting on to syncing at once (pair_state.cpp).
  const std::string state = run("status-get")["arguments"]["ha"]["state"];
  EXPECT_TRUE(has_line(text, "blackstart_ha_state{state=\"" + state + "\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "blackstart_ha_state{state=\"partner-down\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "blackstart_ha_partner_state{state=\"hot-standby\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "blackstart_ha_last_contact_seconds 0")) << text;
  EXPECT_TRUE(has_line(text, "blackstart_ha_unacked_updates 0")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE blackstart_ha_batches_timed_out_total counter")) << text;
}

// promtool's own check, here because test_control.sh's server has no
// partner (skipped where promtool is not installed).
TEST_F(HaStatusTest, PromtoolAcceptsTheHaFamilies) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "no promtool";
  partner_says(ha::State::HotStandby);
  client(1).dora();
  const std::string path = (dir_ / "metrics.txt").string();
  std::ofstream(path) << format_metrics(controller_->snapshot());
  const std::string command = "promtool check metrics <'" + path + "' >'" + path + ".log' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << std::ifstream(path + ".log").rdbuf();
}

TEST(HaStatusWithoutPartner, NoHaFigures) {
  StatusSnapshot snapshot;
  EXPECT_EQ(format_metrics(snapshot).find("blackstart_ha_"), std::string::npos);
}

}  // namespace
}  // namespace bs::control::test
