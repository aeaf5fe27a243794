// "control-sockets" / "control-socket": defaults, Kea 2.7's shape, the
// bearer extension, and the rule that a non-loopback API needs credentials,
// reported as FILE:LINE at load time.
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

TEST(ConfigControl, DefaultIsLoopback8004WithoutCredentials) {
  const Config config = parse_ok(with_dhcp4("\"valid-lifetime\": 600"));
  EXPECT_TRUE(config.control.enabled);
  EXPECT_EQ(to_string(config.control.address), "127.0.0.1");
  EXPECT_EQ(config.control.port, 8004);
  EXPECT_FALSE(config.control.needs_auth());
}

TEST(ConfigControl, EmptyListTurnsTheApiOff) {
  EXPECT_FALSE(parse_ok(with_dhcp4("\"control-sockets\": []")).control.enabled);
}

TEST(ConfigControl, KeaHttpSocketWithBasicAuth) {
  const Config config = parse_ok(with_dhcp4(R"("control-sockets": [{
    "socket-type": "http", "socket-address": "198.18.1.1", "socket-port": 8080,
    "authentication": {"type": "basic", "realm": "office",
                       "clients": [{"user": "admin", "password": "s3cret"}]}}])"));
  EXPECT_EQ(to_string(config.control.address), "198.18.1.1");
  EXPECT_EQ(config.control.port, 8080);
  EXPECT_EQ(config.control.realm, "office");
  ASSERT_EQ(config.control.basic_clients.size(), 1u);
  EXPECT_EQ(config.control.basic_clients[0].first, "admin");
  EXPECT_EQ(config.control.basic_clients[0].second, "s3cret");
}

TEST(ConfigControl, SingularKeaSpellingAndBearerToken) {
  const Config config = parse_ok(with_dhcp4(R"("control-socket": {
    "socket-type": "http", "socket-address": "0.0.0.0",
    "authentication": {"type": "bearer", "token": "0123456789abcdef0123"}})"));
  EXPECT_EQ(config.control.bearer_token, "0123456789abcdef0123");
  EXPECT_TRUE(config.control.needs_auth());
}

TEST(ConfigControl, TokenFromAFile) {
  const std::string path = ::testing::TempDir() + "/bs_token";
  std::ofstream(path) << "abcdefghijklmnopqrstuvwxyz\n";
  const Config config = parse_ok(with_dhcp4(
      R"("control-sockets": [{"socket-type": "http", "socket-address": "198.18.1.1",
         "authentication": {"type": "bearer", "token-file": ")" +
      path + "\"}}]"));
  EXPECT_EQ(config.control.bearer_token, "abcdefghijklmnopqrstuvwxyz");
  std::remove(path.c_str());
}

TEST(ConfigControl, NonLoopbackWithoutCredentialsIsRefusedAtItsLine) {
  const ConfigError error = parse_error(with_dhcp4(R"("control-sockets": [{
    "socket-type": "http",
    "socket-address": "0.0.0.0"}])"));
  EXPECT_EQ(error.line, 4);
  EXPECT_NE(error.message.find("needs \"authentication\""), std::string::npos) << error.message;
}

TEST(ConfigControl, UnixSocketIsExplained) {
  const ConfigError error = parse_error(with_dhcp4(
      R"("control-socket": {"socket-type": "unix", "socket-name": "/run/kea/kea4-ctrl-socket"})"));
  EXPECT_NE(error.message.find("HTTP only"), std::string::npos) << error.message;
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
                .message.find("does not support yet"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [{"socket-type": "http"},
    {"socket-type": "http"}])"))
                .message.find("one socket"),
            std::string::npos);
  EXPECT_NE(parse_error(with_dhcp4(R"("control-sockets": [], "control-socket": {})"))
                .message.find("keep one"),
            std::string::npos);
}

}  // namespace
}  // namespace bs::config::testing
