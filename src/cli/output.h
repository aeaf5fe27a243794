// How blackstart-ctl prints answers for people: aligned tables and
// "key: value" blocks, with every string escaped for the terminal
// (common/text.h). --json prints the answer itself, through format_json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bs::cli {

// Columns sized to their widest cell; every row has as many cells as header.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

std::string format_lease_table(const nlohmann::json& leases);
std::string format_lease_details(const nlohmann::json& lease);
std::string format_status(const nlohmann::json& status);
// status-get's "ha" object (blackstart's flat form), as format_status shows it.
std::string format_ha_status(const nlohmann::json& ha);
std::string format_statistics(const nlohmann::json& statistics);

// The answer as indented JSON for --json, safe for a terminal: invalid UTF-8
// (only from a server that is not blackstart) is replaced, and DEL and C1
// controls are written as \u00XX like dump's C0 controls.
std::string format_json(const nlohmann::json& answer);

// Unix seconds as "YYYY-MM-DD HH:MM:SS" UTC.
std::string format_utc(int64_t unix_s);

}  // namespace bs::cli
