// Request policy (Host, Origin, credentials, Content-Type), routing, and
// response formatting for the control API.
#include "control/http_router.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "control/api_views.h"
#include "control/commands.h"
#include "control/http_auth.h"
#include "control/status_page.h"

namespace bs::control::http {
namespace {

constexpr size_t kDefaultListLimit = 200;
constexpr size_t kMaxListLimit = 5000;
// Echoed header values are cut short: they are the client's own text.
constexpr size_t kMaxEchoBytes = 100;

// The page's inline script and style are its only code; nothing else loads.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

constexpr const char* kNotFoundText =
    "no such endpoint: POST / takes commands; GET /, /metrics and /api/... are views";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string echo(std::string_view text) {
  return std::string(text.substr(0, kMaxEchoBytes)) + (text.size() > kMaxEchoBytes ? "..." : "");
}

// Attacker text may be anything, so invalid UTF-8 is replaced, never thrown.
std::string dump(const Json& body) {
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Response json_response(const Json& body, int status = 200) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = dump(body);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

size_t limit_param(const Request& request) {
  if (!request.has_param("limit")) return kDefaultListLimit;
  const std::string text = request.param("limit");
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
Response serve_view(View view) {
  try {
    return json_response(view());
  } catch (const std::invalid_argument& e) {
    return json_response(answer(kError, e.what()), 400);
  } catch (const CommandError& e) {
    return json_response(answer(kError, e.what()), 503);
  }
}

// "application/json", in any case, with or without parameters.
bool is_json_media_type(std::optional<std::string_view> content_type) {
  if (!content_type) return false;
  std::string_view type = content_type->substr(0, content_type->find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return lowered(type) == "application/json";
}

bool is_loopback(Ip4 address) { return (address.value >> 24) == 127; }

Response page() {
  Response response;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::string(kStatusPageHtml);
  response.headers.emplace_back("Content-Security-Policy", kPagePolicy);
  return response;
}

Response metrics(Executor& executor) {
  Response response;
  try {
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = api_metrics(executor);
  } catch (const CommandError& e) {
    response.status = 503;
    response.content_type = "text/plain";
    response.body = std::string(e.what()) + "\n";
  }
  return response;
}

}  // namespace

std::string serialize(const Response& response, bool with_body) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    std::string(reason_phrase(response.status)) + "\r\n";
  if (!response.content_type.empty()) out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "Connection: close\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : response.headers) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out += "\r\n";
  if (with_body) out += response.body;
  return out;
}

Response error_response(int status, const std::string& text) {
  return json_response(answer(kError, text), status);
}

Router::Router(config::ControlSocket socket, Executor& executor)
    : socket_(std::move(socket)),
      executor_(executor),
      port_(socket_.port),
      scheme_(socket_.type == config::ControlSocketType::kHttps ? "https" : "http"),
      default_port_(socket_.type == config::ControlSocketType::kHttps ? 443 : 80) {}

// On a socket bound to 0.0.0.0 "our address" is the one the connection
// reached; otherwise the configured one.
std::string Router::own_origin(Ip4 local_address) const {
  return scheme_ + "://" + own_host(local_address) + ":" + std::to_string(port_);
}

// The address as a URL names it: the configured one, or on a 0.0.0.0
// socket the one the connection reached ("[::1]" for IPv6).
std::string Router::own_host(Ip4 local_address) const {
  return socket_.address.is_unspecified() ? to_string(local_address) : socket_.address.url_host();
}

// "host[:port]" naming this server: its address, or on loopback also
// localhost, 127.0.0.1 and [::1]; the port, when absent, is the scheme's
// (80 or 443).
bool Router::authority_is_ours(std::string_view authority, Ip4 local_address) const {
  std::string_view host = authority;
  int port = default_port_;
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    const std::string_view digits = authority.substr(colon + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
      return false;
    }
  }
  if (port != port_) return false;
  const std::string name = lowered(host);
  if (name == own_host(local_address)) return true;
  const bool loopback =
      socket_.address.is_unspecified() ? is_loopback(local_address) : socket_.address.is_loopback();
  return loopback && (name == "localhost" || name == "127.0.0.1" || name == "[::1]");
}

Response Router::handle(const Request& request) const {
  Response response = checked(request);
  response.headers.insert(response.headers.end(), socket_.http_headers.begin(),
                          socket_.http_headers.end());
  return response;
}

// The origin and credential checks, then the route.
Response Router::checked(const Request& request) const {
  try {
    const auto host = request.header("host");
    if (!host || !authority_is_ours(*host, request.local_address)) {
      return error_response(421, "Misdirected request: Host '" + echo(host.value_or("")) +
                                     "' does not name this server; use " +
                                     own_origin(request.local_address) + "/");
    }
    const auto origin = request.header("origin");
    const size_t scheme_bytes = scheme_.size() + 3;  // "https://"
    if (origin && !(lowered(origin->substr(0, scheme_bytes)) == scheme_ + "://" &&
                    authority_is_ours(origin->substr(scheme_bytes), request.local_address))) {
      return error_response(403, "Forbidden: cross-origin request from Origin '" + echo(*origin) +
                                     "'; the control API serves only its own origin " +
                                     own_origin(request.local_address));
    }
    const auto fetch_site = request.header("sec-fetch-site");
    if (fetch_site && *fetch_site != "same-origin" && *fetch_site != "none") {
      return error_response(403, "Forbidden: " + echo(*fetch_site) +
                                     " request (Sec-Fetch-Site); the control API serves only "
                                     "its own origin " +
                                     own_origin(request.local_address));
    }
    if (!authorized(socket_, request.header("authorization").value_or(""))) {
      Response denied = error_response(401, "Unauthorized: this control API needs credentials");
      denied.headers.emplace_back(
          "WWW-Authenticate",
          (socket_.basic_clients.empty() ? "Bearer realm=\"" : "Basic realm=\"") + socket_.realm +
              "\"");
      return denied;
    }
    return route(request);
  } catch (const std::exception&) {
    return error_response(500, "internal error");
  }
}

Response Router::route(const Request& request) const {
  const std::string& path = request.path;
  if (request.method == "POST" && path == "/") {
    if (!is_json_media_type(request.header("content-type"))) {
      return error_response(415,
                            "Unsupported Media Type: commands must be sent as JSON with the header "
                            "'Content-Type: application/json', e.g. curl -H 'Content-Type: "
                            "application/json' -d '{\"command\": \"list-commands\"}' " +
                                own_origin(request.local_address) + "/");
    }
    Dispatcher dispatcher(executor_);
    return json_response(dispatcher.handle_body(request.body));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return error_response(404, kNotFoundText);
  }
  Executor& executor = executor_;
  if (path == "/") return page();
  if (path == "/metrics") return metrics(executor);
  if (path == "/api/status") return serve_view([&] { return api_status(executor); });
  if (path == "/api/subnets") return serve_view([&] { return api_subnets(executor); });
  if (path == "/api/events") {
    return serve_view([&] {
      return api_events(executor, split_commas(request.param("kinds")), limit_param(request));
    });
  }
  if (path == "/api/leases") {
    return serve_view(
        [&] { return api_leases(executor, request.param("q"), limit_param(request)); });
  }
  if (path == "/api/history") {
    return serve_view([&] { return api_history(executor, request.param("client")); });
  }
  return error_response(404, kNotFoundText);
}

}  // namespace bs::control::http
