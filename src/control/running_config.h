// The configuration the daemon runs with, as the control API sees it: the
// parsed Config, the file it came from, and the document itself (comments
// dropped) for config-get and config-write. Loading reads the file once, so
// the document and the Config always describe the same text.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "config/config.h"

namespace bs::control {

struct RunningConfig {
  std::string path;  // file it was read from; empty when it came from a request
  config::Config config;
  nlohmann::json document;
};

tl::expected<RunningConfig, config::ConfigError> load_running_config(const std::string& path);
// `name` appears in error messages in place of a file name.
tl::expected<RunningConfig, config::ConfigError> parse_running_config(std::string_view text,
                                                                      const std::string& name);

// A reload swaps subnets, pools, options, reservations and timers. Sockets,
// the lease store and the control API itself stay as they are until a
// restart; a new config that changes one of them is refused with this text.
std::optional<std::string> restart_only_change(const config::Config& running,
                                               const config::Config& next);

}  // namespace bs::control
