// The control API's routes as a pure function from a parsed Request to a
// Response, so unit tests and the fuzz target drive it without sockets:
//   POST /          Kea-style commands (commands.h), JSON only
//   GET  /          the status page
//   GET  /metrics   Prometheus text format
//   GET  /api/status, /api/subnets, /api/events, /api/leases, /api/history
// Before any route, on every request and in this order:
//   1. Host must name this server (its address, or on loopback a loopback
//      name) with its port, else 421: a DNS-rebinding page reaches us under
//      its own host name and is refused here.
//   2. A cross-site browser request (an Origin that is not ours, or
//      Sec-Fetch-Site other than same-origin/none) is refused with 403.
//   3. The credentials, when the socket has some (401).
//   4. POST / needs Content-Type application/json (415): a form or
//      text/plain POST is what a cross-site form can send without asking.
// Handlers never touch the server: they go through the Executor.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "control/command_queue.h"
#include "control/http_request_parser.h"

namespace bs::control::http {

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides the standard ones
};

// The bytes on the wire: status line, Content-Type, Content-Length,
// "Connection: close", nosniff, the extra headers, and the body unless
// `with_body` is false (HEAD).
std::string serialize(const Response& response, bool with_body = true);

// A Kea-style error body {"result": 1, "text": TEXT} with that status.
Response error_response(int status, const std::string& text);

class Router {
 public:
  Router(config::ControlSocket socket, Executor& executor);

  // The port the socket is bound to (the configured one may be 0).
  void set_port(int port) { port_ = port; }
  // Every response, refusals included, carries the socket's configured
  // "http-headers" (for example HSTS).
  Response handle(const Request& request) const;

 private:
  Response checked(const Request& request) const;
  Response route(const Request& request) const;
  bool authority_is_ours(std::string_view authority, Ip4 local_address) const;
  std::string own_origin(Ip4 local_address) const;
  std::string own_host(Ip4 local_address) const;

  config::ControlSocket socket_;
  Executor& executor_;
  int port_;
  std::string scheme_;  // "http" or "https", for our own origin
  int default_port_;    // what a Host without a port means: 80 or 443
};

}  // namespace bs::control::http
