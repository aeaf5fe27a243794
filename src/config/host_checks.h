// What `blackstart -t` says about this host, beyond the file itself: the
// things `-c` would fail on here. The lease file's directory missing or not
// writable, an interface that does not exist, a control socket that cannot
// be bound, a run_script script that cannot be run, a "run-as" user or
// group this host does not have. A file meant for another
// machine is still valid, so these are warnings; `-t --strict` makes them
// errors. The host is seen through HostView so tests fake it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace bs::config {

class HostView {
 public:
  virtual ~HostView() = default;
  // Each returns why not, or nothing when the host allows it.
  virtual std::optional<std::string> directory_problem(const std::string& directory) const = 0;
  // An existing file the daemon must write (the lease file).
  virtual std::optional<std::string> file_problem(const std::string& path) const = 0;
  virtual std::optional<std::string> executable_problem(const std::string& path) const = 0;
  virtual bool interface_exists(const std::string& name) const = 0;
  virtual std::optional<std::string> tcp_bind_problem(const ControlAddress& address,
                                                      uint16_t port) const = 0;
  // "run-as": the user (and group, if given) exist and the user is not root.
  virtual std::optional<std::string> account_problem(const RunAs& run_as) const = 0;
};

// The machine this runs on: access(2), if_nametoindex(3), a trial bind and
// getpwnam(3)/getgrnam(3).
class SystemHostView final : public HostView {
 public:
  std::optional<std::string> directory_problem(const std::string& directory) const override;
  std::optional<std::string> file_problem(const std::string& path) const override;
  std::optional<std::string> executable_problem(const std::string& path) const override;
  bool interface_exists(const std::string& name) const override;
  std::optional<std::string> tcp_bind_problem(const ControlAddress& address,
                                              uint16_t port) const override;
  std::optional<std::string> account_problem(const RunAs& run_as) const override;
};

// FILE and LINE for a problem: the first JSON pointer (e.g.
// "/Dhcp4/lease-database/name") present in the file, else the file alone.
using Locator = std::function<ConfigError(std::initializer_list<std::string_view> pointers,
                                          std::string message)>;

// A locator over `text` as read from `path` (includes expanded, lines mapped
// back to the file that holds them). Never fails: an unreadable file only
// loses the line numbers.
Locator locator_for_text(const std::string& path, const std::string& text);

std::vector<ConfigError> check_host(const Config& config, const HostView& host,
                                    const Locator& locate);

}  // namespace bs::config
