// An "https" control socket whose files are wrong does not start, and the
// error names the Kea key and the file, so `blackstart -c` says what to fix.
// (Serving over TLS, with and without client certificates, is tested end to
// end in tests/integration/test_control_sockets.sh with openssl-made files.)
#include "control/tls.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "control/command_queue.h"
#include "control/http_api.h"

namespace bs::control {
namespace {

config::ControlSocket https_socket(const std::string& dir) {
  config::ControlSocket socket;
  socket.type = config::ControlSocketType::kHttps;
  socket.port = 0;
  socket.cert_file = dir + "/server.pem";
  socket.key_file = dir + "/server.key";
  socket.trust_anchor = dir + "/ca.pem";
  return socket;
}

TEST(Tls, MissingOrBrokenFilesAreNamed) {
  const std::string dir = ::testing::TempDir() + "/bs_tls_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto missing = http::TlsContext::create(https_socket(dir));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("cert-file " + dir + "/server.pem"), std::string::npos)
      << missing.error();

  std::ofstream(dir + "/server.pem") << "-----BEGIN CERTIFICATE-----\nnot base64\n";
  auto broken = http::TlsContext::create(https_socket(dir));
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("cert-file"), std::string::npos) << broken.error();

  CommandQueue queue;
  ApiServer api(https_socket(dir), queue);
  const auto started = api.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("https"), std::string::npos) << started.error();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bs::control
