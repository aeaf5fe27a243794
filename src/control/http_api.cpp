// Routing, credentials and error bodies for the control API's HTTP server.
#include "control/http_api.h"

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>

#include <charconv>
#include <stdexcept>

#include "control/api_views.h"
#include "control/commands.h"
#include "control/http_auth.h"
#include "control/status_page.h"

namespace bs::control {
namespace {

constexpr size_t kWorkerThreads = 8;
constexpr size_t kDefaultListLimit = 200;
constexpr size_t kMaxListLimit = 5000;

// The page's inline script and style are its only code; nothing else loads.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

void send_json(httplib::Response& res, const Json& body, int status = 200) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  // Every string that can hold foreign bytes is escaped where it enters the
  // JSON (common/text.h); `replace` only keeps a missed one from turning the
  // whole answer into a 500.
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

size_t limit_param(const httplib::Request& req) {
  if (!req.has_param("limit")) return kDefaultListLimit;
  const std::string text = req.get_param_value("limit");
  size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0) {
    throw std::invalid_argument("'limit' must be a positive integer");
  }
  return std::min(value, kMaxListLimit);
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Runs a GET view; a bad parameter is 400, an unreachable pipeline 503.
template <class View>
void serve_view(httplib::Response& res, View view) {
  try {
    send_json(res, view());
  } catch (const std::invalid_argument& e) {
    send_json(res, answer(kError, e.what()), 400);
  } catch (const CommandError& e) {
    send_json(res, answer(kError, e.what()), 503);
  }
}

void block_stop_signals() {
  // Signals belong to the packet loop's thread, whose wait they interrupt;
  // the HTTP threads inherit this mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

ApiServer::ApiServer(config::ControlSocket socket, Executor& executor)
    : socket_(std::move(socket)), executor_(executor), http_(std::make_unique<httplib::Server>()) {
  install_routes();
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::install_routes() {
  httplib::Server& http = *http_;
  http.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  http.set_payload_max_length(kMaxBodyBytes);
  http.set_keep_alive_timeout(2);
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (authorized(socket_, req.get_header_value("Authorization"))) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.set_header("WWW-Authenticate",
                   (socket_.basic_clients.empty() ? "Bearer realm=\"" : "Basic realm=\"") +
                       socket_.realm + "\"");
    send_json(res, answer(kError, "Unauthorized: this control API needs credentials"), 401);
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_error_handler([](const httplib::Request& /*req*/, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string text = "HTTP " + std::to_string(res.status);
    if (res.status == 413) {
      text = "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes";
    } else if (res.status == 404) {
      text = "no such endpoint: POST / takes commands; GET /, /metrics and /api/... are views";
    }
    send_json(res, answer(kError, text), res.status);
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        send_json(res, answer(kError, "internal error"), 500);
      });
  Executor& executor = executor_;
  http.Post("/", [&executor](const httplib::Request& req, httplib::Response& res) {
    Dispatcher dispatcher(executor);
    send_json(res, dispatcher.handle_body(req.body));
  });
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", kPagePolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(kStatusPageHtml.data(), kStatusPageHtml.size(), "text/html; charset=utf-8");
  });
  http.Get("/metrics", [&executor](const httplib::Request&, httplib::Response& res) {
    try {
      res.set_content(api_metrics(executor), "text/plain; version=0.0.4; charset=utf-8");
    } catch (const CommandError& e) {
      res.status = 503;
      res.set_content(std::string(e.what()) + "\n", "text/plain");
    }
  });
  http.Get("/api/status", [&executor](const httplib::Request&, httplib::Response& res) {
    serve_view(res, [&] { return api_status(executor); });
  });
  http.Get("/api/subnets", [&executor](const httplib::Request&, httplib::Response& res) {
    serve_view(res, [&] { return api_subnets(executor); });
  });
  http.Get("/api/events", [&executor](const httplib::Request& req, httplib::Response& res) {
    serve_view(res, [&] {
      return api_events(executor, split_commas(req.get_param_value("kinds")), limit_param(req));
    });
  });
  http.Get("/api/leases", [&executor](const httplib::Request& req, httplib::Response& res) {
    serve_view(res,
               [&] { return api_leases(executor, req.get_param_value("q"), limit_param(req)); });
  });
  http.Get("/api/history", [&executor](const httplib::Request& req, httplib::Response& res) {
    serve_view(res, [&] { return api_history(executor, req.get_param_value("client")); });
  });
}

tl::expected<void, std::string> ApiServer::start() {
  const std::string host = to_string(socket_.address);
  if (socket_.port == 0) {
    port_ = http_->bind_to_any_port(host);
  } else {
    port_ = http_->bind_to_port(host, socket_.port) ? socket_.port : -1;
  }
  if (port_ <= 0) {
    return tl::unexpected(
        fmt::format("control API: cannot listen on {}:{} (in use, or no such "
                    "address?); set \"control-sockets\" in the config",
                    host, socket_.port));
  }
  thread_ = std::thread([this] {
    block_stop_signals();
    http_->listen_after_bind();
  });
  return {};
}

void ApiServer::stop() {
  if (!thread_.joinable()) return;
  http_->stop();
  thread_.join();
}

}  // namespace bs::control
