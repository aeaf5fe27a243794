// Request validation and routing for the Kea-style commands.
#include "control/commands.h"

#include <array>

#include "control/command_handlers.h"

namespace bs::control {
namespace {

using Handler = Json (*)(Executor&, const Json&);

struct Command {
  std::string_view name;
  Handler run;
};

Json list_commands(Executor& executor, const Json& request);

constexpr std::array kCommands = {
    Command{"build-report", build_report},
    Command{"config-get", config_get},
    Command{"config-reload", config_reload},
    Command{"config-test", config_test},
    Command{"config-write", config_write},
    Command{"ha-continue", ha_continue},
    Command{"ha-heartbeat", ha_heartbeat},
    Command{"ha-maintenance-cancel", ha_maintenance_cancel},
    Command{"ha-maintenance-start", ha_maintenance_start},
    Command{"ha-partner-down", ha_partner_down},
    Command{"ha-sync", ha_sync},
    Command{"lease4-add", lease4_add},
    Command{"lease4-del", lease4_del},
    Command{"lease4-get", lease4_get},
    Command{"lease4-get-all", lease4_get_all},
    Command{"lease4-get-by-client-id", lease4_get_by_client_id},
    Command{"lease4-get-by-hostname", lease4_get_by_hostname},
    Command{"lease4-get-by-hw-address", lease4_get_by_hw_address},
    Command{"lease4-get-page", lease4_get_page},
    Command{"lease4-update", lease4_update},
    Command{"lease4-wipe", lease4_wipe},
    Command{"list-commands", list_commands},
    Command{"shutdown", shutdown},
    Command{"statistic-get", statistic_get},
    Command{"statistic-get-all", statistic_get_all},
    Command{"status-get", status_get},
    Command{"version-get", version_get},
};

Json list_commands(Executor& /*executor*/, const Json& request) {
  arguments_of(request, {});
  Json names = Json::array();
  for (const Command& command : kCommands) names.push_back(command.name);
  return answer(kSuccess, std::to_string(kCommands.size()) + " commands", names);
}

// Kea's "service": [] or ["dhcp4"], as sent through its Control Agent.
void check_service(const Json& service) {
  if (!service.is_array()) throw CommandError("'service' must be a list");
  if (service.size() > 1) throw CommandError("'service' has more than one item");
  if (service.size() == 1 && service[0] != "dhcp4") {
    throw CommandError("unsupported service " + service[0].dump() + ", expected 'dhcp4'");
  }
}

Json route(Executor& executor, const Json& request) {
  if (!request.is_object()) throw CommandError("the request must be a JSON map with a 'command'");
  for (const auto& item : request.items()) {
    // Kea's Control Agent adds "remote-address" (its client, for the log)
    // to every command it forwards to a daemon's UNIX socket.
    if (item.key() != "command" && item.key() != "arguments" && item.key() != "service" &&
        item.key() != "remote-address") {
      throw CommandError("unknown key '" + item.key() +
                         "' in the request (expected 'command' and 'arguments')");
    }
  }
  if (request.contains("service")) check_service(request["service"]);
  const auto command = request.find("command");
  if (command == request.end()) throw CommandError("the request has no 'command'");
  if (!command->is_string()) throw CommandError("'command' must be a string");
  const auto& name = command->get_ref<const std::string&>();
  for (const Command& known : kCommands) {
    if (known.name == name) return known.run(executor, request);
  }
  return answer(kUnsupported, "'" + name + "' command not supported.");
}

}  // namespace

Json Dispatcher::handle(const Json& request) {
  try {
    return route(executor_, request);
  } catch (const CommandError& e) {
    return answer(e.result, e.what());
  } catch (const Json::exception& e) {
    return answer(kError, std::string("bad request: ") + e.what());
  } catch (const std::exception& e) {
    return answer(kError, std::string("internal error: ") + e.what());
  }
}

tl::expected<Json, std::string> parse_request_json(std::string_view body) {
  struct TooDeep {};
  // The callback sees each container's depth (0 for the outermost) before
  // anything inside it is read; throwing stops the parse right there.
  const Json::parser_callback_t bound_depth = [](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    return Json::parse(body, bound_depth);
  } catch (const TooDeep&) {
    return tl::unexpected("invalid JSON: nesting is deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels");
  } catch (const Json::parse_error& e) {
    return tl::unexpected(std::string("invalid JSON: ") + e.what());
  } catch (const std::exception& e) {
    return tl::unexpected(std::string("cannot read the request: ") + e.what());
  }
}

Json Dispatcher::handle_body(std::string_view body) {
  auto parsed = parse_request_json(body);
  if (!parsed) return answer(kError, parsed.error());
  const Json& request = *parsed;
  Json reply = handle(request);
  if (request.is_object() && request.contains("service")) return Json::array({std::move(reply)});
  return reply;
}

std::vector<std::string> Dispatcher::command_names() {
  std::vector<std::string> names;
  names.reserve(kCommands.size());
  for (const Command& command : kCommands) names.emplace_back(command.name);
  return names;
}

}  // namespace bs::control
