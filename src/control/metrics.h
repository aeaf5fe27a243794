// /metrics: a StatusSnapshot in the Prometheus text exposition format
// (version 0.0.4). Every family has HELP and TYPE lines, counters end in
// _total, durations are in seconds; `promtool check metrics` passes on it.
#pragma once

#include <string>

#include "control/controller.h"

namespace bs::control {

std::string format_metrics(const StatusSnapshot& snapshot);

}  // namespace bs::control
