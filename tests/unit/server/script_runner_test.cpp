// The script runner: Kea's variables for each hook point (pure), and the
// real runner's thread: the script runs with the hook point as argument and
// only Kea's environment, the queue is bounded (overflow counted), at most
// max_children run at once, and a script that hangs is killed.
#include "server/script_runner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "wire/packet.h"

namespace bs::server {
namespace {

std::string env_value(const ScriptCall& call, const std::string& name) {
  for (const std::string& entry : call.env) {
    if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
  }
  return "<unset>";
}

Lease lease_at(const char* address) {
  Lease lease;
  lease.address = *parse_ip4(address);
  lease.hw_address.length = 6;
  lease.hw_address.bytes = {0x02, 0xcc, 0, 0, 0, 0x2a};
  lease.client_id = {0x01, 0x02, 0xcc, 0, 0, 0, 0x2a};
  lease.hostname = "laptop";
  lease.subnet_id = 5;
  lease.valid_lifetime_s = 600;
  lease.cltt_s = 1'800'000'000;
  return lease;
}

ScriptEvent event_for(wire::MessageType type, std::optional<Lease> before,
                      std::optional<Lease> after, Bytes agent = {}) {
  wire::Packet query;
  query.xid = 0xabcd;
  query.hops = agent.empty() ? 0 : 1;
  query.giaddr = agent.empty() ? Ip4{} : *parse_ip4("198.18.9.1");
  query.chaddr = {0x02, 0xcc, 0, 0, 0, 0x2a};
  query.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
  query.set(wire::opt::kClientId, Bytes{0x01, 0x02, 0xcc, 0, 0, 0, 0x2a});
  if (!agent.empty()) query.set(wire::opt::kRelayAgentInfo, agent);
  ScriptEvent event;
  event.query.payload = wire::encode(query, 1472);
  event.query.ifindex = 3;
  event.query.source = query.giaddr;
  event.query.source_port = agent.empty() ? 68 : 67;
  event.interface_name = "lan0";
  event.interface_address = *parse_ip4("198.18.0.1");
  event.interface_mac = {0x02, 0xaa, 0, 0, 0, 1};
  event.change.address = (after ? after : before)->address;
  event.change.before = std::move(before);
  event.change.after = std::move(after);
  event.subnet_id = 5;
  event.subnet_prefix = *parse_ip4("198.18.9.0");
  event.subnet_prefix_len = 24;
  return event;
}

TEST(ScriptCalls, RelayedGrantCarriesKeasQueryLeaseAndOption82Variables) {
  const Bytes agent{1, 2, 0xab, 0xcd, 2, 1, 0x07};
  const auto calls = script_calls(
      event_for(wire::MessageType::Request, std::nullopt, lease_at("198.18.9.20"), agent));
  ASSERT_EQ(calls.size(), 1u);
  const ScriptCall& call = calls[0];
  EXPECT_EQ(call.hook, "leases4_committed");
  EXPECT_EQ(env_value(call, "QUERY4_TYPE"), "DHCPREQUEST");
  EXPECT_EQ(env_value(call, "QUERY4_TXID"), "43981");
  EXPECT_EQ(env_value(call, "QUERY4_LOCAL_ADDR"), "198.18.0.1");
  EXPECT_EQ(env_value(call, "QUERY4_LOCAL_PORT"), "67");
  EXPECT_EQ(env_value(call, "QUERY4_REMOTE_ADDR"), "198.18.9.1");
  EXPECT_EQ(env_value(call, "QUERY4_REMOTE_PORT"), "67");
  EXPECT_EQ(env_value(call, "QUERY4_IFACE_INDEX"), "3");
  EXPECT_EQ(env_value(call, "QUERY4_IFACE_NAME"), "lan0");
  EXPECT_EQ(env_value(call, "QUERY4_HOPS"), "1");
  EXPECT_EQ(env_value(call, "QUERY4_GIADDR"), "198.18.9.1");
  EXPECT_EQ(env_value(call, "QUERY4_RELAYED"), "true");
  EXPECT_EQ(env_value(call, "QUERY4_HWADDR"), "02:cc:00:00:00:2a");
  EXPECT_EQ(env_value(call, "QUERY4_HWADDR_TYPE"), "1");
  EXPECT_EQ(env_value(call, "QUERY4_LOCAL_HWADDR"), "02:aa:00:00:00:01");
  EXPECT_EQ(env_value(call, "QUERY4_REMOTE_HWADDR"), "");
  EXPECT_EQ(env_value(call, "QUERY4_OPTION_82"), "0x0102ABCD020107");
  EXPECT_EQ(env_value(call, "QUERY4_OPTION_82_SUB_OPTION_1"), "0xABCD");
  EXPECT_EQ(env_value(call, "QUERY4_OPTION_82_SUB_OPTION_2"), "0x07");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_ADDRESS"), "198.18.9.20");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_CLTT"), "1800000000");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_HWADDR_TYPE"), "1");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_CLIENT_ID"), "01:02:cc:00:00:00:2a");
  EXPECT_EQ(env_value(call, "LEASES4_AT0_SUBNET_ID"), "5");
  EXPECT_EQ(env_value(call, "SUBNET4_ID"), "<unset>") << "not a leases4_committed variable";
}

