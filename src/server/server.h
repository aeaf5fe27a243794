// The server pipeline, one batch at a time, in stages with typed hand-offs
// (handoff.h): intake (priority bands) → decode (RxPacket → DecodedQuery)
// → handle (Dhcp4Handler: Drop | Reply | Promise) → probe (uncertain
// addresses wait; released and conflicted come back, probe_stage.h) →
// commit (one durable transaction for the batch's changes, then the ACKs
// that promised them, commit_stage.h). This ordering is the durability
// promise: no ACK leaves before the lease it grants is on stable storage.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alloc/engine.h"
#include "common/clock.h"
#include "config/config.h"
#include "io/prober.h"
#include "io/transport.h"
#include "server/commit_stage.h"
#include "server/committer.h"
#include "server/counters.h"
#include "server/dhcp4_handler.h"
#include "server/events.h"
#include "server/histogram.h"
#include "server/intake_queue.h"
#include "server/partner_link.h"
#include "server/partner_replicator.h"
#include "server/priority.h"
#include "server/probe_stage.h"
#include "server/rate_limited_log.h"
#include "server/rogue_watch.h"
#include "server/script_runner.h"
#include "server/store_health.h"
#include "store/lease_store.h"

namespace bs::server {

struct ServerOptions {
  // Packets per receive and per commit. A batch holds about half DISCOVERs
  // and half REQUESTs, so this caps the leases sharing one fsync; 256 lets
  // a storm put ~128 behind each fsync instead of ~32 (ARCHITECTURE.md,
  // "Group commit"), while a lone packet is still a batch of one.
  size_t batch_max = 256;
  int receive_timeout_ms = 200;  // also the reclaim cadence when idle
  size_t reclaim_per_batch = 256;
  IntakeOptions intake{};
  // With a shared store, each server starts its search for a free address
  // at its own place (alloc::Engine::set_search_spread). Off: the lowest
  // free address, as with a store of its own (some tests want that order).
  bool spread_when_shared = true;
  // Overlapped commits (committer.h): a batch's fsync runs on the committer
  // thread while the next batch is received and handled; its ACKs leave
  // when it returns. Only for a store this server alone writes, without an
  // HA partner or a script runner (those stay one batch at a time). Off by
  // default so tests and the simulation step deterministically.
  bool overlap_commits = false;
  // A batch smaller than this, with nothing else waiting in the intake, is
  // committed on the pipeline thread as before: at a low rate there is
  // nothing to overlap, and the hand-off between the threads (two context
  // switches per batch) cost more CPU than it saved (measured at 1,000/s,
  // ARCHITECTURE.md).
  size_t overlap_min_batch = 8;
};

class Server {
 public:
  // Loads every lease from `store` into the engine. Fails if the store
  // cannot be read: starting empty would hand out addresses twice.
  static tl::expected<std::unique_ptr<Server>, std::string> create(const config::Config& config,
                                                                   store::LeaseStore& store,
                                                                   io::Transport& transport,
                                                                   const Clock& clock,
                                                                   ServerOptions options = {});
  ~Server();

  // One receive/handle/commit/send round; returns packets processed.
  size_t run_once();

  const Counters& counters() const { return counters_; }
  const alloc::Engine& engine() const { return *engine_; }
  const config::Config& config() const { return config_; }
  const EventLog& events() const { return events_; }
  // Foreign DHCP servers seen on served links (rogue_watch.h). Without
  // watch_for_rogues the table stays empty.
  const RogueTracker& rogues() const { return rogue_watch_.tracker(); }
  void watch_for_rogues(std::unique_ptr<io::RogueListener> listener, RogueOptions options = {}) {
    rogue_watch_.attach(std::move(listener), options, transport_.interfaces());
  }

  // Conflict probing (server_probe.cpp). Without a prober nothing is probed
  // (scenario tests that are not about probing, or "mode": "off").
  void attach_prober(std::unique_ptr<io::Prober> prober) { probes_.attach(std::move(prober)); }
  size_t probes_pending() const { return probes_.pending(); }

