// HTTP client for blackstart-ctl, on cpp-httplib, and the few lines of
// Kea's UNIX-socket protocol for a --url unix:PATH.
#include "cli/api_client.h"

#include <httplib.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "common/unique_fd.h"

namespace bs::cli {
namespace {

struct HostPort {
  std::string host, port, shown;  // shown: "127.0.0.1:8004"
};

// The host and port of "http://127.0.0.1:8004/" ("[::1]:8004" too).
HostPort host_port(const std::string& url) {
  std::string rest = url;
  std::string port = "80";
  if (const size_t scheme = rest.find("://"); scheme != std::string::npos) {
    if (rest.compare(0, scheme, "https") == 0) port = "443";
    rest.erase(0, scheme + 3);
  }
  if (const size_t path = rest.find('/'); path != std::string::npos) rest.erase(path);
  std::string host = rest;
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, port, rest};
}

// httplib connects without blocking and keeps only "Connection" from a
// failed attempt (errno is left at EINPROGRESS), so the reason comes from one
// more, blocking connect to the same place: its errno, or a resolver error.
std::string why_no_connection(const HostPort& to, int timeout_s) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(to.host.c_str(), to.port.c_str(), &hints, &found); rc != 0) {
    return "cannot resolve " + to.host + ": " + ::gai_strerror(rc) + " (set --url)";
  }
  int error = 0;
  const timeval timeout{.tv_sec = timeout_s, .tv_usec = 0};
  for (const addrinfo* at = found; at != nullptr; at = at->ai_next) {
    const UniqueFd fd(::socket(at->ai_family, at->ai_socktype | SOCK_CLOEXEC, at->ai_protocol));
    if (!fd.valid()) continue;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd.get(), at->ai_addr, at->ai_addrlen) == 0) {
      error = 0;
      break;
    }
    error = errno == EINPROGRESS ? ETIMEDOUT : errno;
  }
  ::freeaddrinfo(found);
  constexpr const char* kHint = "; is blackstart running? (set --url)";
  if (error == ECONNREFUSED) return "connection refused to " + to.shown + kHint;
  if (error == 0) return "cannot connect to " + to.shown + kHint;
  return "cannot connect to " + to.shown + ": " + std::generic_category().message(error) + kHint;
}

}  // namespace

std::string describe_call_failure(httplib::Error error, const Endpoint& endpoint) {
  const HostPort to = host_port(endpoint.url);
  const std::string timeout = std::to_string(endpoint.timeout_s) + " s (--timeout)";
  constexpr const char* kHint = "; is blackstart running? (set --url)";
  switch (error) {
    case httplib::Error::Connection:
      return why_no_connection(to, endpoint.timeout_s);
    case httplib::Error::ConnectionTimeout:
      return "no connection to " + to.shown + " within " + timeout + kHint;
    case httplib::Error::Read:
      return "no answer from " + to.shown + " within " + timeout + ", or the connection broke";
    case httplib::Error::Write:
      return "the connection to " + to.shown + " broke while sending the command";
    default:
      return "cannot reach blackstart at " + endpoint.url + ": " + httplib::to_string(error);
  }
}

namespace {

constexpr std::string_view kUnixScheme = "unix:";

// Kea's protocol: write the map, read until the server closes, in time.
tl::expected<std::string, std::string> unix_exchange(const std::string& path,
                                                     const std::string& request, int timeout_s) {
  sockaddr_un address{};
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return tl::unexpected("invalid socket path '" + path + "'");
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return tl::unexpected("cannot connect to " + path + ": " + std::strerror(errno) +
                          "; is blackstart running with this \"socket-name\"?");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return tl::unexpected("the connection to " + path + " broke while sending");
    sent += static_cast<size_t>(n);
  }
  std::string answer;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{fd.get(), POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    char buffer[16384];
    const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n < 0) return tl::unexpected("reading from " + path + ": " + std::strerror(errno));
    if (n == 0) return answer;
    answer.append(buffer, static_cast<size_t>(n));
  }
  return tl::unexpected("no answer from " + path + " within " + std::to_string(timeout_s) + " s");
}

}  // namespace

tl::expected<nlohmann::json, CallError> ApiClient::command(const std::string& name,
                                                           const nlohmann::json& arguments) const {
  if (endpoint_.url.starts_with(kUnixScheme)) {
    nlohmann::json request = {{"command", name}};
    if (!arguments.is_null()) request["arguments"] = arguments;
    const std::string path = endpoint_.url.substr(kUnixScheme.size());
    auto text = unix_exchange(path, request.dump(), endpoint_.timeout_s);
    if (!text) return tl::unexpected(CallError{kExitUnavailable, text.error()});
    auto body = nlohmann::json::parse(*text, nullptr, false);
    if (!body.is_object() || !body.contains("result")) {
      return tl::unexpected(
          CallError{kExitUnavailable, "the answer from " + path + " is not a Kea-style answer"});
    }
    return body;
  }
  httplib::Client http(endpoint_.url);
  if (!http.is_valid()) {
    return tl::unexpected(CallError{kExitUsage, "invalid --url '" + endpoint_.url + "'"});
  }
  http.set_connection_timeout(endpoint_.timeout_s, 0);
  http.set_read_timeout(endpoint_.timeout_s, 0);
  http.set_write_timeout(endpoint_.timeout_s, 0);
  if (!endpoint_.token.empty()) http.set_bearer_token_auth(endpoint_.token);
  if (!endpoint_.user.empty()) http.set_basic_auth(endpoint_.user, endpoint_.password);
  nlohmann::json request = {{"command", name}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  const auto response = http.Post("/", request.dump(), "application/json");
  if (!response) {
    return tl::unexpected(
        CallError{kExitUnavailable, describe_call_failure(response.error(), endpoint_)});
  }
  if (response->status == 401) {
    return tl::unexpected(CallError{kExitNoPermission,
                                    "the server wants credentials: use --token, or --user with "
                                    "BLACKSTART_PASSWORD"});
  }
  try {
    auto body = nlohmann::json::parse(response->body);
    if (body.is_array() && body.size() == 1) body = body[0];  // a Control Agent's list
    if (!body.is_object() || !body.contains("result")) throw std::runtime_error("no result");
    return body;
  } catch (const std::exception&) {
    return tl::unexpected(CallError{kExitUnavailable, "HTTP " + std::to_string(response->status) +
                                                          " from " + endpoint_.url +
                                                          " is not a blackstart answer"});
  }
}

}  // namespace bs::cli
