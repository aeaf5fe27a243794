// The simulated clients' state machines and the event loop that drives
// them; see engine.h. Replies are matched to clients by xid and chaddr.
#include "engine.h"

#include <algorithm>
#include <cmath>

#include "wire/packet.h"

namespace bs::load {

namespace {

constexpr int kMaxTimeout_ms = 4000;
constexpr int kMaxRestarts = 3;  // DORA restarts after a NAK
constexpr int kMaxWait_ms = 20;  // poll slice, so the rate limiter stays smooth
// Subnet mask, routers, DNS, lease time, server id: what a PC asks for.
const Bytes kParameterRequestList{1, 3, 6, 51, 54};

using Clock = std::chrono::steady_clock;

float elapsed_ms(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<float, std::milli>(to - from).count();
}

}  // namespace

Engine::Engine(DhcpSocket& socket, ClientMemory& memory, const EngineOptions& options)
    : socket_(socket), memory_(memory), options_(options), rng_state_(options.seed | 1) {}

uint32_t Engine::fresh_xid() {
  while (true) {
    // xorshift64*: seeded, so a run's xids are reproducible.
    rng_state_ ^= rng_state_ >> 12;
    rng_state_ ^= rng_state_ << 25;
    rng_state_ ^= rng_state_ >> 27;
    const auto xid = static_cast<uint32_t>((rng_state_ * 0x2545F4914F6CDD1DULL) >> 32);
    if (xid != 0 && !task_of_xid_.contains(xid)) return xid;
  }
}

void Engine::start(size_t index, Clock::time_point now) {
  const Goal goal = (*tasks_)[index].goal;
  in_flight_.push_back(index);
  const bool rebooting = goal == Goal::Renew || goal == Goal::Verify;
  begin_step(index, rebooting ? Step::Reboot : Step::Discover, now);
}

// A new message: new xid (a new exchange), first try.
void Engine::begin_step(size_t index, Step step, Clock::time_point now) {
  State& state = states_[index];
  if (state.xid != 0) task_of_xid_.erase(state.xid);
  state.step = step;
  state.xid = fresh_xid();
  task_of_xid_[state.xid] = index;
  state.tries = 0;
  state.exchange_start = now;
  transmit(index, now);
}

void Engine::transmit(size_t index, Clock::time_point now) {
  const Task& task = (*tasks_)[index];
  State& state = states_[index];
  wire::Packet packet;
  packet.xid = state.xid;
  packet.flags = wire::kBroadcastFlag;
  std::copy(task.mac.begin(), task.mac.end(), packet.chaddr.begin());
  const bool discover = state.step == Step::Discover;
  const auto type = discover ? wire::MessageType::Discover : wire::MessageType::Request;
  packet.set(wire::opt::kMessageType, {static_cast<uint8_t>(type)});
  if (state.step == Step::Request) {
    packet.set_ip(wire::opt::kRequestedAddress, state.offered);
    packet.set_ip(wire::opt::kServerId, state.server_id);
  } else if (state.step == Step::Reboot || (discover && task.goal == Goal::Probe)) {
    packet.set_ip(wire::opt::kRequestedAddress, task.target);
  }
  packet.set(wire::opt::kParameterRequestList, kParameterRequestList);
  socket_.queue(wire::encode(packet));
  ++stats_.sent;
  if (state.tries > 0) ++stats_.retransmits;
  const int timeout_ms = std::min(options_.first_timeout_ms << state.tries, kMaxTimeout_ms);
  ++state.tries;
  state.deadline = now + std::chrono::milliseconds(timeout_ms);
}

void Engine::expire(Clock::time_point now) {
  for (const size_t index : in_flight_) {
    State& state = states_[index];
    if (state.step == Step::Done || now < state.deadline) continue;
    if (state.tries < options_.tries) {
      transmit(index, now);
    } else if (state.step == Step::Reboot) {
      begin_step(index, Step::Discover, now);  // a silent server: start over
    } else {
      finish(index, Outcome::Unanswered, Ip4{});
    }
  }
}

void Engine::finish(size_t index, Outcome outcome, Ip4 address) {
  State& state = states_[index];
  task_of_xid_.erase(state.xid);
  state.step = Step::Done;
  state.result = {outcome, address};
}

void Engine::handle(const Bytes& datagram, Clock::time_point now) {
  const auto packet = wire::decode(datagram);
  if (!packet || packet->op != wire::Op::BootReply) return;
  const auto found = task_of_xid_.find(packet->xid);
  if (found == task_of_xid_.end()) return;  // a late reply to an old exchange
  const size_t index = found->second;
  const Mac& mac = (*tasks_)[index].mac;
  if (!std::equal(mac.begin(), mac.end(), packet->chaddr.begin())) return;
  const auto type = packet->message_type();
  const Step step = states_[index].step;
  if (type == wire::MessageType::Offer && step == Step::Discover) {
    on_offer(index, packet->yiaddr, packet->option_ip(wire::opt::kServerId).value_or(Ip4{}), now);
  } else if (type == wire::MessageType::Ack && (step == Step::Request || step == Step::Reboot)) {
    on_ack(index, packet->yiaddr, packet->option_ip(wire::opt::kServerId).value_or(Ip4{}), now);
  } else if (type == wire::MessageType::Nak && (step == Step::Request || step == Step::Reboot)) {
    on_nak(index, now);
  }
}

void Engine::on_offer(size_t index, Ip4 offered, Ip4 server_id, Clock::time_point now) {
  State& state = states_[index];
  ++stats_.offers;
  stats_.offer_latency_ms.push_back(elapsed_ms(state.exchange_start, now));
  const Task& task = (*tasks_)[index];
  if (task.goal == Goal::Probe && offered != task.target) {
    finish(index, Outcome::ProbeMissed, offered);
    return;
  }
  state.offered = offered;
  state.server_id = server_id;
  begin_step(index, Step::Request, now);
}

void Engine::on_ack(size_t index, Ip4 address, Ip4 server_id, Clock::time_point now) {
  ++stats_.acks;
  stats_.ack_latency_ms.push_back(elapsed_ms(states_[index].exchange_start, now));
  const Task& task = (*tasks_)[index];
  if (task.goal == Goal::Probe) {
    if (address == task.target) ++stats_.probe_hits;
    memory_.check_stranger_ack(task.mac, address);
  } else {
    memory_.record_ack(task.mac, address, server_id);
  }
  finish(index, Outcome::Acked, address);
}

void Engine::on_nak(size_t index, Clock::time_point now) {
  ++stats_.naks;
  State& state = states_[index];
  const bool fallback = state.step == Step::Reboot;
  if (!fallback && ++state.restarts > kMaxRestarts) {
    finish(index, Outcome::Refused, Ip4{});
    return;
  }
  begin_step(index, Step::Discover, now);
}

int Engine::wait_ms(Clock::time_point now, Clock::time_point next_token) const {
  Clock::time_point wake = std::min(next_token, now + std::chrono::milliseconds(kMaxWait_ms));
  for (const size_t index : in_flight_) wake = std::min(wake, states_[index].deadline);
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, kMaxWait_ms));
}

