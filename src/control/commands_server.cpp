// The server commands: status-get, statistic-get-all, statistic-get,
// version-get, build-report and shutdown.
#include "control/command_handlers.h"
#include "control/controller.h"
#include "control/status_json.h"

namespace bs::control {
namespace {

StatusSnapshot take_snapshot(Executor& executor) {
  return on_pipeline<StatusSnapshot>(executor,
                                     [](Controller& controller) { return controller.snapshot(); });
}

}  // namespace

Json status_get(Executor& executor, const Json& request) {
  arguments_of(request, {});
  Json status = status_to_json(take_snapshot(executor));
  Json ha =
      on_pipeline<Json>(executor, [](Controller& controller) { return ha_status(controller); });
  if (!ha.is_null()) status["high-availability"] = std::move(ha);
  return answer(kSuccess, "", std::move(status));
}

Json statistic_get_all(Executor& executor, const Json& request) {
  arguments_of(request, {});
  return answer(kSuccess, "", statistics_to_json(take_snapshot(executor)));
}

Json statistic_get(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"name"};
  const Json args = arguments_of(request, kKeys);
  const std::string name = need_string(args, "name");
  const Json all = statistics_to_json(take_snapshot(executor));
  const auto it = all.find(name);
  if (it == all.end()) return answer(kEmpty, "no statistic named '" + name + "'", Json::object());
  return answer(kSuccess, "", Json{{name, *it}});
}

Json version_get(Executor& /*executor*/, const Json& request) {
  arguments_of(request, {});
  return answer(kSuccess, version(),
                Json{{"extended", std::string("blackstart ") + version() +
                                      " (DHCPv4, Kea Dhcp4 configuration, SQLite lease store)"}});
}

Json build_report(Executor& /*executor*/, const Json& request) {
  arguments_of(request, {});
  return answer(kSuccess, std::string("blackstart ") + version() + ", built " __DATE__ " with " +
                              __VERSION__);
}

Json shutdown(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"exit-value"};
  const Json args = arguments_of(request, kKeys);
  const auto exit_value = static_cast<int>(opt_integer(args, "exit-value", 0, 255).value_or(0));
  on_pipeline<bool>(executor, [exit_value](Controller& controller) {
    controller.request_shutdown(exit_value);
    return true;
  });
  return answer(kSuccess, "Shutting down.");
}

}  // namespace bs::control
