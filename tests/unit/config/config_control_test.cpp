// "control-sockets" / "control-socket": defaults, Kea 2.7's shape, unix
// sockets, several sockets at once, the bearer extension, and the rule that a non-loopback API
// needs credentials, reported as FILE:LINE at load time.
#include <cstdio>
#include <fstream>

#include "test_util.h"

namespace bs::config::testing {
namespace {

std::string with_dhcp4(const std::string& members) { return "{\"Dhcp4\": {\n" + members + "\n}}"; }

ConfigError parse_error(const std::string& text) {
  auto config = parse_config(text, "inline.json");
  EXPECT_FALSE(config.has_value());
  return config ? ConfigError{} : config.error();
}

// The only socket of a file that configures one.
const ControlSocket& only_socket(const Config& config) {
  EXPECT_EQ(config.control_sockets.size(), 1u);
  return config.control_sockets.at(0);
}

TEST(ConfigControl, DefaultIsLoopback8004WithoutCredentials) {
  const Config config = parse_ok(with_dhcp4("\"valid-lifetime\": 600"));
  const ControlSocket& socket = only_socket(config);
  EXPECT_EQ(socket.type, ControlSocketType::kHttp);
  EXPECT_EQ(socket.address.text(), "127.0.0.1");
  EXPECT_EQ(socket.port, 8004);
  EXPECT_FALSE(socket.needs_auth());
}

TEST(ConfigControl, EmptyListTurnsTheApiOff) {
  EXPECT_TRUE(parse_ok(with_dhcp4("\"control-sockets\": []")).control_sockets.empty());
}

TEST(ConfigControl, KeaHttpSocketWithBasicAuth) {
  const Config config = parse_ok(with_dhcp4(R"("control-sockets": [{
    "socket-type": "http", "socket-address": "198.18.1.1", "socket-port": 8080,
    "authentication": {"type": "basic", "realm": "office",
                       "clients": [{"user": "admin", "password": "s3cret"}]}}])"));
  const ControlSocket& socket = only_socket(config);
  EXPECT_EQ(socket.address.text(), "198.18.1.1");
  EXPECT_EQ(socket.port, 8080);
  EXPECT_EQ(socket.realm, "office");
  ASSERT_EQ(socket.basic_clients.size(), 1u);
  EXPECT_EQ(socket.basic_clients[0].first, "admin");
  EXPECT_EQ(socket.basic_clients[0].second, "s3cret");
}

TEST(ConfigControl, SingularKeaSpellingAndBearerToken) {
  const Config config = parse_ok(with_dhcp4(R"("control-socket": {
    "socket-type": "http", "socket-address": "0.0.0.0",
    "authentication": {"type": "bearer", "token": "0123456789abcdef0123"}})"));
  EXPECT_EQ(only_socket(config).bearer_token, "0123456789abcdef0123");
  EXPECT_TRUE(only_socket(config).needs_auth());
}

TEST(ConfigControl, TokenFromAFile) {
  const std::string path = ::testing::TempDir() + "/bs_token";
  std::ofstream(path) << "abcdefghijklmnopqrstuvwxyz\n";
  const Config config = parse_ok(with_dhcp4(
      R"("control-sockets": [{"socket-type": "http", "socket-address": "198.18.1.1",
         "authentication": {"type": "bearer", "token-file": ")" +
      path + "\"}}]"));
  EXPECT_EQ(only_socket(config).bearer_token, "abcdefghijklmnopqrstuvwxyz");
  std::remove(path.c_str());
}

TEST(ConfigControl, NonLoopbackWithoutCredentialsIsRefusedAtItsLine) {
  const ConfigError error = parse_error(with_dhcp4(R"("control-sockets": [{
    "socket-type": "http",
    "socket-address": "0.0.0.0"}])"));
  EXPECT_EQ(error.line, 4);
  EXPECT_NE(error.message.find("needs \"authentication\""), std::string::npos) << error.message;
}

// Kea's newest examples put the HTTP socket on IPv6 loopback.
TEST(ConfigControl, IPv6LoopbackNeedsNoCredentials) {
  const Config config = parse_ok(with_dhcp4(
      R"("control-sockets": [{"socket-type": "http", "socket-address": "::1", "socket-port": 8000}])"));
  const ControlSocket& socket = only_socket(config);
  EXPECT_TRUE(socket.address.is_v6);
  EXPECT_TRUE(socket.address.is_loopback());
  EXPECT_EQ(socket.address.url_host(), "[::1]");
}

TEST(ConfigControl, IPv6ElsewhereNeedsCredentialsAndTheWildcardIsRefused) {
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "socket-address": "2001:db8::1"}])"))
                .message.find("needs \"authentication\""),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "socket-address": "::", "authentication": {"type": "bearer",
    "token": "0123456789abcdef0123"}}])"))
                .message.find("is not supported"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "socket-address": "not-an-address"}])"))
                .message.find("IPv4 or IPv6 address"),
            std::string::npos);
}

