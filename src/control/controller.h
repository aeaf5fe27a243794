// The control API's side of the packet pipeline. A Controller lives on the
// pipeline thread next to the Server; every job from the HTTP threads runs
// against it (command_queue.h), so it may read and change the server freely.
// Besides running jobs it keeps what the status page needs over time: packet
// rates, counts of every event kind, lease-store health, reload outcomes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "alloc/engine.h"
#include "common/clock.h"
#include "control/running_config.h"
#include "server/server.h"

namespace bs::control {

struct SubnetView {
  uint32_t id = 0;
  std::string prefix;  // "198.18.1.0/24"
  alloc::PoolStats stats;
};

struct Rates {
  double received_per_s = 0;
  double sent_per_s = 0;
  double dropped_per_s = 0;
};

struct StoreHealth {
  bool healthy = true;  // the latest commit succeeded (or none failed yet)
  std::string description;
  std::string last_error;
  int64_t last_error_at_s = 0;
};

// Recovery mode after an unclean shutdown (Server::enter_recovery).
struct RecoveryView {
  bool active = false;
  int64_t until_s = 0;  // when it ends by itself; 0 when not active
  std::string detail;
};

// The HA pair as status shows it (Server::partner()); absent without a
// partner.
struct HaView {
  std::string mode;  // "hot-standby" | "load-balancing"
  std::string role;
  std::string state;
  std::string partner_role;
  std::string partner_state;  // empty: never heard
  std::optional<int64_t> last_contact_ms_ago;
  bool in_touch = false;
  uint64_t own_sequence = 0;
  uint64_t partner_acked_sequence = 0;
  uint64_t unacked_updates = 0;  // replication lag: our numbers the partner has not acked
  uint64_t unacked_leases = 0;   // addresses changed here alone (partner_replicator.h)
  uint64_t batches_sent = 0;
  uint64_t batches_timed_out = 0;
  uint64_t partner_batches_applied = 0;
  uint64_t sequence_gaps = 0;
  uint64_t mclt_capped = 0;
  uint32_t mclt_s = 0;
};

// A copy of everything the status page, status-get and /metrics show, taken
// on the pipeline thread and formatted on the HTTP thread.
struct StatusSnapshot {
  std::string version;
  std::string config_path;
  int64_t now_s = 0;
  int64_t started_at_s = 0;
  int64_t reloaded_at_s = 0;
  server::Counters counters;
  server::PipelineHistograms histograms;
  std::vector<SubnetView> subnets;
  std::map<std::string, uint64_t> events_by_kind;  // since start, by to_string(kind)
  size_t lease_records = 0;
  Rates rates;
  StoreHealth store;
  RecoveryView recovery;
  // Foreign DHCP servers seen on served links, and every OFFER/ACK of theirs.
  std::vector<server::RogueServer> rogues;
  uint64_t rogue_sightings = 0;
  uint64_t reloads_ok = 0;
  uint64_t reloads_failed = 0;
  std::string last_reload_error;
  std::optional<HaView> ha;
};

const char* version();

class Controller {
 public:
  Controller(server::Server& server, const Clock& clock, RunningConfig running,
             std::string store_description);

  // Once per loop turn, after the batch: samples rates, counts new events.
  void tick();
  StatusSnapshot snapshot() const;

  server::Server& server() { return server_; }
  const server::Server& server() const { return server_; }
  const RunningConfig& running() const { return running_; }
  int64_t now_s() const { return clock_.now_s(); }

  // SIGHUP and config-reload: reads the running config's file again,
  // validates it, and swaps it in; on any problem the running config stays.
  // Returns a summary or the error, which is also logged and recorded.
  tl::expected<std::string, std::string> reload_from_file();

  void request_shutdown(int exit_code) {
    shutdown_requested_ = true;
    exit_code_ = exit_code;
  }
  bool shutdown_requested() const { return shutdown_requested_; }
  int exit_code() const { return exit_code_; }

 private:
  struct Sample {
    int64_t at_ms = 0;
    uint64_t received = 0, sent = 0, dropped = 0;
  };
  void count_new_events();
  void track_store_health();
  Rates rates() const;
  RecoveryView recovery_view() const;
  std::optional<HaView> ha_view() const;
  void reload_failed(const std::string& error);

  server::Server& server_;
  const Clock& clock_;
  RunningConfig running_;
  int64_t started_at_s_;
  int64_t reloaded_at_s_;
  std::deque<Sample> samples_;
  std::map<std::string, uint64_t> events_by_kind_;
  uint64_t events_seen_ = 0;
  uint64_t commits_seen_ = 0, failures_seen_ = 0;
  StoreHealth store_;
  uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  std::string last_reload_error_;
  bool shutdown_requested_ = false;
  int exit_code_ = 0;
};

}  // namespace bs::control
