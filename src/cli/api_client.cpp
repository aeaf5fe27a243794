// HTTP client for blackstart-ctl, on cpp-httplib.
#include "cli/api_client.h"

#include <httplib.h>

namespace bs::cli {

tl::expected<nlohmann::json, CallError> ApiClient::command(const std::string& name,
                                                           const nlohmann::json& arguments) const {
  httplib::Client http(endpoint_.url);
  if (!http.is_valid()) {
    return tl::unexpected(CallError{kExitUsage, "invalid --url '" + endpoint_.url + "'"});
  }
  http.set_connection_timeout(endpoint_.timeout_s, 0);
  http.set_read_timeout(endpoint_.timeout_s, 0);
  http.set_write_timeout(endpoint_.timeout_s, 0);
  if (!endpoint_.token.empty()) http.set_bearer_token_auth(endpoint_.token);
  if (!endpoint_.user.empty()) http.set_basic_auth(endpoint_.user, endpoint_.password);
  nlohmann::json request = {{"command", name}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  const auto response = http.Post("/", request.dump(), "application/json");
  if (!response) {
    return tl::unexpected(CallError{kExitUnavailable, "cannot reach blackstart at " +
                                                          endpoint_.url + ": " +
                                                          httplib::to_string(response.error())});
  }
  if (response->status == 401) {
    return tl::unexpected(CallError{kExitNoPermission,
                                    "the server wants credentials: use --token, or --user with "
                                    "BLACKSTART_PASSWORD"});
  }
  try {
    auto body = nlohmann::json::parse(response->body);
    if (body.is_array() && body.size() == 1) body = body[0];  // a Control Agent's list
    if (!body.is_object() || !body.contains("result")) throw std::runtime_error("no result");
    return body;
  } catch (const std::exception&) {
    return tl::unexpected(CallError{kExitUnavailable, "HTTP " + std::to_string(response->status) +
                                                          " from " + endpoint_.url +
                                                          " is not a blackstart answer"});
  }
}

}  // namespace bs::cli