  // libdhcp_run_script's equivalent (script_runner.h): after each commit,
  // every change a client's query made is handed to `runner`. Without one
  // nothing is copied or queued.
  void attach_script_runner(std::unique_ptr<ScriptRunner> runner) {
    script_runner_ = std::move(runner);
  }

  // The HA pair (server_partner.cpp): from now on the pair's state machine
  // decides which clients this server serves and caps unacknowledged
  // lease times at MCLT, and while the pair replicates every batch's ACKs
  // wait for the partner's commit (commit_stage.h).
  void attach_partner(std::unique_ptr<PartnerLink> link, const ha::HaConfig& config,
                      const ha::Persisted& restored = {});
  const PartnerReplicator* partner() const { return replicator_.get(); }
  PartnerReplicator* partner() { return replicator_.get(); }

  // Recovery mode (server_recovery.cpp): after an unclean shutdown the
  // server may have forgotten leases, so for one lease lifetime it treats
  // every address it believes free as uncertain.
  // `cause` starts the log line ("unclean shutdown detected", ...).
  void enter_recovery(int64_t now_s, std::string_view cause = "unclean shutdown detected");
  bool in_recovery() const { return recovery_until_s_ != 0; }
  int64_t recovery_until_s() const { return recovery_until_s_; }
  const PipelineHistograms& histograms() const { return histograms_; }
  // Which intake band each packet joins (priority.h); off by default.
  void set_priority(PriorityPolicy policy) { priority_ = std::move(policy); }
  const IntakeQueue& intake() const { return intake_; }
  // Is the lease store failing, since when, why (store_health.h).
  const StoreHealth& store_health() const { return store_health_; }

  // The control API's entry points. Pipeline thread only, between batches.
  // reload (server_reload.cpp) swaps in a validated config: a new engine
  // loaded with every stored lease of the old one, so nothing is forgotten.
  void reload(const config::Config& next);
  // server_admin.cpp: admin_engine() makes changes, commit_admin makes them
  // durable in one transaction or reverts them all if the store fails.
  alloc::Engine& admin_engine() {
    settle_in_flight();
    return *engine_;
  }
  tl::expected<void, std::string> commit_admin(std::span<const LeaseChange> changes);
  void record_event(Event event) { events_.add(std::move(event)); }
  // Waits for an overlapped batch's commit and sends its ACKs (or reverts
  // it); afterwards nothing is in flight. Everything that touches the store
  // or changes the engine outside the packet path calls it first.
  void settle_in_flight();
  bool commit_in_flight() const { return in_flight_ != nullptr; }

 private:
  Server(const config::Config& config, store::LeaseStore& store, io::Transport& transport,
         const Clock& clock, ServerOptions options);

