// Loading the running configuration together with its document, and the
// rule for what a reload may change.
#include "control/running_config.h"

#include <algorithm>

#include "config/jsonc.h"

namespace bs::control {
namespace {

bool same_interfaces(const config::Config& a, const config::Config& b) {
  if (a.interfaces.size() != b.interfaces.size()) return false;
  for (size_t i = 0; i < a.interfaces.size(); ++i) {
    if (a.interfaces[i].name != b.interfaces[i].name ||
        a.interfaces[i].address != b.interfaces[i].address) {
      return false;
    }
  }
  return true;
}

bool same_socket(const config::ControlSocket& a, const config::ControlSocket& b) {
  return a.type == b.type && a.address == b.address && a.port == b.port && a.realm == b.realm &&
         a.basic_clients == b.basic_clients && a.bearer_token == b.bearer_token &&
         a.socket_name == b.socket_name && a.cert_file == b.cert_file && a.key_file == b.key_file &&
         a.trust_anchor == b.trust_anchor && a.cert_required == b.cert_required &&
         a.http_headers == b.http_headers;
}

bool same_control(const std::vector<config::ControlSocket>& a,
                  const std::vector<config::ControlSocket>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_socket);
}

}  // namespace

tl::expected<RunningConfig, config::ConfigError> parse_running_config(std::string_view text,
                                                                      const std::string& name) {
  auto parsed = config::parse_config(text, name);
  if (!parsed) return tl::unexpected(parsed.error());
  // parse_config accepted the text, so the plain parse succeeds too.
  auto document = config::parse_jsonc(text);
  if (!document)
    return tl::unexpected(
        config::ConfigError{name, document.error().line, document.error().message});
  return RunningConfig{"", std::move(*parsed), std::move(document->root)};
}

tl::expected<RunningConfig, config::ConfigError> load_running_config(const std::string& path) {
  auto text = config::read_config_text(path);
  if (!text) return tl::unexpected(text.error());
  auto running = parse_running_config(*text, path);
  if (running) running->path = path;
  return running;
}

std::optional<std::string> restart_only_change(const config::Config& running,
                                               const config::Config& next) {
  if (!same_interfaces(running, next)) return "\"interfaces-config\" changed";
  // The store is opened once at start with every one of these settings.
  if (running.lease_database != next.lease_database) return "\"lease-database\" changed";
  if (!same_control(running.control_sockets, next.control_sockets))
    return "\"control-sockets\" changed";
  // The script runner's thread is started once with its script.
  if (running.run_script != next.run_script) return "libdhcp_run_script's script changed";
  // The switch to the user happens once; there is no way back to root.
  if (running.run_as != next.run_as) return "\"run-as\" changed";
  // The log outputs are opened once at start, as the run-as user.
  if (running.log_outputs != next.log_outputs) return "the loggers' output_options changed";
  return std::nullopt;
}

}  // namespace bs::control
