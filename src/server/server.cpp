// The pipeline loop. Everything here runs on one thread; the batch is the
// unit of work, of durability and of sending. run_once is the stages in
// order; each stage's hand-off to the next is a type (handoff.h).
#include "server/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/assert.h"

namespace bs::server {

const char* to_string(DropReason reason) {
  switch (reason) {
    case DropReason::Malformed:
      return "malformed";
    case DropReason::NotARequest:
      return "not_a_request";
    case DropReason::NoMessageType:
      return "no_message_type";
    case DropReason::UnexpectedType:
      return "unexpected_type";
    case DropReason::NoSubnet:
      return "no_subnet";
    case DropReason::NotForUs:
      return "not_for_us";
    case DropReason::MissingField:
      return "missing_field";
    case DropReason::PoolExhausted:
      return "pool_exhausted";
    case DropReason::Silent:
      return "silent";
    case DropReason::CommitFailed:
      return "commit_failed";
    case DropReason::UnknownInterface:
      return "unknown_interface";
    case DropReason::OwnProbe:
      return "own_probe";
    case DropReason::DeclineLimit:
      return "decline_limit";
    case DropReason::ProbeBacklog:
      return "probe_backlog";
    case DropReason::ProbeConflict:
      return "probe_conflict";
    case DropReason::StarvationShare:
      return "starvation_share";
    case DropReason::DropClass:
      return "drop_class";
    case DropReason::IntakeFull:
      return "intake_full";
    case DropReason::Stale:
      return "stale";
    case DropReason::PartnerUnacked:
      return "partner_unacked";
    case DropReason::PartnersClient:
      return "partners_client";
  }
  return "unknown";
}

tl::expected<std::unique_ptr<Server>, std::string> Server::create(const config::Config& config,
                                                                  store::LeaseStore& store,
                                                                  io::Transport& transport,
                                                                  const Clock& clock,
                                                                  ServerOptions options) {
  const auto started = std::chrono::steady_clock::now();
  auto leases = store.load_all();
  if (!leases) {
    return tl::make_unexpected(
        fmt::format("cannot load leases from {}: {}", store.describe(), leases.error().message));
  }
  const auto read = std::chrono::steady_clock::now();
  std::unique_ptr<Server> server(new Server(config, store, transport, clock, options));
  server->engine_->load(*leases, clock.now_s());
  server->install_search_spread();
  const auto indexed = std::chrono::steady_clock::now();
  using Ms = std::chrono::duration<double, std::milli>;
  spdlog::info("loaded {} leases from {} (read {:.1f} ms, indexed {:.1f} ms)", leases->size(),
               store.describe(), Ms(read - started).count(), Ms(indexed - read).count());
  return server;
}

Server::Server(const config::Config& config, store::LeaseStore& store, io::Transport& transport,
               const Clock& clock, ServerOptions options)
    : config_(config),
      store_(store),
      transport_(transport),
      clock_(clock),
      options_(options),
      engine_(std::make_unique<alloc::Engine>(config_)),
      handler_(std::make_unique<Dhcp4Handler>(config_, *engine_)),
      probes_(config_.probing.max_pending, counters_),
      store_health_(store.describe()),
      intake_(options.intake),
      priority_(PriorityPolicy::from_config(config_)),
      stages_{CommitStage(store, transport), CommitStage(store, transport)} {
  BS_ASSERT(options_.batch_max > 0);
  received_.reserve(options_.batch_max);
  if (options_.overlap_commits && !store.shared()) committer_ = std::make_unique<Committer>();
}

// A batch still in flight is committed and answered: its clients were
// promised nothing yet, but its changes are already in the store's hands.
Server::~Server() { settle_in_flight(); }

size_t Server::run_once() {
  if (replicator_) replicator_->poll(0);
  fill_intake();
  const int64_t now_ms = clock_.monotonic_ms();
  batch_.clear();
  while (batch_.size() < options_.batch_max) {
    auto packet = intake_.pop(now_ms);
    if (!packet) break;
    batch_.push_back(std::move(*packet));
  }
  count_intake_drops();
  learn_from_store();
  const size_t count = batch_.size();
  const int64_t now_s = clock_.now_s();
  batch_now_s_ = now_s;
  check_recovery_end(now_s);
  handler_->set_recovery(addresses_uncertain());
  engine_->reclaim_expired(now_s, options_.reclaim_per_batch);
  for (io::RxPacket& packet : batch_) {
    const io::InterfaceInfo* link = find_link(packet.ifindex);
    if (link == nullptr) {
      counters_.drop(DropReason::UnknownInterface);
      continue;
    }
    auto query = decode(std::move(packet), *link);
    if (!query) continue;
    if (replicator_ && !partner_serves(*query, now_ms)) continue;
    handle(std::move(*query), *link, now_s, 0);
  }
  run_probe_stage(now_s);
  commit_and_send();
  rogue_watch_.poll(transport_.interfaces(), clock_, events_);
  return count;
}

// Reads what has arrived into the intake, more than one batch, so that
// under overload the intake's priority order decides what waits, not the
// kernel's socket buffer. Waits for traffic only when nothing is queued.
void Server::fill_intake() {
  received_.clear();
  // With a batch in flight, do not sleep on the sockets: its ACKs are owed
  // as soon as its fsync returns.
  const int timeout_ms = intake_.empty() && in_flight_ == nullptr ? receive_timeout_ms() : 0;
  const size_t read_max = options_.batch_max * kReadAheadBatches;
  const size_t count = transport_.receive(received_, read_max, timeout_ms);
  BS_ASSERT(count <= read_max);
  counters_.packets_received += count;
  const int64_t now_ms = clock_.monotonic_ms();
  const int64_t read_ns = count > 0 ? steady_now_ns() : 0;
  for (io::RxPacket& packet : received_) {
    packet.received_ns = read_ns;
    uint8_t band = 0;
    if (priority_.enabled()) {
      const io::InterfaceInfo* link = find_link(packet.ifindex);
      if (link != nullptr) band = priority_.band_of(packet, link->name, link->address);
    }
    intake_.push(packet, band, now_ms);
  }
}

void Server::count_intake_drops() {
  const IntakeCounters& now = intake_.counters();
  const uint64_t full = now.evicted + now.refused;
  counters_.drops[static_cast<size_t>(DropReason::IntakeFull)] = full;
  counters_.drops[static_cast<size_t>(DropReason::Stale)] = now.stale;
}

const io::InterfaceInfo* Server::find_link(int ifindex) const {
  for (const auto& link : transport_.interfaces()) {
    if (link.ifindex == ifindex) return &link;
  }
  return nullptr;
}

std::optional<DecodedQuery> Server::decode(io::RxPacket&& packet, const io::InterfaceInfo& link) {
  auto query = wire::decode(packet.payload);
  if (!query) {
    counters_.drop(DropReason::Malformed);
    ++counters_.decode_errors[static_cast<size_t>(query.error())];
    input_log_.warn(fmt::format("decode/{}", to_string(query.error())),
                    fmt::format("dropped malformed packet from {} on {}: {}",
                                to_string(packet.source), link.name, to_string(query.error())),
                    clock_.monotonic_ms());
    return std::nullopt;
  }
  const auto type = query->message_type();
  ++counters_.received_by_type[type ? static_cast<size_t>(*type) : 0];
  if (is_own_probe(*query, transport_.interfaces())) {
    counters_.drop(DropReason::OwnProbe);
    return std::nullopt;
  }
  return DecodedQuery{std::move(packet), std::move(*query)};
}

// `probe_attempt` counts the addresses that already answered a probe for
// this query (0 for a query straight from the decode stage).
void Server::handle(DecodedQuery&& query, const io::InterfaceInfo& link, int64_t now_s,
                    uint8_t probe_attempt) {
  const auto handle_started = std::chrono::steady_clock::now();
  HandlerResult result = handler_->handle(query.packet, link, now_s, &query.received);
  histograms_.handle_s.observe(seconds_since(handle_started));
  count_outcome(result, query, now_s);
  if (auto* reply = std::get_if<Reply>(&result)) {
    reply->query_received_ns = query.received.received_ns;
  } else if (auto* promise = std::get_if<Promise>(&result); promise && promise->ack) {
    promise->ack->query_received_ns = query.received.received_ns;
  }
  // Straight to the commit stage unless the probe stage must hold it; the
  // common case moves the outcome once.
  if (auto* reply = std::get_if<Reply>(&result)) {
    if (!reply->probe || !probes_.active()) {
      commit_->add(std::move(*reply));
      return;
    }
    hold_or_file(std::move(*reply), std::move(query), probe_attempt);
  } else if (auto* promise = std::get_if<Promise>(&result)) {
    if (!promise->ack || !promise->ack->probe || !probes_.active()) {
      file(std::move(*promise), query);
      return;
    }
    hold_or_file(std::move(*promise), std::move(query), probe_attempt);
  }
}

void Server::count_outcome(const HandlerResult& result, const DecodedQuery& query, int64_t now_s) {
  if (const auto* drop = std::get_if<Drop>(&result)) {
    counters_.drop(drop->reason);
    return;
  }
  if (const auto* reply = std::get_if<Reply>(&result);
      reply && reply->type == wire::MessageType::Nak) {
    ++counters_.naks;
    record_nak(query.packet, now_s);
  }
  if (std::holds_alternative<Promise>(result) &&
      query.packet.message_type() == wire::MessageType::Decline) {
    ++counters_.declines;
  }
}

// Into this batch's commit stage: a Reply to send at once, or a Promise
// whose change is committed before its ACK leaves.
void Server::file(HeldOutcome&& held, DecodedQuery& query) {
  if (auto* reply = std::get_if<Reply>(&held)) {
    commit_->add(std::move(*reply));
    return;
  }
  file(std::move(std::get<Promise>(held)), query);
}

void Server::file(Promise&& promise, DecodedQuery& query) {
  if (replicator_) cap_for_partner(promise, batch_now_s_);
  const bool acked = promise.ack.has_value();
  const size_t index = commit_->add(std::move(promise));
  if (acked && store_.shared()) {
    if (script_runner_) script_sources_.emplace_back(index, query.received);
    promised_queries_.emplace_back(index, std::move(query));
    return;
  }
  if (script_runner_) script_sources_.emplace_back(index, std::move(query.received));
}

bool Server::overlapping() const {
  if (committer_ == nullptr || replicator_ || script_runner_ || store_.shared()) return false;
  return batch_.size() >= options_.overlap_min_batch || !intake_.empty();
}

// Overlapped commits: this batch's OFFERs leave, then the previous batch's
// commit is waited for and its ACKs sent, then this batch is submitted and
// the loop goes back to the sockets while its fsync runs. The wait comes
// after handling, so handling overlaps the fsync; the submit comes after
// the wait, so one batch at most is in flight and batches reach the store
// in the order they changed the engine. If the previous batch failed, this
// one (handled on top of it) is undone first, then the failed one.
void Server::commit_and_send() {
  // OFFERs and NAKs promise nothing durable, so they need not wait for the
  // fsync; only ACKs do.
  commit_->send_unpromised(counters_);
  settle_in_flight();
  if (overlapping() && commit_->begin()) {
    committer_->submit(*commit_);
    in_flight_ = commit_;
    in_flight_now_s_ = batch_now_s_;
    commit_ = commit_ == &stages_[0] ? &stages_[1] : &stages_[0];
    BS_ASSERT(commit_->changes().empty() && commit_->acks_waiting() == 0);
    return;
  }
  const bool durable = commit_batch();
  commit_->send_kept(counters_, &histograms_);
  if (!commit_->conflicts().empty()) answer_conflicted();
  promised_queries_.clear();
  // Only what the store committed: on a failure the changes were reverted
  // and no event is queued either.
  if (durable && !script_sources_.empty()) submit_script_events();
  script_sources_.clear();
  commit_->clear();
}

void Server::settle_in_flight() {
  if (in_flight_ == nullptr) return;
  CommitStage& stage = committer_->wait();
  BS_ASSERT(&stage == in_flight_);
  in_flight_ = nullptr;
  auto committed = stage.settle(*engine_);
  if (!committed) commit_->abandon(*engine_, counters_);
  // abandon() came first: the failed batch's revert must find the engine
  // as its own changes left it.
  finish_batch(stage, in_flight_now_s_, committed);
  stage.send_kept(counters_, &histograms_);
  stage.clear();
}

// The commit stage's commit, measured and reported. True if the batch had
// changes and they are durable now.
bool Server::commit_batch() {
  if (!commit_->begin()) return false;
  commit_->commit_in_store();
  auto committed = commit_->settle(*engine_);
  finish_batch(*commit_, batch_now_s_, committed);
  return committed.has_value();
}

// Figures, health, counters and events of a settled batch.
void Server::finish_batch(CommitStage& stage, int64_t now_s,
                          const tl::expected<void, store::StoreError>& committed) {
  const size_t change_count = stage.changes().size();
  histograms_.commit_s.observe(stage.store_duration_s());
  histograms_.commit_batch_size.observe(static_cast<double>(change_count));
  note_commit(committed);
  if (!committed) {
    report_commit_failure(committed.error().message, now_s);
    return;
  }
  ++counters_.commits;
  counters_.leases_committed += change_count - stage.conflicts().size();
  counters_.store_conflicts += stage.conflicts().size();
  for (size_t i = 0; i < change_count; ++i) {
    if (!stage.conflicted(i)) record_change_event(stage.changes()[i], now_s);
  }
}

// The batch was reverted and its ACKs are withheld (send_kept counts them
// as commit_failed); clients retransmit.
void Server::report_commit_failure(const std::string& message, int64_t now_s) {
  counters_.commit_failures += 1;
  Event failure;
  failure.at_s = now_s;
  failure.kind = EventKind::StorageError;
  failure.text = message;
  events_.add(std::move(failure));
}

// After the commit and the replies: the script runner's queue never holds
// up a reply, and a full queue costs an event, not a client.
void Server::submit_script_events() {
  const std::span<const LeaseChange> changes = commit_->changes();
  for (auto& [index, query] : script_sources_) {
    BS_ASSERT(index < changes.size());
    if (commit_->conflicted(index)) continue;
    ScriptEvent event;
    event.change = changes[index];
    if (const io::InterfaceInfo* link = find_link(query.ifindex)) {
      event.interface_name = link->name;
      event.interface_address = link->address;
      event.interface_mac = link->mac;
    }
    event.query = std::move(query);
    const Lease* lease = event.change.after
                             ? &*event.change.after
                             : (event.change.before ? &*event.change.before : nullptr);
    if (lease != nullptr) {
      if (const config::Subnet* subnet = config_.find_subnet(lease->subnet_id)) {
        event.subnet_id = subnet->id;
        event.subnet_prefix = subnet->prefix;
        event.subnet_prefix_len = subnet->prefix_len;
      }
    }
    if (!script_runner_->submit(std::move(event))) {
      ++counters_.script_events_dropped;
      script_log_.warn("script-queue",
                       "run_script: event queue full, lease event dropped (script not run)",
                       clock_.monotonic_ms());
    }
  }
}

// One line when the store starts failing and one when it recovers
// (store_health.h); each failed batch only at debug level.
void Server::note_commit(const tl::expected<void, store::StoreError>& outcome) {
  const int64_t now_ms = clock_.monotonic_ms();
  if (outcome) {
    if (auto line = store_health_.succeeded(now_ms)) spdlog::warn("{}", *line);
    return;
  }
  if (auto line = store_health_.failed(outcome.error(), now_ms)) spdlog::error("{}", *line);
  spdlog::debug("lease store {} failed, replies withheld: {}", store_.describe(),
                outcome.error().message);
}

void Server::record_change_event(const LeaseChange& change, int64_t now_s) {
  if (!change.after) return;
  const Lease& lease = *change.after;
  EventKind kind = EventKind::LeaseGranted;
  if (lease.state == LeaseState::Declined) kind = EventKind::Declined;
  if (lease.state == LeaseState::Reclaimed) kind = EventKind::LeaseReleased;
  events_.add(Event{.at_s = now_s,
                    .kind = kind,
                    .address = lease.address,
                    .hw_address = lease.hw_address,
                    .client_id = lease.client_id,
                    .text = lease.hostname});
}

void Server::record_nak(const wire::Packet& query, int64_t now_s) {
  Bytes client_id;
  if (const wire::Option* id = query.find(wire::opt::kClientId)) client_id = id->data;
  const Ip4 address = query.ciaddr.is_zero()
                          ? query.option_ip(wire::opt::kRequestedAddress).value_or(Ip4{})
                          : query.ciaddr;
  events_.add(Event{.at_s = now_s,
                    .kind = EventKind::Nak,
                    .address = address,
                    .hw_address = query.hw_address(),
                    .client_id = std::move(client_id),
                    .text = "client asked for an address it cannot have"});
}

}  // namespace bs::server
