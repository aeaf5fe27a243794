// blackstart-admin: creates, reports and upgrades blackstart's tables in a
// PostgreSQL lease database, modelled on kea-admin's db-init / db-version /
// db-upgrade. The connection comes from kea-admin's flags or from a config
// file's "lease-database" (-c). Each command is one transaction.
//
//   blackstart-admin db-init pgsql -h /run/postgresql -u kea -p secret -n kea
//   blackstart-admin db-version pgsql -c /etc/kea/kea-dhcp4.conf
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "config/config.h"
#include "store/pg_conn.h"
#include "store/pg_schema.h"

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "blackstart-admin: %s\n", message.c_str());
  return 1;
}

int run(const std::string& command, const bs::store::PgOptions& options) {
  auto conn = bs::store::pg_connect(options);
  if (!conn) return fail(conn.error().message);
  const std::string where = bs::store::describe_pg(options);
  if (command == "db-version") {
    auto version = bs::store::read_pg_schema_version(conn->get());
    if (!version) return fail(version.error().message);
    if (!*version) return fail(where + ": no blackstart schema (run db-init)");
    std::printf("%s\n", bs::store::to_string(**version).c_str());
    return 0;
  }
  auto done = command == "db-init" ? bs::store::pg_db_init(conn->get(), where)
                                   : bs::store::pg_db_upgrade(conn->get(), where);
  if (!done) return fail(done.error().message);
  std::printf("%s: blackstart schema version %s\n", where.c_str(),
              bs::store::to_string(*done).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"blackstart-admin: blackstart's tables in a PostgreSQL lease database"};
  app.set_help_flag("--help", "print this help");
  std::string command;
  std::string backend;
  std::string config_file;
  bs::store::PgOptions options;
  app.add_option("command", command, "db-init | db-version | db-upgrade")
      ->required()
      ->check(CLI::IsMember({"db-init", "db-version", "db-upgrade"}));
  app.add_option("backend", backend, "pgsql (the only one)")
      ->required()
      ->check(CLI::IsMember({"pgsql"}));
  app.add_option("-c,--config", config_file,
                 "take the connection from this config's lease-database");
  app.add_option("-h,--host", options.host, "server host, or UNIX socket directory");
  app.add_option("-P,--port", options.port, "server port");
  app.add_option("-u,--user", options.user, "user name");
  app.add_option("-p,--password", options.password, "password");
  app.add_option("-n,--name", options.name, "database name");
  CLI11_PARSE(app, argc, argv);
  if (!config_file.empty()) {
    auto config = bs::config::load_config_file(config_file);
    if (!config) return fail(config.error().to_string());
    const auto& database = config->lease_database;
    if (!database.is_postgresql()) {
      return fail(config_file + ": lease-database type is \"" + database.type +
                  "\", not \"postgresql\"");
    }
    options = {.host = database.host,
               .port = database.port,
               .name = database.name,
               .user = database.user,
               .password = database.password,
               .connect_timeout_s = database.connect_timeout_s};
  }
  if (options.name.empty()) return fail("which database? (-n NAME or -c CONFIG)");
  return run(command, options);
}