TEST(ScriptCalls, RenewOfTheClientsOwnLeaseAddsLease4Renew) {
  const auto calls = script_calls(
      event_for(wire::MessageType::Request, lease_at("198.18.9.20"), lease_at("198.18.9.20")));
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].hook, "lease4_renew");
  EXPECT_EQ(env_value(calls[0], "SUBNET4_ID"), "5");
  EXPECT_EQ(env_value(calls[0], "SUBNET4_NAME"), "198.18.9.0/24");
  EXPECT_EQ(env_value(calls[0], "SUBNET4_PREFIX"), "198.18.9.0");
  EXPECT_EQ(env_value(calls[0], "PKT4_CLIENT_ID"), "01:02:cc:00:00:00:2a");
  EXPECT_EQ(env_value(calls[0], "PKT4_HWADDR"), "02:cc:00:00:00:2a");
  EXPECT_EQ(env_value(calls[0], "LEASE4_HOSTNAME"), "laptop");
  EXPECT_EQ(calls[1].hook, "leases4_committed");
}

TEST(ScriptCalls, ReleaseTellsTheLeaseAsItWasAndOthersNothing) {
  Lease released = lease_at("198.18.9.20");
  released.state = LeaseState::Reclaimed;
  auto calls =
      script_calls(event_for(wire::MessageType::Release, lease_at("198.18.9.20"), released));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].hook, "lease4_release");
  EXPECT_EQ(env_value(calls[0], "LEASE4_STATE"), "default");
  EXPECT_EQ(env_value(calls[0], "QUERY4_TYPE"), "DHCPRELEASE");
  EXPECT_TRUE(
      script_calls(event_for(wire::MessageType::Discover, std::nullopt, lease_at("198.18.9.2")))
          .empty());
  ScriptEvent garbage = event_for(wire::MessageType::Request, std::nullopt, lease_at("198.18.9.2"));
  garbage.query.payload.resize(10);
  EXPECT_TRUE(script_calls(garbage).empty());
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("bs-runner-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_script(const std::string& body) {
    const std::string path = (dir_ / "hook.sh").string();
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0700);
    return path;
  }
  static void wait_idle(const ProcessScriptRunner& runner) {
    for (int i = 0; i < 500 && !runner.idle(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path dir_;
};

TEST_F(RunnerTest, RunsTheScriptWithTheHookPointAndOnlyKeasEnvironment) {
  const std::string out = (dir_ / "env.txt").string();
  ProcessScriptRunner runner(write_script("echo \"$1\" >> " + out + "; env | sort >> " + out));
  ASSERT_TRUE(
      runner.submit(event_for(wire::MessageType::Request, std::nullopt, lease_at("198.18.9.20"))));
  wait_idle(runner);
  const std::string text = read("env.txt");
  EXPECT_EQ(text.rfind("leases4_committed\n", 0), 0u) << text;
  EXPECT_NE(text.find("LEASES4_AT0_ADDRESS=198.18.9.20\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("HOME="), std::string::npos) << "the daemon's environment leaked";
  EXPECT_EQ(runner.stats().started.load(), 1u);
  EXPECT_EQ(runner.stats().failed.load(), 0u);
}

TEST_F(RunnerTest, BoundedQueueCountsOverflowAndChildrenAreCapped) {
  const std::string script =
      write_script("mkdir " + (dir_ / "lock").string() + " 2>/dev/null || echo overlap >> " +
                   (dir_ / "overlap").string() + "\nsleep 0.2\nrmdir " + (dir_ / "lock").string());
  ScriptRunnerOptions options;
  options.queue_capacity = 2;
  options.max_children = 1;
  ProcessScriptRunner runner(script, options);
  size_t accepted = 0;
  for (int i = 0; i < 10; ++i) {
    accepted +=
        runner.submit(event_for(wire::MessageType::Request, std::nullopt, lease_at("198.18.9.20")))
            ? 1
            : 0;
  }
  EXPECT_LE(accepted, 3u) << "two queued, at most one taken by the thread already";
  EXPECT_EQ(runner.stats().dropped.load(), 10 - accepted);
  wait_idle(runner);
  EXPECT_EQ(runner.stats().started.load(), accepted);
  EXPECT_EQ(read("overlap"), "") << "more than max_children scripts ran at once";
}

TEST_F(RunnerTest, AHangingScriptIsKilledAndAMissingOneCounted) {
  ScriptRunnerOptions options;
  options.child_timeout_ms = 100;
  {
    ProcessScriptRunner runner(write_script("exec sleep 30"), options);
    runner.submit(event_for(wire::MessageType::Request, std::nullopt, lease_at("198.18.9.20")));
    wait_idle(runner);
    EXPECT_EQ(runner.stats().killed.load(), 1u);
  }
  ProcessScriptRunner missing((dir_ / "nope.sh").string(), options);
  missing.submit(event_for(wire::MessageType::Request, std::nullopt, lease_at("198.18.9.20")));
  wait_idle(missing);
  EXPECT_EQ(missing.stats().spawn_failures.load() + missing.stats().failed.load(), 1u);
}

}  // namespace
}  // namespace bs::server
