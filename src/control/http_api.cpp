// Wiring of the control API's router to its HTTP server.
#include "control/http_api.h"

#include <fmt/format.h>

#include "control/http_router.h"
#include "control/http_server.h"

namespace bs::control {

ApiServer::ApiServer(config::ControlSocket socket, Executor& executor)
    : socket_(std::move(socket)), router_(std::make_unique<http::Router>(socket_, executor)) {
  http::Router& router = *router_;
  http_ = std::make_unique<http::HttpServer>(
      [&router](const http::Request& request) { return router.handle(request); });
}

ApiServer::~ApiServer() { stop(); }

tl::expected<void, std::string> ApiServer::start() {
  auto bound = http_->listen(socket_.address, socket_.port);
  if (!bound) {
    return tl::unexpected(fmt::format(
        "control API: cannot listen on {}:{} ({}); set \"control-sockets\" in the config",
        to_string(socket_.address), socket_.port, bound.error()));
  }
  port_ = *bound;
  router_->set_port(port_);
  http_->start();
  return {};
}

void ApiServer::stop() { http_->stop(); }

}  // namespace bs::control
