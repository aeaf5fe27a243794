// Kea's logger severities ("DEBUG", "INFO", "WARN", "ERROR", "FATAL") as
// spdlog levels: the one mapping used at start-up, by the log outputs and
// when a reload changes the severity, so the three cannot drift apart.
#pragma once

#include <spdlog/common.h>

#include <string_view>

namespace bs::control {

// Kea's severity name as spdlog's level (unknown names: info, Kea's default).
spdlog::level::level_enum level_for_severity(std::string_view severity);

// Sets the default logger's level from a Kea severity name.
void apply_log_severity(std::string_view severity);

}  // namespace bs::control
