// libdhcp_run_script's equivalent seen from the pipeline: lease events are
// handed to the script runner only after the batch that made them is
// durable (none for a failed commit, none for OFFERs), in Kea's calls
// (lease4_renew, leases4_committed, lease4_release, lease4_decline), and a
// full queue costs a counted event, never a reply.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "common/clock.h"
#include "config/config.h"
#include "scenario_fixture.h"
#include "server/fake_script_runner.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

std::string env_value(const server::ScriptCall& call, const std::string& name) {
  for (const std::string& entry : call.env) {
    if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
  }
  return "<unset>";
}

class RunScriptTest : public ScenarioTest {
 protected:
  void SetUp() override {
    start(kSmallOfficeConfig);
    server_->attach_script_runner(std::make_unique<server::FakeScriptRunner>(log_));
  }

  std::vector<std::string> hooks() const {
    std::vector<std::string> out;
    for (const auto& event : log_->events) {
      for (const auto& call : server::script_calls(event)) out.push_back(call.hook);
    }
    return out;
  }

  std::shared_ptr<server::FakeScriptLog> log_ = std::make_shared<server::FakeScriptLog>();
  const Ip4 server_id_ = *parse_ip4("198.18.1.1");
};

TEST_F(RunScriptTest, AGrantIsOneCommittedEventWithKeasVariables) {
  TestClient pc(transport_, *server_, 7);
  pc.hostname = "printer";
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_TRUE(log_->events.empty()) << "an OFFER promises nothing: no event";
  ASSERT_TRUE(pc.request_selecting(offer->packet.yiaddr, server_id_));
  ASSERT_EQ(log_->events.size(), 1u);
  const auto calls = server::script_calls(log_->events[0]);
  ASSERT_EQ(calls.size(), 1u);
  const auto& call = calls[0];
  EXPECT_EQ(call.hook, "leases4_committed");
  EXPECT_EQ(env_value(call, "QUERY4_TYPE"), "DHCPREQUEST");
  EXPECT_EQ(env_value(call, "QUERY4_IFACE_NAME"), "office0");
  EXPECT_EQ(env_value(call, "QUERY4_HWADDR"), "02:cc:00:00:00:07");
  EXPECT_EQ(env_value(call, "QUERY4_RELAYED"), "false");
  EXPECT_EQ(env_value(call, "LEASES4_SIZE"), "1");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_ADDRESS"), to_string(offer->packet.yiaddr));
  EXPECT_EQ(env_value(call, "LEASES4_AT0_HWADDR"), "02:cc:00:00:00:07");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_HOSTNAME"), "printer");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_STATE"), "default");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_SUBNET_ID"), "1");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_VALID_LIFETIME"), "3600");
  EXPECT_EQ(env_value(call, "DELETED_LEASES4_SIZE"), "0");
}

TEST_F(RunScriptTest, RenewReleaseAndDeclineAreKeasHookPoints) {
  TestClient pc(transport_, *server_, 8);
  const Ip4 address = pc.dora();
  ASSERT_FALSE(address.is_zero());
  clock_.advance_s(100);
  ASSERT_TRUE(pc.request_renew(address));
  ASSERT_EQ(log_->events.size(), 2u);
  const auto renew = server::script_calls(log_->events[1]);
  ASSERT_EQ(renew.size(), 2u);
  EXPECT_EQ(renew[0].hook, "lease4_renew");
  EXPECT_EQ(env_value(renew[0], "SUBNET4_NAME"), "198.18.1.0/24");
  EXPECT_EQ(env_value(renew[0], "SUBNET4_PREFIX_LEN"), "24");
  EXPECT_EQ(env_value(renew[0], "PKT4_HWADDR"), "02:cc:00:00:00:08");
  EXPECT_EQ(env_value(renew[0], "LEASE4_ADDRESS"), to_string(address));
  EXPECT_EQ(env_value(renew[0], "QUERY4_CIADDR"), to_string(address));
  EXPECT_EQ(renew[1].hook, "leases4_committed");

  pc.release(address, server_id_);
  TestClient other(transport_, *server_, 9);
  const Ip4 second = other.dora();
  other.decline(second, server_id_);
  EXPECT_EQ(hooks(),
            (std::vector<std::string>{"leases4_committed", "lease4_renew", "leases4_committed",
                                      "lease4_release", "leases4_committed", "lease4_decline"}));
  const auto decline = server::script_calls(log_->events.back());
  EXPECT_EQ(env_value(decline[0], "LEASE4_STATE"), "declined");
  EXPECT_EQ(env_value(decline[0], "QUERY4_TYPE"), "DHCPDECLINE");
}

TEST_F(RunScriptTest, NoEventForABatchTheStoreDidNotCommit) {
  TestClient pc(transport_, *server_, 10);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  store_.set_failing(true, store::StoreFault::DiskFull);
  EXPECT_FALSE(pc.request_selecting(offer->packet.yiaddr, server_id_));
  EXPECT_TRUE(log_->events.empty()) << "the lease is not durable: the script must not run";
  store_.set_failing(false);
  ASSERT_TRUE(pc.request_selecting(offer->packet.yiaddr, server_id_));
  EXPECT_EQ(log_->events.size(), 1u);
}

TEST_F(RunScriptTest, AFullQueueCostsTheEventNotTheReply) {
  log_->capacity = 1;
  TestClient a(transport_, *server_, 11);
  TestClient b(transport_, *server_, 12);
  EXPECT_FALSE(a.dora().is_zero());
  EXPECT_FALSE(b.dora().is_zero()) << "the client still gets its ACK";
  EXPECT_EQ(log_->events.size(), 1u);
  EXPECT_EQ(log_->refused, 1u);
  EXPECT_EQ(server_->counters().script_events_dropped, 1u);
}

}  // namespace
}  // namespace bs::testing
