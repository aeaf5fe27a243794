// blackstart-ctl: the administrator's command line for a running blackstart.
// It talks to the daemon's control API (Kea-style commands over HTTP) and
// prints tables for people or, with --json, the server's answer for scripts.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/output.h"
#include "common/text.h"
#include "common/types.h"

namespace {

using bs::cli::ApiClient;
using nlohmann::json;

constexpr const char* kFooter = R"(
Examples:
  blackstart-ctl status                      is the server up, healthy, recovering?
  blackstart-ctl leases                      every lease, as a table
  blackstart-ctl leases 02:bb                leases whose MAC, IP, hostname or client id contains "02:bb"
  blackstart-ctl lease show 198.18.1.100     one lease by address (or by MAC)
  blackstart-ctl stats --json                all statistics, as JSON
  blackstart-ctl config check new.json       would the server accept new.json?
  blackstart-ctl reload                      re-read the config file (like SIGHUP)
  blackstart-ctl command lease4-del '{"ip-address": "198.18.1.100"}'

The server is http://127.0.0.1:8004 unless --url says otherwise; --url
unix:/run/kea/kea4-ctrl-socket talks to a "unix" control socket. Credentials:
--token (or BLACKSTART_TOKEN) for a bearer token, --user with BLACKSTART_PASSWORD
for basic auth. The status page is the same URL in a browser.

Exit status: 0 done; 1 the server refused or found nothing; 2 bad command line;
69 server unreachable; 77 credentials missing or wrong.)";

// fwrite, not fputs: the length is the string's, never up to a NUL.
void print(std::FILE* stream, const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stream);
}

struct Options {
  bs::cli::Endpoint endpoint;
  bool json_output = false;
  std::string search, lease_key, config_file, command_name, command_args;
};

// Prints the answer (JSON or via `human`) and maps its result to an exit code.
template <class Human>
int finish(const tl::expected<json, bs::cli::CallError>& answer, const Options& options,
           Human human) {
  if (!answer) {
    print(stderr, "blackstart-ctl: " + bs::escape_for_terminal(answer.error().message) + "\n");
    return answer.error().exit_code;
  }
  const int result = answer->value("result", 1);
  if (options.json_output) {
    print(stdout, bs::cli::format_json(*answer));
  } else if (result == 0) {
    print(stdout, human(*answer));
  } else {
    print(stderr,
          "blackstart-ctl: " + bs::escape_for_terminal(answer->value("text", "failed")) + "\n");
  }
  return result == 0 ? bs::cli::kExitOk : bs::cli::kExitFailed;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

int run_leases(const ApiClient& client, const Options& options) {
  auto answer = client.command("lease4-get-all");
  if (answer && answer->value("result", 1) == 3) (*answer)["result"] = 0;  // empty is fine here
  if (answer && !options.search.empty()) {
    // The same match as the status page's search box.
    const std::string needle = lower(options.search);
    json kept = json::array();
    for (const json& lease : (*answer)["arguments"]["leases"]) {
      for (const char* key : {"ip-address", "hw-address", "client-id", "hostname"}) {
        if (lower(lease.value(key, "")).find(needle) != std::string::npos) {
          kept.push_back(lease);
          break;
        }
      }
    }
    (*answer)["arguments"]["leases"] = kept;
    (*answer)["text"] = std::to_string(kept.size()) + " IPv4 lease(s) found.";
    if (kept.empty()) (*answer)["result"] = 3;
  }
  return finish(answer, options, [](const json& a) {
    return bs::cli::format_lease_table(a["arguments"]["leases"]);
  });
}

int run_lease_show(const ApiClient& client, const Options& options) {
  if (bs::parse_ip4(options.lease_key)) {
    return finish(client.command("lease4-get", {{"ip-address", options.lease_key}}), options,
                  [](const json& a) { return bs::cli::format_lease_details(a["arguments"]); });
  }
  if (!bs::parse_hwaddr(options.lease_key)) {
    std::fprintf(stderr, "blackstart-ctl: '%s' is neither an IPv4 address nor a MAC address\n",
                 options.lease_key.c_str());
    return bs::cli::kExitUsage;
  }
  return finish(client.command("lease4-get-by-hw-address", {{"hw-address", options.lease_key}}),
                options, [](const json& a) {
                  std::string out;
                  for (const json& lease : a["arguments"]["leases"]) {
                    out += (out.empty() ? "" : "\n") + bs::cli::format_lease_details(lease);
                  }
                  return out;
                });
}

int run_config_check(const ApiClient& client, const Options& options) {
  std::ifstream file(options.config_file, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "blackstart-ctl: cannot read %s\n", options.config_file.c_str());
    return bs::cli::kExitFailed;
  }
  std::ostringstream text;
  text << file.rdbuf();
  // The text itself goes to the server, so errors keep this file's lines.
  return finish(
      client.command("config-test", {{"source", text.str()}, {"file-name", options.config_file}}),
      options,
      [&](const json& a) { return options.config_file + ": " + a.value("text", "") + "\n"; });
}

