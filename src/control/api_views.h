// The JSON behind the status page (GET /api/...), and /metrics. Each view
// copies what it needs on the pipeline thread and formats it on the caller's
// thread. A failure to reach the pipeline throws CommandError; a bad
// parameter throws std::invalid_argument.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "control/command_queue.h"
#include "control/command_util.h"

namespace bs::control {

Json api_status(Executor& executor);  // server state and pool use
Json api_subnets(Executor& executor);
// Newest first; `kinds` empty = every kind.
Json api_events(Executor& executor, std::vector<std::string> kinds, size_t limit);
// Leases (offers included) whose address, MAC, hostname or client id
// contains `query` (case-insensitive; '-' matches ':'); empty = all.
Json api_leases(Executor& executor, std::string query, size_t limit);
// One client's lease records and recent events; `client` is a MAC or a
// client id in hex.
Json api_history(Executor& executor, const std::string& client);
std::string api_metrics(Executor& executor);

}  // namespace bs::control
