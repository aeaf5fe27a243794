// Kea severities to spdlog levels (log_severity.h).
#include "control/log_severity.h"

#include <spdlog/spdlog.h>

namespace bs::control {

spdlog::level::level_enum level_for_severity(std::string_view severity) {
  if (severity == "DEBUG") return spdlog::level::debug;
  if (severity == "WARN") return spdlog::level::warn;
  if (severity == "ERROR") return spdlog::level::err;
  if (severity == "FATAL") return spdlog::level::critical;
  return spdlog::level::info;
}

void apply_log_severity(std::string_view severity) {
  spdlog::set_level(level_for_severity(severity));
}

}  // namespace bs::control
