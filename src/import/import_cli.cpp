// The command line of `blackstart import`; the work is in dhcpd_leases,
// lease_import and dhcpd_conf, so this file only reads files, calls them
// and prints.
#include "import/import_cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "common/file_read.h"
#include "config/config.h"
#include "import/dhcpd_conf.h"
#include "import/dhcpd_leases.h"
#include "import/lease_import.h"
#include "store/lease_store.h"
#include "store/shutdown_marker.h"

namespace bs::import {
namespace {

struct Options {
  std::string leases_path;
  std::string config_path;
  std::string dhcpd_conf_path;
  std::vector<std::string> interfaces;
  bool dry_run = false;
  bool force = false;
  std::optional<int64_t> now_s;
};

void print_diagnostics(const std::string& file, const char* kind,
                       const std::vector<Diagnostic>& list, size_t total) {
  for (const auto& diagnostic : list) {
    std::fprintf(stderr, "%s:%u:%u: %s: %s\n", file.c_str(), diagnostic.line, diagnostic.column,
                 kind, diagnostic.message.c_str());
  }
  if (total > list.size()) {
    std::fprintf(stderr, "%s: %zu more %ss not shown\n", file.c_str(), total - list.size(), kind);
  }
}

int translate(const Options& options) {
  auto text = read_bounded_file(options.dhcpd_conf_path, config::kMaxConfigFileBytes);
  if (!text) {
    std::fprintf(stderr, "%s: %s\n", options.dhcpd_conf_path.c_str(), text.error().c_str());
    return 1;
  }
  ConfOptions conf_options;
  conf_options.interfaces = options.interfaces;
  const Translation translation = translate_dhcpd_conf(*text, conf_options);
  for (const auto& skipped : translation.untranslated) {
    std::fprintf(stderr, "%s:%u: %s\n", options.dhcpd_conf_path.c_str(), skipped.line,
                 skipped.message.c_str());
  }
  std::printf("%s\n", translation.json.c_str());
  // The output must be a file blackstart runs; if it is not, say so.
  auto check = config::parse_config(translation.json, "<translation>");
  if (!check) {
    std::fprintf(stderr, "%s: the translation is not a valid blackstart config: %s\n",
                 options.dhcpd_conf_path.c_str(), check.error().to_string().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: %zu subnets, %zu reservations translated; %zu lines not translated\n",
               options.dhcpd_conf_path.c_str(), translation.subnets, translation.reservations,
               translation.untranslated.size());
  return 0;
}

// Opens the store, writes, and closes it again (closing is what leaves a
// SQLite file whole for the marker to describe).
std::optional<ImportCounts> write_to(const config::LeaseDatabase& database, const ImportPlan& plan,
                                     int64_t now_s) {
  auto store = store::open_lease_store(database);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return std::nullopt;
  }
  auto written = write_import(plan, **store, now_s);
  if (!written) {
    std::fprintf(stderr, "%s: %s\n", (*store)->describe().c_str(), written.error().message.c_str());
    return std::nullopt;
  }
  fmt::print("into {}:\n", (*store)->describe());
  return *written;
}

int import_leases(const Options& options) {
  std::optional<config::Config> config;
  if (!options.config_path.empty()) {
    auto loaded = config::load_config_file(options.config_path);
    if (!loaded) {
      std::fprintf(stderr, "%s\n", loaded.error().to_string().c_str());
      return 1;
    }
    config = std::move(*loaded);
  }
  auto text = read_bounded_file(options.leases_path, kMaxLeaseFileBytes);
  if (!text) {
    std::fprintf(stderr, "%s: %s\n", options.leases_path.c_str(), text.error().c_str());
    return 1;
  }
  const int64_t now_s = options.now_s.value_or(static_cast<int64_t>(std::time(nullptr)));
  const LeaseFile file = parse_dhcpd_leases(*text);
  print_diagnostics(options.leases_path, "error", file.errors, file.error_count);
  print_diagnostics(options.leases_path, "warning", file.warnings, file.warning_count);
  const ImportPlan plan = plan_import(file, config ? &*config : nullptr, now_s);
  print_diagnostics(options.leases_path, "note", plan.notes, plan.notes.size());
  fmt::print(
      "{}: {} lease blocks for {} addresses (the last block of an address counts), "
      "{} blocks with errors, {} other blocks\n",
      options.leases_path, file.lease_blocks, file.leases.size(), file.bad_blocks,
      file.other_blocks);
  const config::LeaseDatabase database = config ? config->lease_database : config::LeaseDatabase{};
  if (!config) {
    fmt::print("no --config: subnet ids are left 0 and the leases go to {}\n", database.name);
  }
  ImportCounts counts = plan.counts;
  if (options.dry_run) {
    counts.imported = plan.leases.size();
    fmt::print("dry run, nothing written; would import:\n");
  } else {
    // A database without its clean-shutdown marker belongs to a server that
    // is running (or crashed): writing beside it would race its appends.
    const auto previous = store::previous_shutdown(database.name);
    if (previous == store::PreviousShutdown::Unclean && !options.force) {
      std::fprintf(stderr,
                   "%s: blackstart is running on it, or its last run did not stop cleanly; "
                   "stop it (or start and stop it once), or use --force\n",
                   database.name.c_str());
      return 1;
    }
    auto written = write_to(database, plan, now_s);
    if (!written) return 1;
    // The import is a known change, not a restored backup: the next start
    // need not enter recovery mode for it.
    if (previous == store::PreviousShutdown::Clean ||
        previous == store::PreviousShutdown::FirstStart) {
      if (auto marked = store::mark_clean_shutdown(database.name); !marked) {
        std::fprintf(stderr, "%s: %s\n", database.name.c_str(), marked.error().c_str());
        return 1;
      }
    }
    counts = *written;
  }
  fmt::print("{}errors: {}\n", format_counts(counts), file.error_count);
  return file.error_count == 0 ? 0 : 1;
}

}  // namespace

int run_import_cli(int argc, char** argv) {
  CLI::App app{
      "blackstart import: write ISC dhcpd's active leases into the lease store of a config, "
      "or translate dhcpd.conf to a Kea-format config (--dhcpd-conf)",
      "blackstart import"};
  Options options;
  app.add_option("leases", options.leases_path, "dhcpd's lease file (dhcpd.leases)");
  app.add_option("-c,--config", options.config_path,
                 "the config whose lease-database receives the leases and whose subnets give "
                 "their subnet ids (default: Kea's memfile path, subnet id 0)");
  app.add_option("--dhcpd-conf", options.dhcpd_conf_path,
                 "translate this dhcpd.conf to Kea-format JSON on stdout; what cannot be "
                 "translated is listed on stderr as FILE:LINE: reason")
      ->type_name("FILE");
  app.add_option("--interface", options.interfaces,
                 "with --dhcpd-conf: an interface to serve (dhcpd takes them on its command "
                 "line; default all)");
  app.add_flag("-n,--dry-run", options.dry_run, "read and report, write nothing");
  app.add_flag("--force", options.force,
               "write even though the lease database has no clean-shutdown marker (a server may "
               "be running on it)");
  app.add_option("--now", options.now_s,
                 "the time (Unix seconds) leases are judged against, instead of the clock");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!options.dhcpd_conf_path.empty()) {
    if (!options.leases_path.empty()) {
      std::fprintf(stderr,
                   "blackstart import: --dhcpd-conf and a lease file are two steps; "
                   "translate first, then import with --config\n");
      return 2;
    }
    return translate(options);
  }
  if (options.leases_path.empty()) {
    std::fprintf(stderr,
                 "blackstart import: a lease file or --dhcpd-conf FILE is required "
                 "(see blackstart import --help)\n");
    return 2;
  }
  return import_leases(options);
}

}  // namespace bs::import
