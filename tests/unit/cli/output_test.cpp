// blackstart-ctl's output for people and for --json: a hostile hostname is
// shown as \xNN and cannot drive the terminal or hide the leases after it;
// and a call that cannot connect says why.
#include "cli/output.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "cli/api_client.h"

namespace bs::cli {
namespace {

using namespace std::string_literals;
using Json = nlohmann::json;

// The hostname as the API sends it: invalid bytes already \xNN, the rest
// (ESC, BEL, NUL, a C1 CSI) as the client sent it.
const std::string kApiName = "\\xff\\xfe\x1b]0;pwn\x07"s + '\0' + "tail\xc2\x9b" + "2J";

Json lease(const std::string& address, const std::string& hostname) {
  return Json{{"ip-address", address}, {"hw-address", "02:cc:00:00:00:01"},
              {"hostname", hostname},  {"subnet-id", 1},
              {"expire", 1800000000},  {"state-name", "assigned"}};
}

bool has_control_bytes(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if ((byte < 0x20 && byte != '\n') || byte == 0x7f) return true;
    if (byte == 0xc2 && i + 1 < text.size() && static_cast<uint8_t>(text[i + 1]) <= 0x9f) {
      return true;
    }
  }
  return false;
}

TEST(OutputTest, LeaseTableShowsControlBytesAsHexAndKeepsLaterRows) {
  const std::string table = format_lease_table(
      Json::array({lease("198.18.1.100", kApiName), lease("198.18.1.101", "plain-pc")}));
  EXPECT_FALSE(has_control_bytes(table)) << table;
  EXPECT_NE(table.find(R"(\xff\xfe\x1b]0;pwn\x07\x00tail\x9b2J)"), std::string::npos) << table;
  EXPECT_NE(table.find("198.18.1.101"), std::string::npos) << table;
  EXPECT_NE(table.find("plain-pc"), std::string::npos) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3);
}

TEST(OutputTest, LeaseDetailsAndStatusAreEscapedToo) {
  const std::string details = format_lease_details(lease("198.18.1.100", kApiName));
  EXPECT_FALSE(has_control_bytes(details)) << details;
  EXPECT_NE(details.find(R"(hostname:   \xff\xfe\x1b]0;pwn)"), std::string::npos) << details;
  const std::string status =
      format_status(Json{{"version", "0.1\x1b[2J"}, {"config-file", "/etc/\x9b"}});
  EXPECT_FALSE(has_control_bytes(status)) << status;
}

TEST(OutputTest, JsonForTheTerminalEscapesDelAndC1AndKeepsTheValue) {
  const Json answer = {{"result", 0},
                       {"arguments", {{"leases", {lease("198.18.1.100", kApiName)}}}}};
  const std::string text = format_json(answer);
  EXPECT_FALSE(has_control_bytes(text)) << text;
  EXPECT_NE(text.find(R"(\u001b]0;pwn\u0007\u0000tail\u009b2J)"), std::string::npos) << text;
  EXPECT_EQ(Json::parse(text), answer);  // the same JSON value
  EXPECT_EQ(format_json(Json("a\x7f"
                             "b")),
            "\"a\\u007fb\"\n");
  EXPECT_EQ(format_json(Json("K\xc3\xbc"
                             "che")),
            "\"K\xc3\xbc"
            "che\"\n");
}

TEST(OutputTest, StatisticsTable) {
  const std::string table =
      format_statistics(Json{{"pkt4-received", Json::array({Json::array({7, "2025-01-01"})})}});
  EXPECT_NE(table.find("pkt4-received  7"), std::string::npos) << table;
}

// A port with a bound socket that does not listen refuses connections.
TEST(ApiClientTest, RefusedConnectionSaysSoAndWhere) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string where = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  Endpoint endpoint;
  endpoint.url = "http://" + where;
  endpoint.timeout_s = 5;
  const auto answer = ApiClient(endpoint).command("status-get");
  ::close(fd);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().exit_code, kExitUnavailable);
  EXPECT_EQ(answer.error().message,
            "connection refused to " + where + "; is blackstart running? (set --url)");
}

TEST(Output, StatusPrintsTheHaPairAndItsLag) {
  const Json ha = {{"mode", "load-balancing"},
                   {"role", "primary"},
                   {"state", "partner-unreachable"},
                   {"partner-role", "secondary"},
                   {"partner-state", "load-balancing"},
                   {"last-contact-s-ago", 75},
                   {"unacked-updates", 12},
                   {"unacked-leases", 4}};
  const std::string text = format_status(Json{{"ha", ha}});
  EXPECT_NE(text.find("ha:            load-balancing primary, state partner-unreachable; partner "
                      "secondary in load-balancing, heard 1m 15s ago"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ha lag:        12 updates, 4 leases not acknowledged"), std::string::npos)
      << text;
  EXPECT_EQ(format_status(Json::object()).find("ha:"), std::string::npos);
}

}  // namespace
}  // namespace bs::cli
