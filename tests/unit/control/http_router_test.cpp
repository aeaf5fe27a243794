// The router without sockets: Host, Origin, Sec-Fetch-Site, credentials
// and Content-Type policy on every route, the JSON depth bound, and the
// headers each route answers with. Jobs run inline on a real Controller.
#include "control/http_router.h"

#include <string>

#include "control_fixture.h"

namespace bs::control::test {
namespace {

using http::Request;
using http::Response;

const std::vector<std::pair<std::string, std::string>> kRoutes = {{"GET", "/"},
                                                                  {"GET", "/metrics"},
                                                                  {"GET", "/api/status"},
                                                                  {"GET", "/api/subnets"},
                                                                  {"GET", "/api/events"},
                                                                  {"GET", "/api/leases"},
                                                                  {"GET", "/api/history"},
                                                                  {"POST", "/"},
                                                                  {"GET", "/nothing"}};

class HttpRouterTest : public ControlTest {
 protected:
  Response send(Request request, const config::ControlSocket& socket = {}) {
    http::Router router(socket, executor_);
    router.set_port(8004);
    if (request.path.empty()) request.path = request.target.substr(0, request.target.find('?'));
    return router.handle(request);
  }
  // A well-formed request with our Host; tests then break one thing.
  static Request request(std::string method, std::string target, std::string body = "") {
    Request out;
    out.method = std::move(method);
    out.target = std::move(target);
    out.headers = {{"host", "127.0.0.1:8004"}};
    if (out.method == "POST") {
      out.headers.emplace_back("content-type", "application/json");
      out.body = body.empty() ? R"({"command": "version-get"})" : std::move(body);
    }
    out.local_address = ip("127.0.0.1");
    return out;
  }
  static Request with_header(Request out, std::string name, std::string value) {
    for (auto it = out.headers.begin(); it != out.headers.end(); ++it) {
      if (it->first == name) {
        out.headers.erase(it);
        break;
      }
    }
    out.headers.emplace_back(std::move(name), std::move(value));
    return out;
  }
  static Json body(const Response& response) { return Json::parse(response.body); }
};

TEST_F(HttpRouterTest, EveryRouteAnswersWithItsHeaders) {
  EXPECT_EQ(send(request("POST", "/")).status, 200);
  const Response page = send(request("GET", "/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  const std::string wire = http::serialize(page);
  EXPECT_NE(wire.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
  EXPECT_NE(wire.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_NE(wire.find("Connection: close"), std::string::npos);
  EXPECT_EQ(send(request("GET", "/metrics")).content_type,
            "text/plain; version=0.0.4; charset=utf-8");
  const Response status = send(request("GET", "/api/status"));
  EXPECT_EQ(status.status, 200);
  EXPECT_NE(http::serialize(status).find("Cache-Control: no-store"), std::string::npos);
  Request bad_limit = request("GET", "/api/leases?limit=lots");
  bad_limit.query = {{"limit", "lots"}};
  EXPECT_EQ(send(bad_limit).status, 400);
  const Response missing = send(request("GET", "/nothing"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(body(missing)["text"].get<std::string>().find("no such endpoint"), std::string::npos);
  EXPECT_EQ(send(request("PUT", "/")).status, 404);
  const std::string head = http::serialize(send(request("HEAD", "/api/status")), false);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST_F(HttpRouterTest, ForeignHostIs421OnEveryRoute) {
  for (const auto& [method, path] : kRoutes) {
    for (const char* host : {"evil.example:8004", "evil.example", "127.0.0.1", "127.0.0.1:8005",
                             "localhost:80", "127.0.0.1:8004x", "", "127.0.0.1:"}) {
      const Response response = send(with_header(request(method, path), "host", host));
      EXPECT_EQ(response.status, 421) << method << " " << path << " Host " << host;
      EXPECT_NE(body(response)["text"].get<std::string>().find("use http://127.0.0.1:8004/"),
                std::string::npos);
    }
    Request no_host = request(method, path);
    no_host.headers.erase(no_host.headers.begin());
    EXPECT_EQ(send(no_host).status, 421);
  }
  EXPECT_FALSE(controller_->shutdown_requested());
}

TEST_F(HttpRouterTest, LoopbackNamesAreOursOnlyOnLoopback) {
  for (const char* host : {"localhost:8004", "LOCALHOST:8004", "127.0.0.1:8004", "[::1]:8004"}) {
    EXPECT_EQ(send(with_header(request("GET", "/api/status"), "host", host)).status, 200) << host;
  }
  config::ControlSocket wide;
  wide.address.v4 = ip("198.18.1.1");
  Request remote = with_header(request("GET", "/"), "host", "198.18.1.1:8004");
  EXPECT_EQ(send(remote, wide).status, 200);
  EXPECT_EQ(send(with_header(remote, "host", "localhost:8004"), wide).status, 421);
  EXPECT_EQ(send(with_header(remote, "host", "127.0.0.1:8004"), wide).status, 421);
  // Bound to every address: the one the connection reached is ours.
  config::ControlSocket any;
  any.address.v4 = Ip4{};
  remote.local_address = ip("198.18.1.1");
  EXPECT_EQ(send(remote, any).status, 200);
  EXPECT_EQ(send(with_header(remote, "host", "198.18.9.9:8004"), any).status, 421);
  config::ControlSocket port80;
  Request plain = with_header(request("GET", "/"), "host", "127.0.0.1");
  http::Router router(port80, executor_);
  router.set_port(80);
  plain.path = "/";
  EXPECT_EQ(router.handle(plain).status, 200);
}

TEST_F(HttpRouterTest, OnIPv6LoopbackItsBracketedAddressAndTheLoopbackNamesAreOurs) {
  config::ControlSocket v6;
  v6.address = *config::parse_control_address("::1");
  Request local = request("GET", "/api/status");
  local.local_address = Ip4{};  // an IPv6 connection has no IPv4 address
  for (const char* host : {"[::1]:8004", "localhost:8004", "127.0.0.1:8004"}) {
    EXPECT_EQ(send(with_header(local, "host", host), v6).status, 200) << host;
  }
  const Response foreign = send(with_header(local, "host", "evil.example:8004"), v6);
  EXPECT_EQ(foreign.status, 421);
  EXPECT_NE(body(foreign)["text"].get<std::string>().find("use http://[::1]:8004/"),
            std::string::npos);
  EXPECT_EQ(
      send(with_header(with_header(local, "host", "[::1]:8004"), "origin", "http://evil.example"),
           v6)
          .status,
      403);
  config::ControlSocket wide;
  wide.address = *config::parse_control_address("2001:db8::1");
  EXPECT_EQ(send(with_header(local, "host", "[2001:db8::1]:8004"), wide).status, 200);
  EXPECT_EQ(send(with_header(local, "host", "[::1]:8004"), wide).status, 421);
}

TEST_F(HttpRouterTest, ConfiguredHeadersOnEveryResponseRefusalsIncluded) {
  config::ControlSocket socket;
  socket.http_headers = {{"Strict-Transport-Security", "max-age=31536000"}};
  for (const auto& [method, path] : kRoutes) {
    for (const Request& sent :
         {request(method, path), with_header(request(method, path), "host", "evil.example")}) {
      const std::string wire = http::serialize(send(sent, socket));
      EXPECT_NE(wire.find("\r\nStrict-Transport-Security: max-age=31536000\r\n"), std::string::npos)
          << method << " " << path;
    }
  }
  EXPECT_EQ(http::serialize(send(request("GET", "/"))).find("Strict-Transport-Security"),
            std::string::npos);
}

TEST_F(HttpRouterTest, ForeignOriginIs403OnEveryRoute) {
  for (const auto& [method, path] : kRoutes) {
    for (const char* origin : {"http://evil.example", "http://127.0.0.1:8005", "null",
                               "https://127.0.0.1:8004", "http://127.0.0.1:8004/x", ""}) {
      const Response response = send(with_header(request(method, path), "origin", origin));
      EXPECT_EQ(response.status, 403) << method << " " << path << " Origin " << origin;
      EXPECT_NE(body(response)["text"].get<std::string>().find("cross-origin"), std::string::npos);
    }
    for (const char* site : {"cross-site", "same-site"}) {
      EXPECT_EQ(send(with_header(request(method, path), "sec-fetch-site", site)).status, 403);
    }
  }
  const Request shutdown = request("POST", "/", R"({"command": "shutdown"})");
  EXPECT_EQ(send(with_header(shutdown, "origin", "http://evil.example")).status, 403);
  EXPECT_FALSE(controller_->shutdown_requested());
  // The page's own requests: same origin, or no Origin at all.
  for (const char* origin : {"http://127.0.0.1:8004", "http://localhost:8004"}) {
    EXPECT_EQ(send(with_header(request("GET", "/api/status"), "origin", origin)).status, 200);
  }
  EXPECT_EQ(send(with_header(request("POST", "/"), "sec-fetch-site", "same-origin")).status, 200);
  EXPECT_EQ(send(with_header(request("GET", "/"), "sec-fetch-site", "none")).status, 200);
}

TEST_F(HttpRouterTest, CommandsOnlyAsApplicationJson) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonx", ""}) {
    const Response response = send(with_header(request("POST", "/"), "content-type", type));
    EXPECT_EQ(response.status, 415) << type;
    EXPECT_NE(body(response)["text"].get<std::string>().find("-H 'Content-Type: application/json'"),
              std::string::npos);
  }
  Request untyped = request("POST", "/", R"({"command": "shutdown"})");
  untyped.headers.pop_back();
  EXPECT_EQ(send(untyped).status, 415);
  EXPECT_FALSE(controller_->shutdown_requested());
  for (const char* type : {"application/json", "Application/JSON",
                           "application/json; charset=utf-8", "application/json ;charset=UTF-8"}) {
    EXPECT_EQ(send(with_header(request("POST", "/"), "content-type", type)).status, 200) << type;
  }
}

TEST_F(HttpRouterTest, CredentialsAfterHostAndOrigin) {
  config::ControlSocket socket;
  socket.bearer_token = "0123456789abcdef";
  const Response denied = send(request("GET", "/api/status"), socket);
  EXPECT_EQ(denied.status, 401);
  EXPECT_NE(http::serialize(denied).find("WWW-Authenticate: Bearer realm=\"blackstart\""),
            std::string::npos);
  const Request allowed =
      with_header(request("POST", "/"), "authorization", "Bearer 0123456789abcdef");
  EXPECT_EQ(send(allowed, socket).status, 200);
  EXPECT_EQ(send(with_header(allowed, "host", "evil.example:8004"), socket).status, 421);
  EXPECT_EQ(send(with_header(allowed, "content-type", "text/plain"), socket).status, 415);
}

std::string nested(size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST_F(HttpRouterTest, JsonDepthIsBoundedWhileParsing) {
  const size_t deep = 50'000;
  for (const std::string& text :
       {R"({"command": "version-get", "service": )" + nested(deep) + "}",
        R"({"command": "lease4-get-all", "arguments": {"subnets": )" + nested(deep) + "}}",
        R"({"command": "config-test", "arguments": {"Dhcp4": )" + nested(deep, "{}") + "}}",
        nested(deep, R"({"command": "version-get"})")}) {
    const Response response = send(request("POST", "/", text));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(body(response)["result"], 1);
    EXPECT_EQ(body(response)["text"], "invalid JSON: nesting is deeper than 64 levels");
  }
  // config-test's "source" goes to the configuration reader, bounded alike.
  const Json source = {{"command", "config-test"}, {"arguments", {{"source", nested(deep, "{}")}}}};
  const Response from_source = send(request("POST", "/", source.dump()));
  EXPECT_EQ(body(from_source)["result"], 1);
  EXPECT_NE(body(from_source)["text"].get<std::string>().find("nesting is deeper than 64 levels"),
            std::string::npos);
  // At the bound itself the request parses (and fails on its meaning).
  const std::string at_bound =
      R"({"command": "version-get", "service": )" + nested(kMaxJsonDepth - 1) + "}";
  EXPECT_EQ(body(send(request("POST", "/", at_bound)))[0]["text"],
            "unsupported service " + nested(kMaxJsonDepth - 2) + ", expected 'dhcp4'");
  const std::string over =
      R"({"command": "version-get", "service": )" + nested(kMaxJsonDepth) + "}";
  EXPECT_EQ(body(send(request("POST", "/", over)))["text"],
            "invalid JSON: nesting is deeper than 64 levels");
}

TEST_F(HttpRouterTest, InvalidUtf8InEchoedTextDoesNotThrow) {
  const Response response = send(with_header(request("GET", "/"), "host", "\xff\xfe:8004"));
  EXPECT_EQ(response.status, 421);
  EXPECT_TRUE(Json::accept(response.body));
  EXPECT_EQ(send(request("GET", "/api/leases?q=%ff%fe")).status, 200);
}

}  // namespace
}  // namespace bs::control::test