TEST(ConfigControl, IPv4AndIPv6OnOnePortAreDistinctSockets) {
  const Config config = parse_ok(with_dhcp4(R"("control-sockets": [
    {"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8000},
    {"socket-type": "http", "socket-address": "::1", "socket-port": 8000}])"));
  EXPECT_EQ(config.control_sockets.size(), 2u);
}

TEST(ConfigControl, KeaHttpHeaders) {
  const Config config = parse_ok(with_dhcp4(R"("control-sockets": [{
    "socket-type": "http", "http-headers": [
      {"name": "Strict-Transport-Security", "value": "max-age=31536000",
       "user-context": {"why": "HSTS"}},
      {"name": "X-Frame-Options", "value": "DENY"}]}])"));
  const ControlSocket& socket = only_socket(config);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Strict-Transport-Security", "max-age=31536000"}, {"X-Frame-Options", "DENY"}};
  EXPECT_EQ(socket.http_headers, expected);
}

TEST(ConfigControl, HttpHeadersCannotSplitOrReframeAResponse) {
  const auto message =
      [](const std::string& header) {
        return parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
      "http-headers": [)" + header + "]}]"))
            .message;
      };
  EXPECT_NE(message(R"({"name": "X-A", "value": "1\r\nSet-Cookie: a=b"})").find("line breaks"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "X A", "value": "1"})").find("not a header name"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "content-length", "value": "0"})").find("set by blackstart"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "X-A"})").find("needs \"name\" and \"value\""), std::string::npos);
  EXPECT_NE(message(R"({"name": "X-A", "value": "1", "extra": 2})").find("unknown key"),
            std::string::npos);
}

TEST(ConfigControl, KeaTwoTwoUnixSocket) {
  const Config config = parse_ok(with_dhcp4(R"("control-socket": {
    "socket-name": "/tmp/kea4-ctrl-socket", "socket-type": "unix",
    "user-context": {"comment": "as in Kea's all-keys.json"}})"));
  const ControlSocket& socket = only_socket(config);
  EXPECT_EQ(socket.type, ControlSocketType::kUnix);
  EXPECT_EQ(socket.socket_name, "/tmp/kea4-ctrl-socket");
}

TEST(ConfigControl, BareUnixSocketNameIsInKeasSocketDirectory) {
  ::unsetenv("KEA_CONTROL_SOCKET_DIR");
  const Config config = parse_ok(with_dhcp4(
      R"("control-sockets": [{"socket-type": "unix", "socket-name": "kea4-ctrl-socket"}])"));
  EXPECT_EQ(only_socket(config).socket_name, "/run/kea/kea4-ctrl-socket");
}

