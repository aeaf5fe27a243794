// StatusSnapshot as JSON: the server state for status-get and /api/status,
// pool use for /api/subnets, and Kea-named statistics for
// statistic-get-all. Also the names used for message types and drop reasons
// in every output, so the API, the page and /metrics agree.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "control/controller.h"

namespace bs::control {

// Index = wire::MessageType value; 0 = anything else.
const char* message_type_name(size_t index);

nlohmann::json status_to_json(const StatusSnapshot& snapshot);
nlohmann::json subnets_to_json(const StatusSnapshot& snapshot);
nlohmann::json statistics_to_json(const StatusSnapshot& snapshot);
nlohmann::json event_to_json(const server::Event& event);
// The HA pair in blackstart's flat form (status-get and /api/status "ha").
nlohmann::json ha_to_json(const HaView& ha);

}  // namespace bs::control