  // The stages of a batch (server.cpp), then the probe stage's results
  // (server_probe.cpp).
  std::optional<DecodedQuery> decode(io::RxPacket&& packet, const io::InterfaceInfo& link);
  void handle(DecodedQuery&& query, const io::InterfaceInfo& link, int64_t now_s,
              uint8_t probe_attempt);
  void count_outcome(const HandlerResult& result, const DecodedQuery& query, int64_t now_s);
  void hold_or_file(HeldOutcome&& held, DecodedQuery&& query, uint8_t probe_attempt);
  void file(HeldOutcome&& held, DecodedQuery& query);
  void file(Promise&& promise, DecodedQuery& query);
  void run_probe_stage(int64_t now_s);
  void settle(ProbeResults& results, int64_t now_s);
  void mark_conflict(const PendingProbe& entry, const io::ProbeAnswer& answer, int64_t now_s);
  void abandon_probes();
  void submit_script_events();
  int receive_timeout_ms() const;
  void fill_intake();
  void count_intake_drops();
  void commit_and_send();
  bool overlapping() const;
  bool commit_batch();
  void finish_batch(CommitStage& stage, int64_t now_s,
                    const tl::expected<void, store::StoreError>& committed);
  void report_commit_failure(const std::string& message, int64_t now_s);
  void check_recovery_end(int64_t now_s);
  // Whether every address believed free is uncertain (probed before it is
  // offered): in recovery mode, and while an HA pair is apart, since the
  // partner may be in partner-down and have handed out anything.
  bool addresses_uncertain() const;
  void record_change_event(const LeaseChange& change, int64_t now_s);
  void record_nak(const wire::Packet& query, int64_t now_s);
  void note_commit(const tl::expected<void, store::StoreError>& outcome);
  const io::InterfaceInfo* find_link(int ifindex) const;
  // A store shared with other servers (server_shared.cpp).
  void learn_from_store();
  void resync_from_store();
  void learn_row(Ip4 address, const std::optional<Lease>& current);
  void answer_conflicted();
  void install_search_spread();
  // HA (server_partner.cpp).
  bool partner_serves(const DecodedQuery& query, int64_t now_ms);
  void cap_for_partner(Promise& promise, int64_t now_s);
  bool apply_partner_changes(std::span<const LeaseChange> changes);
  void install_allocation_filter();
  class PartnerApplierAdapter;

  config::Config config_;
  store::LeaseStore& store_;
  io::Transport& transport_;
  const Clock& clock_;
  ServerOptions options_;
  std::unique_ptr<alloc::Engine> engine_;
  std::unique_ptr<Dhcp4Handler> handler_;
  Counters counters_;
  RateLimitedLog input_log_;
  EventLog events_;
  RogueWatch rogue_watch_;
  int64_t recovery_until_s_ = 0;  // 0 = not in recovery
  PipelineHistograms histograms_;
  ProbeStage probes_;
  ProbeResults probe_results_;  // reused per round
  StoreHealth store_health_;
  std::unique_ptr<ScriptRunner> script_runner_;
  RateLimitedLog script_log_;

  // Per batch; reused to avoid allocation on the hot path.
  std::vector<io::RxPacket> received_;  // read this round, on the way into the intake
  std::vector<io::RxPacket> batch_;     // taken from the intake, handled this round
  // The intake reads up to this many batches ahead of the pipeline.
  static constexpr size_t kReadAheadBatches = 4;
  // How long the loop waits on the DHCP sockets when it also serves an HA
  // partner link that its transport cannot wait on (the link is polled
  // between batches). A link with a wait_fd() the transport watches wakes
  // the wait itself (partner_wakes_).
  static constexpr int kPartnerPollMs = 5;
  bool partner_wakes_ = false;
  IntakeQueue intake_;
  PriorityPolicy priority_;
  // Two stages: the one this batch fills (commit_) and, with overlapped
  // commits, the one whose transaction the committer runs (in_flight_).
  std::array<CommitStage, 2> stages_;
  CommitStage* commit_ = &stages_[0];
  CommitStage* in_flight_ = nullptr;
  int64_t in_flight_now_s_ = 0;
  std::unique_ptr<Committer> committer_;
  // With a script runner: which of the commit stage's changes a client's
  // query made, and the query, for the events submitted once the batch is
  // durable.
  std::vector<std::pair<size_t, io::RxPacket>> script_sources_;
  // With a shared store: the queries whose ACK waits for the commit, kept
  // so a query whose change conflicted can be answered again.
  std::vector<std::pair<size_t, DecodedQuery>> promised_queries_;
  // A reread of every row is owed (announcements were missed).
  bool resync_pending_ = false;
  int64_t batch_now_s_ = 0;
  std::unique_ptr<PartnerLink> partner_link_;
  std::unique_ptr<PartnerReplicator> replicator_;
  std::unique_ptr<PartnerApplier> partner_applier_;
};

}  // namespace bs::server