TEST(ConfigControl, SeveralSocketsAtOnce) {
  const Config config = parse_ok(with_dhcp4(R"("control-sockets": [
    {"socket-type": "unix", "socket-name": "/run/kea/kea4-ctrl-socket"},
    {"socket-type": "http", "socket-port": 8000},
    {"socket-type": "http", "socket-address": "198.18.1.1", "socket-port": 8000,
     "authentication": {"type": "bearer", "token": "0123456789abcdef0123"}}])"));
  ASSERT_EQ(config.control_sockets.size(), 3u);
  EXPECT_EQ(config.control_sockets[0].type, ControlSocketType::kUnix);
  EXPECT_EQ(config.control_sockets[1].type, ControlSocketType::kHttp);
  EXPECT_FALSE(config.control_sockets[1].needs_auth());
  EXPECT_TRUE(config.control_sockets[2].needs_auth());
}

TEST(ConfigControl, HttpsWithKeasTlsKeys) {
  const Config config = parse_ok(with_dhcp4(R"("control-sockets": [{"socket-type": "https",
    "socket-address": "198.18.1.1", "socket-port": 8443, "trust-anchor": "/etc/kea/ca.pem",
    "cert-file": "/etc/kea/server.pem", "key-file": "/etc/kea/server.key"}])"));
  const ControlSocket& socket = only_socket(config);
  EXPECT_EQ(socket.type, ControlSocketType::kHttps);
  EXPECT_EQ(socket.cert_file, "/etc/kea/server.pem");
  EXPECT_EQ(socket.key_file, "/etc/kea/server.key");
  EXPECT_EQ(socket.trust_anchor, "/etc/kea/ca.pem");
  EXPECT_TRUE(socket.cert_required) << "Kea's default: mutual TLS";
  EXPECT_FALSE(socket.needs_auth()) << "client certificates are the credentials off loopback";
}

TEST(ConfigControl, HttpsWithoutClientCertificatesOffLoopbackNeedsCredentials) {
  const ConfigError error = parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "https",
    "socket-address": "198.18.1.1", "trust-anchor": "/ca.pem", "cert-file": "/s.pem",
    "key-file": "/s.key", "cert-required": false}])"));
  EXPECT_NE(error.message.find("needs \"authentication\""), std::string::npos) << error.message;
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "https",
    "cert-file": "/s.pem", "key-file": "/s.key"}])"))
                .message.find("needs \"trust-anchor\""),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "socket-port": 8000}, {"socket-type": "https", "socket-port": 8000,
    "trust-anchor": "/ca.pem", "cert-file": "/s.pem", "key-file": "/s.key"}])"))
                .message.find("same address and port"),
            std::string::npos);
}

TEST(ConfigControl, UnixSocketShapesAreNamed) {
  EXPECT_NE(parse_error(with_dhcp4(R"("control-socket": {"socket-type": "unix"})"))
                .message.find("needs \"socket-name\""),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-socket": {"socket-type": "unix",
    "socket-name": "/run/kea/x", "socket-port": 8000})"))
                .message.find("socket-port"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-socket": {"socket-type": "unix",
    "socket-name": "/)" + std::string(200, 'x') +
                                   R"("})"))
                .message.find("longer than"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [
    {"socket-type": "unix", "socket-name": "/run/kea/s"},
    {"socket-type": "unix", "socket-name": "/run/kea/s"}])"))
                .message.find("same socket file"),
            std::string::npos);
}

TEST(ConfigControl, BadShapesAreNamed) {
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "socket-port": 0}])"))
                .message.find("between 1 and 65535"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "authentication": {"type": "bearer", "token": "short"}}])"))
                .message.find("at least 16"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "authentication": {"type": "basic", "clients": []}}])"))
                .message.find("at least one user"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http",
    "cert-file": "/x"}])"))
                .message.find("belongs to \"socket-type\": \"https\""),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http"},
    {"socket-type": "http"}])"))
                .message.find("same address and port"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [], "control-socket": {})"))
                .message.find("keep one"),
            std::string::npos);
}

}  // namespace
}  // namespace bs::config::testing