std::vector<Result> Engine::run(const std::vector<Task>& tasks,
                                const volatile std::sig_atomic_t& stop) {
  tasks_ = &tasks;
  states_.assign(tasks.size(), State{});
  in_flight_.clear();
  task_of_xid_.clear();
  const auto began = Clock::now();
  const auto end = began + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options_.max_seconds));
  // Token bucket: a short burst is allowed, the long-run rate is fixed.
  const double burst = std::max(1.0, options_.rate_per_s / 50.0);
  double tokens = 1.0;
  auto refilled = began;
  size_t next = 0;
  std::vector<Bytes> replies;
  while (stop == 0) {
    const auto now = Clock::now();
    if (now >= end) break;
    tokens = std::min(burst, tokens + options_.rate_per_s *
                                          std::chrono::duration<double>(now - refilled).count());
    refilled = now;
    for (; next < tasks.size() && in_flight_.size() < options_.window && tokens >= 1.0; ++next) {
      start(next, now);
      tokens -= 1.0;
    }
    expire(now);
    std::erase_if(in_flight_, [this](size_t i) { return states_[i].step == Step::Done; });
    socket_.flush();
    if (next == tasks.size() && in_flight_.empty()) break;
    const auto token_due =
        now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                  (1.0 - std::min(tokens, 1.0)) / options_.rate_per_s));
    socket_.receive(replies, wait_ms(now, token_due));
    const auto received = Clock::now();
    for (const Bytes& datagram : replies) handle(datagram, received);
    replies.clear();
  }
  stats_.busy_seconds += std::chrono::duration<double>(Clock::now() - began).count();
  std::vector<Result> results;
  results.reserve(states_.size());
  for (const State& state : states_) {
    const bool cut_short = state.step != Step::Done && state.step != Step::Idle;
    results.push_back(cut_short ? Result{Outcome::Unanswered, Ip4{}} : state.result);
  }
  return results;
}

double percentile(std::vector<float> samples, double p) {
  if (samples.empty()) return 0;
  const auto rank = static_cast<size_t>(std::llround(p / 100.0 * double(samples.size() - 1)));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(rank),
                   samples.end());
  return samples[rank];
}

}  // namespace bs::load
