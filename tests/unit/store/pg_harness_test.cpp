// The PostgreSQL test server itself (pg_server.h): it answers on its socket
// as the superuser, with synchronous_commit on and no TCP listener, and
// stopping it ends the postmaster and removes its directory.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "pg_server.h"

namespace bs::store::test {
namespace {

TEST(PgHarnessTest, AnswersOnItsSocketOnlyAndStopRemovesEverything) {
  std::string error;
  auto server = PgServer::start(error);
  ASSERT_TRUE(server) << error;
  EXPECT_EQ(server->query("SELECT current_user"), "blackstart");
  EXPECT_EQ(server->query("SHOW synchronous_commit"), "on");
  EXPECT_EQ(server->query("SHOW listen_addresses"), "");
  EXPECT_EQ(server->query("SELECT split_part(version(), ' ', 2)").value_or("").substr(0, 3), "15.");
  const std::string dir = server->dir();
  std::ifstream pid_file(dir + "/data/postmaster.pid");
  pid_t pid = 0;
  pid_file >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, 0), 0);
  server->stop();
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_NE(kill(pid, 0), 0) << "postmaster " << pid << " still running";
}

}  // namespace
}  // namespace bs::store::test
