// Helpers shared by the config tests: where the example files live and a
// shorthand for parsing an inline config that is expected to succeed.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace bs::config::testing {

inline std::string source_path(const std::string& relative) {
  return std::string(BS_SOURCE_DIR) + "/" + relative;
}

inline std::string data_path(const std::string& relative) {
  return source_path("tests/unit/config/data/" + relative);
}

// Parses `text` and fails the test with the loader's message if it errs.
inline Config parse_ok(const std::string& text) {
  auto config = parse_config(text, "inline.json");
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().to_string());
  return config ? *config : Config{};
}

inline Ip4 ip(const char* text) { return parse_ip4(text).value(); }

}  // namespace bs::config::testing
