// The control API's HTTP server: the routes and policy of http_router.h
// served by the bounded epoll server of http_server.h. This object only
// wires the two to the control socket's configuration and the Executor.
#pragma once

#include <memory>
#include <string>
#include <tl/expected.hpp>

#include "config/config.h"
#include "control/command_queue.h"
#include "control/http_request_parser.h"

namespace bs::control {

namespace http {
class HttpServer;
class Router;
}  // namespace http

// Larger bodies are refused with 413 and a JSON error, whatever the framing.
using http::kMaxBodyBytes;

class ApiServer {
 public:
  ApiServer(config::ControlSocket socket, Executor& executor);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds (port 0 picks a free port) and starts serving; fails, saying why,
  // if the address cannot be bound.
  tl::expected<void, std::string> start();
  // Closes every connection, finishes requests in progress, joins the threads.
  void stop();
  int port() const { return port_; }

 private:
  config::ControlSocket socket_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::HttpServer> http_;
  int port_ = 0;
};

}  // namespace bs::control
