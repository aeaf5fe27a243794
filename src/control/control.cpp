// Wiring of the control plane: queue, controller and control sockets.
#include "control/control.h"

#include <spdlog/spdlog.h>

namespace bs::control {

ControlPlane::ControlPlane(server::Server& server, const Clock& clock, RunningConfig running,
                           std::string store_description)
    : controller_(server, clock, std::move(running), std::move(store_description)) {}

tl::expected<std::unique_ptr<ControlPlane>, std::string> ControlPlane::start(
    server::Server& server, const Clock& clock, RunningConfig running,
    std::string store_description) {
  const std::vector<config::ControlSocket> sockets = running.config.control_sockets;
  std::unique_ptr<ControlPlane> plane(
      new ControlPlane(server, clock, std::move(running), std::move(store_description)));
  if (sockets.empty()) spdlog::info("control API off (\"control-sockets\": [])");
  for (const config::ControlSocket& socket : sockets) {
    auto api = std::make_unique<ApiServer>(socket, plane->queue_);
    if (auto started = api->start(); !started) return tl::unexpected(started.error());
    spdlog::info("{}", api->describe());
    plane->sockets_.push_back(std::move(api));
  }
  return plane;
}

ControlPlane::~ControlPlane() { stop(); }

void ControlPlane::after_batch() {
  queue_.drain(controller_);
  controller_.tick();
}

void ControlPlane::reload() {
  if (auto result = controller_.reload_from_file()) spdlog::info("{}", *result);
}

void ControlPlane::stop() {
  queue_.close();
  for (auto& socket : sockets_) socket->stop();
}

}  // namespace bs::control
