// One control socket. An "http" or "https" socket serves the routes and
// policy of http_router.h; a "unix" socket serves Kea's command protocol (one JSON
// map in, one out) to the same command dispatcher. Both run on the bounded
// epoll server of http_server.h; this object only wires them to the
// socket's configuration and the Executor.
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
  // For the start-up log: where it listens and what it serves.
  std::string describe() const;

 private:
  config::ControlSocket socket_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::HttpServer> http_;
  int port_ = 0;
};

}  // namespace bs::control
