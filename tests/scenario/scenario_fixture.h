// The server a scenario test runs: a configuration parsed from text, an
// in-memory lease store, the fake office link and a fake clock. Tests
// derive from ScenarioTest and call start() with their file.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "config/config.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {

class ScenarioTest : public ::testing::Test {
 protected:
  void start(const std::string& text, server::ServerOptions options = {}) {
    auto parsed = config::parse_config(text, "scenario.json");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    config_ = *parsed;
    auto created = server::Server::create(config_, store_, transport_, clock_, options);
    ASSERT_TRUE(created) << created.error();
    server_ = std::move(*created);
  }

  config::Config config_;
  store::MemoryLeaseStore store_;
  io::FakeTransport transport_{{office_link()}};
  FakeClock clock_;
  std::unique_ptr<server::Server> server_;
};

}  // namespace bs::testing
