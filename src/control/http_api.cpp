// Wiring of one control socket: an HTTP(S) socket gets the router, a UNIX
// socket the bare command dispatcher, all on the bounded epoll server.
#include "control/http_api.h"

#include <fmt/format.h>

#include "control/commands.h"
#include "control/http_router.h"
#include "control/http_server.h"

namespace bs::control {
namespace {

// Kea's daemons answer on their UNIX socket with the command's answer map
// alone, whether or not the request names a "service"; the Control Agent
// wraps it in a list for its HTTP client.
http::Response unix_command(Executor& executor, const http::Request& request) {
  http::Response response;
  auto parsed = parse_request_json(request.body);
  Dispatcher dispatcher(executor);
  const Json reply = parsed ? dispatcher.handle(*parsed) : answer(kError, parsed.error());
  response.body = reply.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

// A UNIX socket serves one administrator's tools, not browsers.
http::ServerLimits unix_limits() {
  http::ServerLimits limits;
  limits.max_connections = 256;
  limits.workers = 2;
  return limits;
}

}  // namespace

ApiServer::ApiServer(config::ControlSocket socket, Executor& executor)
    : socket_(std::move(socket)) {
  if (socket_.type == config::ControlSocketType::kUnix) {
    http_ = std::make_unique<http::HttpServer>(
        [&executor](const http::Request& request) { return unix_command(executor, request); },
        unix_limits(), http::Framing::kJson);
    return;
  }
  router_ = std::make_unique<http::Router>(socket_, executor);
  http::Router& router = *router_;
  http_ = std::make_unique<http::HttpServer>(
      [&router](const http::Request& request) { return router.handle(request); });
}

ApiServer::~ApiServer() { stop(); }

tl::expected<void, std::string> ApiServer::start() {
  if (socket_.type == config::ControlSocketType::kUnix) {
    if (auto bound = http_->listen_unix(socket_.socket_name); !bound) {
      return tl::unexpected(fmt::format("control socket: cannot listen on {} ({})",
                                        socket_.socket_name, bound.error()));
    }
    http_->start();
    return {};
  }
  if (socket_.type == config::ControlSocketType::kHttps) {
    auto tls = http::TlsContext::create(socket_);
    if (!tls) return tl::unexpected("control API (https): " + tls.error());
    http_->use_tls(std::move(*tls));
  }
  auto bound = http_->listen(socket_.address, socket_.port);
  if (!bound) {
    return tl::unexpected(fmt::format(
        "control API: cannot listen on {}:{} ({}); set \"control-sockets\" in the config",
        socket_.address.url_host(), socket_.port, bound.error()));
  }
  port_ = *bound;
  router_->set_port(port_);
  http_->start();
  return {};
}

void ApiServer::stop() { http_->stop(); }

std::string ApiServer::describe() const {
  if (socket_.type == config::ControlSocketType::kUnix) {
    return "Kea command socket unix:" + socket_.socket_name;
  }
  const bool tls = socket_.type == config::ControlSocketType::kHttps;
  return fmt::format("control API and status page on {}://{}:{}/{}{}", tls ? "https" : "http",
                     socket_.address.url_host(), port_,
                     socket_.needs_auth() ? " (credentials required)" : "",
                     tls && socket_.cert_required ? " (client certificate required)" : "");
}

}  // namespace bs::control
