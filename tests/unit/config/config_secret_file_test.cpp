// "password-file" and "token-file" name files the daemon reads as root, and
// config-test lets an API client hand it such a path. Only a regular file of
// at most 64 KiB is read: /dev/zero (which grew the daemon until the OOM
// killer came), a FIFO (which blocked the reading thread) and an oversized
// file are refused with a message saying which. The config file itself is
// read with a 16 MiB bound.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace bs::config::testing {
namespace {

std::string basic_auth_with(const std::string& password_file) {
  return R"({"Dhcp4": {"control-sockets": [{"socket-type": "http",
    "authentication": {"type": "basic",
      "clients": [{"user": "admin", "password-file": ")" +
         password_file + R"("}]}}]}})";
}

std::string load_error(const std::string& text) {
  auto config = parse_config(text, "inline.json");
  EXPECT_FALSE(config.has_value());
  return config ? std::string() : config.error().message;
}

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("bs_secret_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(SecretFileTest, ADeviceIsRefusedWithoutReadingIt) {
  const std::string message = load_error(basic_auth_with("/dev/zero"));
  EXPECT_NE(message.find("cannot read \"/dev/zero\": it is a character device, not a regular file"),
            std::string::npos)
      << message;
}

TEST_F(SecretFileTest, AFifoIsRefusedWithoutBlocking) {
  const std::string fifo = path("password");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string message = load_error(basic_auth_with(fifo));
  EXPECT_NE(message.find("it is a FIFO, not a regular file"), std::string::npos) << message;
}

TEST_F(SecretFileTest, AFileOver64KiBIsRefused) {
  const std::string big = path("password");
  std::ofstream(big) << std::string(64 * 1024 + 1, 'x');
  const std::string message = load_error(basic_auth_with(big));
  EXPECT_NE(message.find("larger than 65536 bytes"), std::string::npos) << message;
}

TEST_F(SecretFileTest, ARegularFileAndALinkToOneAreRead) {
  const std::string file = path("password");
  std::ofstream(file) << "s3cret\r\nsecond line\n";
  const std::string link = path("link");
  std::filesystem::create_symlink(file, link);
  for (const std::string& name : {file, link}) {
    const Config config = parse_ok(basic_auth_with(name));
    ASSERT_EQ(config.control_sockets.at(0).basic_clients.size(), 1u) << name;
    EXPECT_EQ(config.control_sockets.at(0).basic_clients[0].second, "s3cret") << name;
  }
  const std::string message = load_error(basic_auth_with(path("missing")));
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
}

TEST_F(SecretFileTest, AConfigFileThatNeverEndsIsBounded) {
  auto loaded = read_config_text("/dev/zero");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("larger than 16777216 bytes"), std::string::npos)
      << loaded.error().message;
}

}  // namespace
}  // namespace bs::config::testing
