// What the daemon's main loop sees of the control API: one object that owns
// the job queue, the pipeline-side Controller and the control sockets, and two
// calls for the loop to make on the pipeline thread (after_batch, reload).
#pragma once

#include <memory>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "common/clock.h"
#include "control/command_queue.h"
#include "control/controller.h"
#include "control/http_api.h"
#include "control/running_config.h"
#include "server/server.h"

namespace bs::control {

class ControlPlane {
 public:
  // Starts every configured control socket (none if the config turns them
  // off); fails if one cannot be bound.
  static tl::expected<std::unique_ptr<ControlPlane>, std::string> start(
      server::Server& server, const Clock& clock, RunningConfig running,
      std::string store_description);
  ~ControlPlane();

  // Pipeline thread, once per loop turn: runs queued commands, then samples.
  void after_batch();
  // Pipeline thread: SIGHUP.
  void reload();
  bool shutdown_requested() const { return controller_.shutdown_requested(); }
  int exit_code() const { return controller_.exit_code(); }
  // Refuses further commands and stops the control sockets.
  void stop();

 private:
  ControlPlane(server::Server& server, const Clock& clock, RunningConfig running,
               std::string store_description);

  CommandQueue queue_;
  Controller controller_;
  std::vector<std::unique_ptr<ApiServer>> sockets_;
};

}  // namespace bs::control
