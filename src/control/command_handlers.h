// Internal to the control module: the command handlers, grouped by file.
// Each takes the whole request (command + arguments) and the executor that
// reaches the pipeline, and returns the Kea-style answer; errors may be
// thrown as CommandError and are turned into answers by the Dispatcher.
#pragma once

#include <functional>

#include "alloc/lease.h"
#include "control/command_queue.h"
#include "control/command_util.h"

namespace bs::control {

// commands_lease.cpp
Json lease4_get(Executor& executor, const Json& request);
Json lease4_get_all(Executor& executor, const Json& request);
Json lease4_get_page(Executor& executor, const Json& request);
Json lease4_get_by_hw_address(Executor& executor, const Json& request);
Json lease4_get_by_client_id(Executor& executor, const Json& request);
Json lease4_get_by_hostname(Executor& executor, const Json& request);
// Kea's "identifier-type" + "identifier" + "subnet-id" as a test on rows.
std::function<bool(const Lease&)> lease_identifier_match(const Json& args);
// commands_lease_edit.cpp
Json lease4_add(Executor& executor, const Json& request);
Json lease4_update(Executor& executor, const Json& request);
Json lease4_del(Executor& executor, const Json& request);
Json lease4_wipe(Executor& executor, const Json& request);
// commands_config.cpp
Json config_get(Executor& executor, const Json& request);
Json config_test(Executor& executor, const Json& request);
Json config_reload(Executor& executor, const Json& request);
Json config_write(Executor& executor, const Json& request);
// commands_server.cpp
Json status_get(Executor& executor, const Json& request);
Json statistic_get_all(Executor& executor, const Json& request);
Json statistic_get(Executor& executor, const Json& request);
Json version_get(Executor& executor, const Json& request);
Json build_report(Executor& executor, const Json& request);
Json shutdown(Executor& executor, const Json& request);

// commands_ha.cpp: Kea's HA commands and blackstart's ha-partner-down.
Json ha_continue(Executor& executor, const Json& request);
Json ha_heartbeat(Executor& executor, const Json& request);
Json ha_maintenance_cancel(Executor& executor, const Json& request);
Json ha_maintenance_start(Executor& executor, const Json& request);
Json ha_partner_down(Executor& executor, const Json& request);
Json ha_sync(Executor& executor, const Json& request);
// status-get's "high-availability" block; null without a partner.
class Controller;
Json ha_status(const Controller& controller);

// Runs `fn` on the pipeline thread; a failure to get there is a CommandError.
template <class T, class Fn>
T on_pipeline(Executor& executor, Fn fn) {
  auto result = call<T>(executor, std::move(fn));
  if (!result) throw CommandError(result.error());
  return std::move(*result);
}

}  // namespace bs::control
