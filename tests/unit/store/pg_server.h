// A real PostgreSQL 15 server for the PostgreSQL store tests, started once
// per test suite by tests/pg/pg-test-server.sh (an unprivileged initdb in a
// temp directory, UNIX socket only) and stopped by PID when the suite ends.
// The script's watchdog stops it too if this test binary dies first.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace bs::store::test {

class PgServer {
 public:
  // Starts a server; an empty optional with the script's complaint in
  // `error` when it cannot (PostgreSQL not installed, initdb failed).
  static std::optional<PgServer> start(std::string& error) {
    const std::string command = std::string(BS_SOURCE_DIR) + "/tests/pg/pg-test-server.sh start " +
                                std::to_string(getpid());
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) {
      error = "cannot run " + command;
      return std::nullopt;
    }
    std::string out;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe.get()) != nullptr) out += buffer;
    const int status = pclose(pipe.release());
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (status != 0 || out.empty()) {
      error = command + " failed (see its stderr above)";
      return std::nullopt;
    }
    return PgServer(out);
  }

  PgServer(PgServer&& other) noexcept : dir_(std::move(other.dir_)) { other.dir_.clear(); }
  PgServer& operator=(PgServer&& other) noexcept {
    if (this != &other) {
      stop();
      dir_ = std::move(other.dir_);
      other.dir_.clear();
    }
    return *this;
  }
  PgServer(const PgServer&) = delete;
  ~PgServer() { stop(); }

  void stop() {
    if (dir_.empty()) return;
    const std::string command =
        std::string(BS_SOURCE_DIR) + "/tests/pg/pg-test-server.sh stop " + dir_;
    if (std::system(command.c_str()) != 0) ADD_FAILURE() << command << " failed";
    dir_.clear();
  }

  // The socket directory, which libpq takes as "host".
  const std::string& dir() const { return dir_; }
  static constexpr int kPort = 5432;
  static constexpr const char* kSuperuser = "blackstart";

  // libpq connection string for `database` as the superuser.
  std::string conninfo(const std::string& database = "postgres") const {
    return "host=" + dir_ + " port=" + std::to_string(kPort) + " user=" + kSuperuser +
           " dbname=" + database;
  }

  // Runs SQL (several statements allowed) on `database`; the error text, or
  // empty on success.
  std::string exec(const std::string& sql, const std::string& database = "postgres") const {
    PGconn* conn = PQconnectdb(conninfo(database).c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* result = PQexec(conn, sql.c_str());
      const ExecStatusType status = PQresultStatus(result);
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQerrorMessage(conn);
      PQclear(result);
    }
    PQfinish(conn);
    return error;
  }

  // First column of the first row of a query, or nullopt on error or no row.
  std::optional<std::string> query(const std::string& sql,
                                   const std::string& database = "postgres") const {
    PGconn* conn = PQconnectdb(conninfo(database).c_str());
    std::optional<std::string> value;
    if (PQstatus(conn) == CONNECTION_OK) {
      PGresult* result = PQexec(conn, sql.c_str());
      if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
        value = PQgetvalue(result, 0, 0);
      }
      PQclear(result);
    }
    PQfinish(conn);
    return value;
  }

 private:
  explicit PgServer(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// A fixture that starts one server for the whole suite; each test gets a
// fresh database (database_name()) so tests do not see each other's rows.
class PgSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    server_ = PgServer::start(error);
    if (!server_) start_error_ = error;
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(server_) << "no PostgreSQL test server: " << start_error_;
    database_ = "t_" + std::to_string(++counter_);
    ASSERT_EQ(server_->exec("CREATE DATABASE " + database_), "");
  }

  static PgServer& server() { return *server_; }
  const std::string& database_name() const { return database_; }

 private:
  static inline std::optional<PgServer> server_;
  static inline std::string start_error_;
  static inline int counter_ = 0;
  std::string database_;
};

}  // namespace bs::store::test
