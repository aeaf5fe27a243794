// Wiring of the control plane: queue, controller and HTTP server.
#include "control/control.h"

#include <spdlog/spdlog.h>

namespace bs::control {

ControlPlane::ControlPlane(server::Server& server, const Clock& clock, RunningConfig running,
                           std::string store_description)
    : controller_(server, clock, std::move(running), std::move(store_description)) {}

tl::expected<std::unique_ptr<ControlPlane>, std::string> ControlPlane::start(
    server::Server& server, const Clock& clock, RunningConfig running,
    std::string store_description) {
  const config::ControlSocket socket = running.config.control;
  std::unique_ptr<ControlPlane> plane(
      new ControlPlane(server, clock, std::move(running), std::move(store_description)));
  if (!socket.enabled) {
    spdlog::info("control API off (\"control-sockets\": [])");
    return plane;
  }
  plane->api_ = std::make_unique<ApiServer>(socket, plane->queue_);
  if (auto started = plane->api_->start(); !started) return tl::unexpected(started.error());
  spdlog::info("control API and status page on http://{}:{}/{}", to_string(socket.address),
               plane->api_->port(), socket.needs_auth() ? " (credentials required)" : "");
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
  if (api_) api_->stop();
}

}  // namespace bs::control
