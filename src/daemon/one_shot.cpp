// The daemon's one-shot commands (one_shot.h): they print and exit, and
// never serve.
#include "daemon/one_shot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "common/clock.h"
#include "common/text.h"
#include "config/host_checks.h"
#include "store/lease_store.h"
#include "store/recover.h"

namespace bs::daemon {
namespace {

bool has_sqlite_header(const std::string& path) {
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with the NUL
  char head[sizeof kMagic] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(head, sizeof head);
  return in.gcount() == sizeof head && std::equal(head, head + sizeof head, kMagic);
}

}  // namespace

void print_warnings(const config::Config& config) {
  for (const auto& warning : config.warnings) {
    const std::string where =
        warning.line > 0 ? warning.file + ":" + std::to_string(warning.line) : warning.file;
    std::fprintf(stderr, "%s: warning: %s\n", where.c_str(), warning.message.c_str());
  }
}

tl::expected<config::Config, int> load_or_report(const std::string& path) {
  auto config = config::load_config_file(path);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().to_string().c_str());
    return tl::make_unexpected(1);
  }
  print_warnings(*config);
  return std::move(*config);
}

int test_config(const std::string& path, bool strict) {
  auto config = load_or_report(path);
  if (!config) return config.error();
  const auto text = config::read_config_text(path);
  const auto locate = config::locator_for_text(path, text ? *text : std::string());
  const config::SystemHostView host;
  const auto problems = config::check_host(*config, host, locate);
  for (const auto& problem : problems) {
    std::string line = problem.to_string();
    if (!strict) line.insert(line.size() - problem.message.size(), "warning: ");
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (strict && !problems.empty()) {
    std::fprintf(stderr, "%s: %zu problem(s) at this host (--strict)\n", path.c_str(),
                 problems.size());
    return 1;
  }
  std::printf("%s: configuration is valid (%zu subnets)\n", path.c_str(), config->subnets.size());
  return 0;
}

int show_leases(const config::Config& config) {
  auto store = store::open_lease_store(config.lease_database);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  auto leases = (*store)->load_all();
  if (!leases) {
    std::fprintf(stderr, "%s\n", leases.error().message.c_str());
    return 1;
  }
  std::sort(leases->begin(), leases->end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  fmt::print("{:<16} {:<18} {:<24} {:<20} {:<20} {}\n", "address", "mac", "client-id", "hostname",
             "expires (UTC)", "state");
  for (const Lease& lease : *leases) {
    fmt::print("{:<16} {:<18} {:<24} {:<20} {:<20} {}\n", to_string(lease.address),
               to_string(lease.hw_address), to_hex_colon(lease.client_id),
               lease.hostname.empty() ? "-" : escape_for_terminal(lease.hostname),
               format_utc(lease.expires_at_s(), "%Y-%m-%d %H:%M:%S"), to_string(lease.state));
  }
  return 0;
}

// --recover-db FILE: FILE is the database, or a config whose lease database
// is recovered. The SQLite header decides, so a config is never mistaken for
// a database to be replaced.
int recover_db(const std::string& file) {
  std::string database = file;
  if (!has_sqlite_header(file)) {
    auto config = config::load_config_file(file);
    if (!config) {
      std::fprintf(stderr, "%s: not an SQLite database, and not a valid config: %s\n", file.c_str(),
                   config.error().to_string().c_str());
      return 1;
    }
    if (config->lease_database.is_postgresql()) {
      std::fprintf(stderr, "%s: the lease database is PostgreSQL's; its recovery is the server's\n",
                   file.c_str());
      return 1;
    }
    if (!config->lease_database.is_sqlite()) {
      std::fprintf(stderr,
                   "%s: the lease database is Kea's CSV file %s; it needs no recovery: "
                   "unreadable rows are skipped when it loads (see max-row-errors)\n",
                   file.c_str(), config->lease_database.name.c_str());
      return 1;
    }
    database = config->lease_database.name;
  }
  auto report = store::recover_database(database, static_cast<int64_t>(std::time(nullptr)));
  if (!report) {
    std::fprintf(stderr, "%s\n", report.error().message.c_str());
    return 1;
  }
  fmt::print("{}", store::format_report(*report));
  return 0;
}

}  // namespace bs::daemon
