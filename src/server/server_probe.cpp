// Conflict probing in the pipeline. A reply whose address is uncertain
// (probe_policy.h) is parked with its query instead of being sent; the
// prober asks the link. Silence until the timeout releases the reply into
// the current batch (an ACK still waits for the commit). An answer from
// another device marks the address declined for the probation period, as
// a DHCPDECLINE would, and the query is handled again, so the client gets
// the next address without waiting for its own retransmission. The client
// answering for itself (its chaddr in the ARP reply) releases the reply.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/assert.h"
#include "server/server.h"

namespace bs::server {
namespace {

// A query whose addresses keep answering stops here; its retransmission
// starts over, by then with those addresses quarantined.
constexpr uint8_t kMaxProbeAttempts = 3;
constexpr size_t kMaxAnswersPerBatch = 256;

bool answered_by_client(const io::ProbeAnswer& answer, const HwAddr& client_hw) {
  if (!answer.mac || client_hw.htype != 1 || client_hw.length != 6) return false;
  return std::equal(answer.mac->begin(), answer.mac->end(), client_hw.bytes.begin());
}

std::string describe_responder(const io::ProbeAnswer& answer) {
  if (!answer.mac) return "an ICMP echo reply";
  return fmt::format("MAC {:02x}", fmt::join(*answer.mac, ":"));
}

}  // namespace

bool Server::park(const io::RxPacket& packet, const wire::Packet& query, HandlerResult& result,
                  uint8_t attempt) {
  BS_ASSERT(result.probe && result.reply && result.reply_type);
  const Ip4 address = result.probe->request.address;
  if (PendingProbe* waiting = probes_.find(address)) {
    // A retransmission while the first copy is being probed: the engine
    // holds the address for this client, so the newest query just replaces
    // the parked reply (its xid is the one the client now waits for).
    if (result.change) engine_->revert(*result.change);
    if (!waiting->change && !result.change) {
      waiting->reply = std::move(*result.reply);
      waiting->query = packet;
    }
    return true;
  }
  if (probes_.full()) {
    if (result.change) engine_->revert(*result.change);
    counters_.drop(DropReason::ProbeBacklog);
    return true;
  }
  if (!prober_->send(result.probe->request)) {
    // An unsendable probe cannot be waited for; say so and go on without it.
    input_log_.warn("probe-send", fmt::format("conflict probe for {} not sent", to_string(address)),
                    clock_.monotonic_ms());
    return false;
  }
  ++counters_.probes_sent;
  probes_.insert(PendingProbe{
      .request = result.probe->request,
      .subnet_id = result.probe->subnet_id,
      .reply = std::move(*result.reply),
      .reply_type = *result.reply_type,
      .change = std::move(result.change),
      .query = packet,
      .client_hw = query.hw_address(),
      .deadline_ms = clock_.monotonic_ms() + config_.probing.timeout_ms,
      .attempt = attempt,
  });
  counters_.probes_pending = probes_.size();
  return true;
}

void Server::poll_probes(int64_t now_s) {
  if (!prober_) return;
  // Handling an answer may probe the next address, and a device that
  // answers at once (or a cached ARP entry) is heard on the next poll: a
  // few rounds settle those here instead of one batch later each.
  for (uint8_t round = 0; round <= kMaxProbeAttempts; ++round) {
    probe_answers_.clear();
    if (prober_->poll(probe_answers_, kMaxAnswersPerBatch) == 0) break;
    for (const io::ProbeAnswer& answer : probe_answers_) on_probe_answer(answer, now_s);
  }
  const int64_t now_ms = clock_.monotonic_ms();
  while (auto entry = probes_.take_expired(now_ms)) {
    ++counters_.probe_timeouts;
    release_parked(*entry);
  }
  counters_.probes_pending = probes_.size();
}

void Server::on_probe_answer(const io::ProbeAnswer& answer, int64_t now_s) {
  PendingProbe* waiting = probes_.find(answer.address);
  if (waiting == nullptr) return;  // not ours, or decided already
  if (answered_by_client(answer, waiting->client_hw)) {
    ++counters_.probe_self_answers;
    auto entry = probes_.take(answer.address);
    release_parked(*entry);
    return;
  }
  auto entry = probes_.take(answer.address);
  ++counters_.probe_conflicts;
  mark_conflict(*entry, answer, now_s);
  if (entry->attempt + 1 >= kMaxProbeAttempts) {
    counters_.drop(DropReason::ProbeConflict);
    return;
  }
  process(entry->query, now_s, static_cast<uint8_t>(entry->attempt + 1));
}

void Server::release_parked(PendingProbe& entry) {
  HandlerResult result;
  result.reply = std::move(entry.reply);
  result.reply_type = entry.reply_type;
  result.change = std::move(entry.change);
  queue_result(result, &entry.query);
}

// The address is quarantined like a declined one: durable (a restart must
// not offer it either) and free again after the probation period.
void Server::mark_conflict(const PendingProbe& entry, const io::ProbeAnswer& answer,
                           int64_t now_s) {
  const Ip4 address = entry.request.address;
  if (entry.change) {
    const Lease* now = engine_->find_by_address(address);
    // Only undo what is still ours to undo; an admin edit in between wins.
    if (now != nullptr && entry.change->after && *now == *entry.change->after) {
      engine_->revert(*entry.change);
    }
  }
  Lease mark;
  mark.address = address;
  if (answer.mac) mark.hw_address = make_hwaddr(*answer.mac);
  mark.hostname = kConflictMarkHostname;
  mark.subnet_id = entry.subnet_id;
  mark.cltt_s = now_s;
  mark.valid_lifetime_s = config_.decline_probation_period_s;
  mark.state = LeaseState::Declined;
  changes_.push_back(engine_->put_lease(mark, now_s));
  const std::string text =
      fmt::format("{} answered a conflict probe ({}): marked in use for {} s", to_string(address),
                  describe_responder(answer), config_.decline_probation_period_s);
  input_log_.warn("probe-conflict", text, clock_.monotonic_ms());
  events_.add(Event{.at_s = now_s,
                    .kind = EventKind::Conflict,
                    .address = address,
                    .hw_address = mark.hw_address,
                    .client_id = {},
                    .text = text});
}

// Before a reload swaps the engine: parked changes were never committed,
// so they are undone (newest first) rather than carried into the new engine.
void Server::abandon_probes() {
  std::vector<PendingProbe> entries = probes_.take_all();
  std::sort(entries.begin(), entries.end(), [](const PendingProbe& a, const PendingProbe& b) {
    return a.deadline_ms > b.deadline_ms;
  });
  for (const PendingProbe& entry : entries) {
    if (entry.change) engine_->revert(*entry.change);
  }
  counters_.probes_pending = 0;
}

int Server::receive_timeout_ms() const {
  const auto deadline_ms = probes_.next_deadline_ms();
  if (!deadline_ms) return options_.receive_timeout_ms;
  const int64_t wait_ms = std::max<int64_t>(1, *deadline_ms - clock_.monotonic_ms() + 1);
  return static_cast<int>(std::min<int64_t>(wait_ms, options_.receive_timeout_ms));
}

}  // namespace bs::server
