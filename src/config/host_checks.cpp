// The host checks of `blackstart -t` (host_checks.h). Each check asks the
// HostView one question and words the answer the way the failing `-c`
// would, naming the key to change.
#include "config/host_checks.h"

#include <arpa/inet.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "config/include.h"
#include "config/jsonc.h"
#include "config/reader.h"

namespace bs::config {
namespace {

// "/var/lib/kea/kea-leases4.csv" -> "/var/lib/kea"; "leases.csv" -> ".".
std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void check_lease_file(const Config& config, const HostView& host, const Locator& locate,
                      std::vector<ConfigError>& out) {
  // A postgresql "name" is a database on a server, not a file here.
  if (!config.lease_database.is_local_file()) return;
  const std::string& file = config.lease_database.name;
  const std::string directory = directory_of(file);
  const auto where = {std::string_view("/Dhcp4/lease-database/name"),
                      std::string_view("/Dhcp4/lease-database"), std::string_view("/Dhcp4")};
  if (auto problem = host.directory_problem(directory)) {
    out.push_back(locate(where, "lease-database " + config.lease_database.type + " file " +
                                    quote(file) + ": directory " + quote(directory) + " " +
                                    *problem + "; -c would fail to open it here"));
    return;
  }
  if (auto problem = host.file_problem(file)) {
    out.push_back(locate(where, "lease-database " + config.lease_database.type + " file " +
                                    quote(file) + " " + *problem +
                                    "; -c would fail to open it here"));
  }
}

void check_interfaces(const Config& config, const HostView& host, const Locator& locate,
                      std::vector<ConfigError>& out) {
  for (size_t i = 0; i < config.interfaces.size(); ++i) {
    const std::string& name = config.interfaces[i].name;
    if (name == "*" || host.interface_exists(name)) continue;
    const std::string element = "/Dhcp4/interfaces-config/interfaces/" + std::to_string(i);
    out.push_back(locate({element, "/Dhcp4/interfaces-config/interfaces", "/Dhcp4"},
                         "interface " + quote(name) +
                             " does not exist on this host; -c would fail to open it here"));
  }
}

// Each control socket: an HTTP(S) one must bind, a UNIX one needs a
// writable directory for its file.
void check_control_sockets(const Config& config, const HostView& host, const Locator& locate,
                           std::vector<ConfigError>& out) {
  for (size_t i = 0; i < config.control_sockets.size(); ++i) {
    const ControlSocket& socket = config.control_sockets[i];
    const std::string entry = "/Dhcp4/control-sockets/" + std::to_string(i);
    if (socket.type == ControlSocketType::kUnix) {
      const size_t slash = socket.socket_name.rfind('/');
      const std::string directory =
          slash == std::string::npos || slash == 0 ? "/" : socket.socket_name.substr(0, slash);
      auto problem = host.directory_problem(directory);
      if (!problem) continue;
      out.push_back(locate({entry + "/socket-name", entry, "/Dhcp4/control-socket/socket-name",
                            "/Dhcp4/control-socket", "/Dhcp4"},
                           "control socket " + quote(socket.socket_name) + ": directory " +
                               quote(directory) + " " + *problem +
                               "; -c would fail to create the socket"));
      continue;
    }
    auto problem = host.tcp_bind_problem(socket.address, socket.port);
    if (!problem) continue;
    out.push_back(locate({entry + "/socket-address", entry, "/Dhcp4/control-socket/socket-address",
                          "/Dhcp4/control-socket", "/Dhcp4"},
                         "control socket " + socket.address.url_host() + ":" +
                             std::to_string(socket.port) + " cannot be bound here: " + *problem +
                             "; -c would fail to start the control API"));
  }
}

void check_script(const Config& config, const HostView& host, const Locator& locate,
                  std::vector<ConfigError>& out) {
  if (config.run_script.path.empty()) return;
  auto problem = host.executable_problem(config.run_script.path);
  if (!problem) return;
  out.push_back(locate({"/Dhcp4/hooks-libraries"},
                       "libdhcp_run_script script " + quote(config.run_script.path) + " " +
                           *problem + "; every lease event would fail to run it"));
}

void check_run_as(const Config& config, const HostView& host, const Locator& locate,
                  std::vector<ConfigError>& out) {
  if (config.run_as.user.empty()) return;
  auto problem = host.account_problem(config.run_as);
  if (!problem) return;
  out.push_back(
      locate({"/Dhcp4/run-as"}, "run-as: " + *problem + "; -c would refuse to start as root"));
}

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

std::optional<std::string> SystemHostView::directory_problem(const std::string& directory) const {
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) {
    if (errno == ENOENT) return "does not exist";
    return "cannot be examined: " + errno_text(errno);
  }
  if (!S_ISDIR(info.st_mode)) return "is not a directory";
  // Creating the file (and the journal or LFC files next to it) needs both.
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    return "is not writable by this user (uid " + std::to_string(::geteuid()) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> SystemHostView::file_problem(const std::string& path) const {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;  // created at start
  if (S_ISDIR(info.st_mode)) return "is a directory";
  if (::access(path.c_str(), R_OK | W_OK) != 0) {
    return "is not readable and writable by this user (uid " + std::to_string(::geteuid()) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> SystemHostView::executable_problem(const std::string& path) const {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return "does not exist";
    return "cannot be examined: " + errno_text(errno);
  }
  if (!S_ISREG(info.st_mode)) return "is not a regular file";
  if (::access(path.c_str(), X_OK) != 0) return "is not executable by this user";
  return std::nullopt;
}

bool SystemHostView::interface_exists(const std::string& name) const {
  return ::if_nametoindex(name.c_str()) != 0;
}

std::optional<std::string> SystemHostView::tcp_bind_problem(const ControlAddress& address,
                                                            uint16_t port) const {
  const int fd = bind_tcp_socket(address, port, false);
  if (fd >= 0) {
    ::close(fd);
    return std::nullopt;
  }
  const int error = -fd;
  if (error == EADDRNOTAVAIL) return "the address is not on this host";
  if (error == EADDRINUSE) return "the port is in use (is a server already running with it?)";
  if (error == EACCES) return "ports below 1024 need root or CAP_NET_BIND_SERVICE";
  return errno_text(error);
}

std::optional<std::string> SystemHostView::account_problem(const RunAs& run_as) const {
  // -t is single-threaded; the non-reentrant lookups are fine here.
  const passwd* user = ::getpwnam(run_as.user.c_str());
  if (user == nullptr) return "user " + quote(run_as.user) + " does not exist on this host";
  if (user->pw_uid == 0) return "user " + quote(run_as.user) + " is uid 0 (root)";
  if (!run_as.group.empty() && ::getgrnam(run_as.group.c_str()) == nullptr) {
    return "group " + quote(run_as.group) + " does not exist on this host";
  }
  return std::nullopt;
}

Locator locator_for_text(const std::string& path, const std::string& text) {
  struct Source {
    std::optional<ExpandedText> expanded;
    std::optional<JsoncDocument> document;
  };
  auto source = std::make_shared<Source>();
  if (text.find("<?include") != std::string::npos) {
    if (auto expanded = expand_includes(path, text)) source->expanded = std::move(*expanded);
  }
  if (auto document = parse_jsonc(source->expanded ? source->expanded->text : text)) {
    source->document = std::move(*document);
  }
  return [source, path](std::initializer_list<std::string_view> pointers, std::string message) {
    ConfigError error{path, 0, std::move(message)};
    if (!source->document) return error;
    for (std::string_view pointer : pointers) {
      const int line = source->document->value_line(pointer);
      if (line <= 0) continue;
      error.line = line;
      if (source->expanded) map_to_origin(*source->expanded, error);
      break;
    }
    return error;
  };
}

std::vector<ConfigError> check_host(const Config& config, const HostView& host,
                                    const Locator& locate) {
  std::vector<ConfigError> problems;
  check_lease_file(config, host, locate, problems);
  check_interfaces(config, host, locate, problems);
  check_control_sockets(config, host, locate, problems);
  check_script(config, host, locate, problems);
  check_run_as(config, host, locate, problems);
  return problems;
}

}  // namespace bs::config
