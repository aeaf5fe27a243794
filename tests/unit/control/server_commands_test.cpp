// The config and server commands against a real pipeline: reload keeps
// every lease and refuses bad or restart-only files, config-test reports
// FILE:LINE, config-write stays in the config directory, and the request
// shape is checked before anything runs.
#include <fstream>
#include <sstream>

#include "control/status_json.h"
#include "control_fixture.h"

namespace bs::control::test {
namespace {

TEST_F(ControlTest, ReloadKeepsEveryLeaseAndAppliesTheNewPool) {
  auto a = client(1);
  auto b = client(2);
  ASSERT_EQ(a.dora(), ip("198.18.1.100"));
  ASSERT_EQ(b.dora(), ip("198.18.1.101"));
  // The new pool starts at .101: .100 is now outside every pool.
  write_config(office_config("/unused.sqlite3", "198.18.1.101 - 198.18.1.120"));
  Json reloaded = run("config-reload");
  ASSERT_EQ(reloaded["result"], 0) << reloaded.dump();
  EXPECT_EQ(server_->engine().lease_count(), 2u);
  ASSERT_NE(server_->engine().find_row(ip("198.18.1.100")), nullptr);
  EXPECT_TRUE(server_->engine().find_row(ip("198.18.1.100"))->bound_at(clock_.now_s()));
  EXPECT_EQ(server_->config().subnets[0].pools[0].first, ip("198.18.1.101"));
  // A lease inside the new pool renews; a new client gets a free address.
  auto renewed = b.request_renew(ip("198.18.1.101"));
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->packet.message_type(), wire::MessageType::Ack);
  auto c = client(3);
  EXPECT_EQ(c.dora(), ip("198.18.1.102"));
  // The removed address is kept for its client, never offered to another.
  auto d = client(4);
  EXPECT_EQ(d.dora(), ip("198.18.1.103"));
  EXPECT_EQ(server_->engine().find_row(ip("198.18.1.100"))->hw_address,
            make_hwaddr(std::vector<uint8_t>{2, 0xcc, 0, 0, 0, 1}));
  server_->engine().check_invariants();
  EXPECT_EQ(controller_->snapshot().reloads_ok, 1u);
}

TEST_F(ControlTest, InvalidReloadKeepsTheRunningConfig) {
  auto a = client(1);
  a.dora();
  write_config("{\"Dhcp4\": {\n  \"valid-lifetime\": \"long\"\n}}");
  Json refused = run("config-reload");
  EXPECT_EQ(refused["result"], 1);
  EXPECT_NE(refused["text"].get<std::string>().find(config_path_ + ":2:"), std::string::npos)
      << refused.dump();
  EXPECT_EQ(server_->config().subnets.size(), 1u);
  EXPECT_EQ(server_->engine().lease_count(), 1u);
  EXPECT_EQ(controller_->snapshot().reloads_failed, 1u);
  // The refusal is on record for the status page.
  EXPECT_EQ(server_->events().all().back().kind, server::EventKind::ConfigReload);
}

TEST_F(ControlTest, ReloadRefusesRestartOnlyChanges) {
  std::string moved = office_config("/elsewhere.sqlite3");
  write_config(moved);
  Json refused = run("config-reload");
  EXPECT_EQ(refused["result"], 1);
  EXPECT_NE(refused["text"].get<std::string>().find("lease-database"), std::string::npos);
}

TEST_F(ControlTest, ReloadBySignalPathWorksTheSame) {
  write_config(office_config("/unused.sqlite3", "198.18.1.110 - 198.18.1.120"));
  ASSERT_TRUE(controller_->reload_from_file());
  auto a = client(1);
  EXPECT_EQ(a.dora(), ip("198.18.1.110"));
}

TEST_F(ControlTest, ConfigTestKeepsLinesWithSourceAndChecksKeaForm) {
  Json bad = run("config-test",
                 {{"source", "{\"Dhcp4\": {\n\n \"subnet4\": 5}}"}, {"file-name", "new.json"}});
  EXPECT_EQ(bad["result"], 1);
  EXPECT_EQ(bad["text"].get<std::string>().rfind("new.json:3:", 0), 0u) << bad.dump();
  Json kea = run("config-test", Json::parse(office_config("/unused.sqlite3")));
  EXPECT_EQ(kea["result"], 0) << kea.dump();
  EXPECT_EQ(kea["arguments"]["reloadable"], true);
  Json restart = run("config-test", Json::parse(office_config("/other.sqlite3")));
  EXPECT_EQ(restart["result"], 0);
  EXPECT_EQ(restart["arguments"]["reloadable"], false);
  EXPECT_EQ(run("config-test")["result"], 1);
}

TEST_F(ControlTest, ConfigGetAndWrite) {
  Json got = run("config-get");
  ASSERT_EQ(got["result"], 0);
  EXPECT_EQ(got["arguments"]["Dhcp4"]["valid-lifetime"], 3600);
  Json written = run("config-write", {{"filename", "copy.json"}});
  ASSERT_EQ(written["result"], 0) << written.dump();
  std::ifstream copy(dir_ / "copy.json");
  std::stringstream text;
  text << copy.rdbuf();
  auto reparsed = config::parse_config(text.str(), "copy.json");
  ASSERT_TRUE(reparsed) << reparsed.error().to_string();
  EXPECT_EQ(reparsed->subnets.size(), 1u);
  for (const char* outside : {"/etc/passwd", "../escape.json", "sub/dir.json"}) {
    Json refused = run("config-write", {{"filename", outside}});
    EXPECT_EQ(refused["result"], 1) << outside << ": " << refused.dump();
  }
}

TEST_F(ControlTest, StatusStatisticsVersionAndShutdown) {
  auto a = client(1);
  a.dora();
  controller_->tick();
  Json status = run("status-get");
  ASSERT_EQ(status["result"], 0);
  EXPECT_EQ(status["arguments"]["lease-store"]["healthy"], true);
  EXPECT_EQ(status["arguments"]["recovery-mode"]["active"], false);
  EXPECT_EQ(status["arguments"]["packets"]["received"], 2);
  Json stats = run("statistic-get-all");
  EXPECT_EQ(stats["arguments"]["pkt4-discover-received"][0][0], 1);
  EXPECT_EQ(stats["arguments"]["pkt4-ack-sent"][0][0], 1);
  EXPECT_EQ(stats["arguments"]["subnet[1].assigned-addresses"][0][0], 1);
  EXPECT_EQ(run("statistic-get", {{"name", "pkt4-received"}})["arguments"]["pkt4-received"][0][0],
            2);
  EXPECT_EQ(run("statistic-get", {{"name", "nope"}})["result"], 3);
  EXPECT_EQ(run("version-get")["text"], version());
  EXPECT_EQ(run("list-commands")["arguments"].size(), Dispatcher::command_names().size());
  EXPECT_FALSE(controller_->shutdown_requested());
  EXPECT_EQ(run("shutdown", {{"exit-value", 3}})["result"], 0);
  EXPECT_TRUE(controller_->shutdown_requested());
  EXPECT_EQ(controller_->exit_code(), 3);
}

TEST_F(ControlTest, StoreHealthFollowsCommits) {
  auto a = client(1);
  store_.set_failing(true);
  a.dora();
  controller_->tick();
  EXPECT_FALSE(controller_->snapshot().store.healthy);
  EXPECT_FALSE(controller_->snapshot().store.last_error.empty());
  store_.set_failing(false);
  a.dora();
  controller_->tick();
  EXPECT_TRUE(controller_->snapshot().store.healthy);
  EXPECT_EQ(controller_->snapshot().events_by_kind.at("storage-error"), 1u);
}

TEST_F(ControlTest, RequestShapeIsChecked) {
  const auto result_of = [&](std::string_view body) { return dispatcher_.handle_body(body); };
  EXPECT_EQ(result_of("{not json")["result"], 1);
  EXPECT_EQ(result_of("[1, 2]")["result"], 1);
  EXPECT_EQ(result_of("{}")["text"], "the request has no 'command'");
  EXPECT_EQ(result_of(R"({"command": 7})")["text"], "'command' must be a string");
  EXPECT_EQ(result_of(R"({"command": "lease4-frobnicate"})")["result"], 2);
  EXPECT_EQ(result_of(R"({"command": "version-get", "extra": 1})")["result"], 1);
  // Kea's Control Agent form: "service" given, answer wrapped in a list.
  Json wrapped = result_of(R"({"command": "version-get", "service": ["dhcp4"]})");
  ASSERT_TRUE(wrapped.is_array());
  EXPECT_EQ(wrapped[0]["result"], 0);
  EXPECT_EQ(result_of(R"({"command": "version-get", "service": ["dhcp6"]})")[0]["result"], 1);
}

}  // namespace
}  // namespace bs::control::test
