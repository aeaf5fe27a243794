// The daemon's side of an HA pair (issue 12): at start, the HA state file
// is read (a damaged one stops the start: guessing sequence numbers could
// reuse one), the partner link is opened on this server's peer URL and the
// server is paired; as it runs, a new block of sequence numbers is
// reserved on disk before the one in use runs out; at a clean stop the
// state is written. The state file defaults to "<lease file>.ha"; the
// resync journal (ha/journal.h) is "<state file>.journal".
#pragma once

#include <memory>
#include <string>
#include <tl/expected.hpp>

#include "config/config.h"
#include "ha/state_file.h"
#include "server/server.h"

namespace bs::daemon {

class HaPairing {
 public:
  // Nothing to do (null) when the config has no libdhcp_ha entry.
  static tl::expected<std::unique_ptr<HaPairing>, std::string> attach(const config::Config& config,
                                                                      const std::string& lease_file,
                                                                      server::Server& server,
                                                                      const Clock& clock);

  // After each batch: keeps the reserved block ahead of the numbers used.
  void after_batch();
  // At a clean stop.
  void save_on_stop();

 private:
  HaPairing(std::string path, server::Server& server) : path_(std::move(path)), server_(server) {}
  bool save();

  std::string path_;
  server::Server& server_;
  ha::StateFile saved_;
};

}  // namespace bs::daemon
