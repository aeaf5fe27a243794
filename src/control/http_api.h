// The control API's HTTP server (cpp-httplib, on its own threads). Routes:
//   POST /          Kea-style commands (commands.h)
//   GET  /          the status page
//   GET  /metrics   Prometheus text format
//   GET  /api/status, /api/subnets, /api/events, /api/leases, /api/history
// Every request passes the credential check first when the socket has
// credentials. Handlers never touch the server: they go through the
// Executor to the pipeline thread.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <tl/expected.hpp>

#include "config/config.h"
#include "control/command_queue.h"

namespace httplib {
class Server;
}

namespace bs::control {

// Larger bodies are refused with 413 and a JSON error; the largest real
// request is a config-test with a whole configuration.
inline constexpr size_t kMaxBodyBytes = size_t{4} * 1024 * 1024;

class ApiServer {
 public:
  ApiServer(config::ControlSocket socket, Executor& executor);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds (port 0 picks a free port) and starts serving; fails, saying why,
  // if the address cannot be bound.
  tl::expected<void, std::string> start();
  // Stops accepting, finishes requests in progress, joins the threads.
  void stop();
  int port() const { return port_; }

 private:
  void install_routes();

  config::ControlSocket socket_;
  Executor& executor_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace bs::control