int run_command(const ApiClient& client, Options options) {
  json arguments = nullptr;
  if (!options.command_args.empty()) {
    try {
      arguments = json::parse(options.command_args);
    } catch (const json::parse_error& e) {
      std::fprintf(stderr, "blackstart-ctl: ARGUMENTS is not JSON: %s\n", e.what());
      return bs::cli::kExitUsage;
    }
  }
  options.json_output = true;  // the raw command prints the raw answer
  return finish(client.command(options.command_name, arguments), options,
                [](const json&) { return std::string(); });
}

void add_connection_options(CLI::App& app, Options& options) {
  app.add_option("--url", options.endpoint.url, "control API of the server")
      ->envname("BLACKSTART_URL")
      ->capture_default_str();
  app.add_option("--token", options.endpoint.token, "bearer token")->envname("BLACKSTART_TOKEN");
  app.add_option("--user", options.endpoint.user, "user for HTTP basic auth")
      ->envname("BLACKSTART_USER");
  app.add_option("--password", options.endpoint.password,
                 "password for --user (prefer BLACKSTART_PASSWORD: the command line is public)")
      ->envname("BLACKSTART_PASSWORD");
  app.add_option("--timeout", options.endpoint.timeout_s, "seconds to wait for the server")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_flag("--json", options.json_output, "print the server's JSON answer instead of a table");
}

int run(int argc, char** argv) {
  CLI::App app{"blackstart-ctl: look into and steer a running blackstart DHCP server"};
  app.footer(kFooter);
  app.set_version_flag("-V,--version", "blackstart-ctl 0.1.0");
  app.require_subcommand(1);
  // Subcommands hand options they do not know to the app, so the connection
  // options and --json work after the subcommand too ("stats --json").
  app.fallthrough();
  Options options;
  add_connection_options(app, options);

  auto* leases = app.add_subcommand("leases", "list leases, or search them");
  leases->add_option("SEARCH", options.search,
                     "part of an IP, MAC, hostname or client id (case-insensitive)");
  auto* lease = app.add_subcommand("lease", "one lease")->require_subcommand(1);
  auto* show = lease->add_subcommand("show", "show the lease of an address, or a MAC's leases");
  show->add_option("IP|MAC", options.lease_key, "198.18.1.100 or 02:00:5e:10:00:01")->required();
  auto* stats = app.add_subcommand("stats", "packet, lease and pool statistics");
  auto* status = app.add_subcommand("status", "uptime, recovery mode, store health, rates");
  auto* reload = app.add_subcommand("reload", "re-read the server's config file (like SIGHUP)");
  auto* config = app.add_subcommand("config", "configuration files")->require_subcommand(1);
  auto* check = config->add_subcommand("check", "ask the server whether FILE is a valid config");
  check->add_option("FILE", options.config_file, "Kea-style Dhcp4 JSON file")->required();
  auto* raw = app.add_subcommand("command", "send any Kea-style command, print the JSON answer");
  raw->add_option("NAME", options.command_name, "e.g. lease4-get, list-commands")->required();
  raw->add_option("ARGUMENTS", options.command_args, "the arguments, as a JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? bs::cli::kExitOk : bs::cli::kExitUsage;
  }
  const ApiClient client(options.endpoint);
  if (*leases) return run_leases(client, options);
  if (*show) return run_lease_show(client, options);
  if (*check) return run_config_check(client, options);
  if (*raw) return run_command(client, options);
  if (*reload) {
    return finish(client.command("config-reload"), options,
                  [](const json& a) { return a.value("text", "") + "\n"; });
  }
  if (*status) {
    return finish(client.command("status-get"), options,
                  [](const json& a) { return bs::cli::format_status(a["arguments"]); });
  }
  if (*stats) {
    return finish(client.command("statistic-get-all"), options,
                  [](const json& a) { return bs::cli::format_statistics(a["arguments"]); });
  }
  return bs::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // e.g. out of memory, a malformed answer
    std::fprintf(stderr, "blackstart-ctl: %s\n", e.what());
    return bs::cli::kExitFailed;
  }
}
