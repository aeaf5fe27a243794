// A real server pipeline (FakeTransport, MemoryLeaseStore, FakeClock) with
// its Controller and a Dispatcher whose jobs run inline, so command tests
// exercise exactly the code the daemon runs, minus HTTP and threads. The
// config lives in a temporary file so reload and config-write have a path.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "control/commands.h"
#include "control/controller.h"
#include "scenario/test_client.h"
#include "store/lease_store.h"

namespace bs::control::test {

inline Ip4 ip(const char* text) { return *parse_ip4(text); }

// Runs every job at once on the calling thread (the pipeline in tests).
class InlineExecutor final : public Executor {
 public:
  Controller* controller = nullptr;
  tl::expected<void, std::string> run(Job job) override {
    job(*controller);
    return {};
  }
};

// Pool .100-.109, reservation .50 for 02:cc:00:00:00:99 ("counter-1").
inline std::string office_config(const std::string& db_name,
                                 const std::string& pool = "198.18.1.100 - 198.18.1.109") {
  return R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": ")" +
         db_name + R"("},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": ")" +
         pool + R"("}],
    "reservations": [{"hw-address": "02:cc:00:00:00:99", "ip-address": "198.18.1.50",
                      "hostname": "counter-1"}]}]
}})";
}

class ControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("bs_control_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    config_path_ = (dir_ / "blackstart.json").string();
    write_config(office_config("/unused.sqlite3"));
    auto running = load_running_config(config_path_);
    ASSERT_TRUE(running) << running.error().to_string();
    auto created = server::Server::create(running->config, store_, transport_, clock_);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
    controller_ = std::make_unique<Controller>(*server_, clock_, std::move(*running), "memory");
    executor_.controller = controller_.get();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write_config(const std::string& text) { std::ofstream(config_path_) << text; }

  Json run(const Json& request) { return dispatcher_.handle(request); }
  Json run(const char* command, const Json& arguments) {
    return run(Json{{"command", command}, {"arguments", arguments}});
  }
  Json run(const char* command) { return run(Json{{"command", command}}); }

  testing::TestClient client(uint8_t mac_last_byte) {
    return testing::TestClient(transport_, *server_, mac_last_byte);
  }

  std::filesystem::path dir_;
  std::string config_path_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{testing::office_link()}};
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Controller> controller_;
  InlineExecutor executor_;
  Dispatcher dispatcher_{executor_};
};

}  // namespace bs::control::test
