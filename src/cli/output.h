// How blackstart-ctl prints answers for people: aligned tables and
// "key: value" blocks. --json bypasses all of this and prints the answer.
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
std::string format_statistics(const nlohmann::json& statistics);

// Unix seconds as "YYYY-MM-DD HH:MM:SS" UTC.
std::string format_utc(int64_t unix_s);

}  // namespace bs::cli
