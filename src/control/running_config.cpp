// Loading the running configuration together with its document, and the
// rule for what a reload may change.
#include "control/running_config.h"

#include <fstream>
#include <sstream>

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

bool same_control(const config::ControlSocket& a, const config::ControlSocket& b) {
  return a.enabled == b.enabled && a.address == b.address && a.port == b.port &&
         a.realm == b.realm && a.basic_clients == b.basic_clients &&
         a.bearer_token == b.bearer_token;
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
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    // load_config_file words the reason (missing, permissions) the usual way.
    auto failed = config::load_config_file(path);
    if (!failed) return tl::unexpected(failed.error());
    return tl::unexpected(config::ConfigError{path, 0, "cannot read configuration file"});
  }
  std::ostringstream text;
  text << file.rdbuf();
  constexpr size_t kMaxConfigBytes = size_t{16} * 1024 * 1024;  // as load_config_file
  if (text.str().size() > kMaxConfigBytes) {
    return tl::unexpected(config::ConfigError{path, 0, "the file is larger than 16 MiB"});
  }
  auto running = parse_running_config(text.str(), path);
  if (running) running->path = path;
  return running;
}

std::optional<std::string> restart_only_change(const config::Config& running,
                                               const config::Config& next) {
  if (!same_interfaces(running, next)) return "\"interfaces-config\" changed";
  const auto& old_db = running.lease_database;
  const auto& new_db = next.lease_database;
  if (old_db.type != new_db.type || old_db.name != new_db.name || old_db.fsync != new_db.fsync) {
    return "\"lease-database\" changed";
  }
  if (!same_control(running.control, next.control)) return "\"control-sockets\" changed";
  return std::nullopt;
}

}  // namespace bs::control
