// The client engine of bs-load: runs thousands of simulated DHCP clients
// over one socket, each a small RFC 2131 state machine (DISCOVER/OFFER/
// REQUEST/ACK, or an INIT-REBOOT REQUEST), started at a fixed rate, with a
// bounded number in flight, retransmission with doubling timeouts and a
// bounded number of tries, and an overall time limit.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <vector>

#include "client_memory.h"
#include "dhcp_socket.h"

namespace bs::load {

enum class Goal : uint8_t {
  Lease,   // a new client: DISCOVER, OFFER, REQUEST, ACK
  Renew,   // a client with a lease: INIT-REBOOT REQUEST, then DORA if NAKed or unanswered
  Verify,  // as Renew; the caller judges whether the address is the one it had
  Probe,   // a stranger asks for `target` (DISCOVER with option 50); it REQUESTs
           // only if offered exactly that address
};

struct Task {
  Mac mac{};
  Goal goal = Goal::Lease;
  Ip4 target;  // Renew/Verify: the remembered address; Probe: the address asked for
};

enum class Outcome : uint8_t {
  NotStarted,   // the time limit or a stop signal came first
  Acked,        // `address` is what the client holds now
  ProbeMissed,  // a probe was offered another address and let it go
  Refused,      // NAKed again and again
  Unanswered,   // no reply after every retransmission
};

struct Result {
  Outcome outcome = Outcome::NotStarted;
  Ip4 address;
};

struct EngineOptions {
  double rate_per_s = 500;  // tasks started per second
  size_t window = 256;      // tasks in flight at most
  double max_seconds = 60;  // for one run() call
  int first_timeout_ms = 500;
  int tries = 4;  // transmissions of one message before giving up on it
  uint64_t seed = 1;
};

struct Stats {
  uint64_t sent = 0, retransmits = 0, offers = 0, acks = 0, naks = 0, probe_hits = 0;
  std::vector<float> offer_latency_ms;  // DISCOVER -> OFFER, from the first transmission
  std::vector<float> ack_latency_ms;    // REQUEST -> ACK, from the first transmission
  double busy_seconds = 0;              // summed over run() calls
};

class Engine {
 public:
  Engine(DhcpSocket& socket, ClientMemory& memory, const EngineOptions& options);
  // Runs the tasks in order of start; one Result per task. Returns early
  // when `stop` becomes non-zero.
  std::vector<Result> run(const std::vector<Task>& tasks, const volatile std::sig_atomic_t& stop);
  const Stats& stats() const { return stats_; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Step : uint8_t { Idle, Discover, Request, Reboot, Done };
  struct State {
    Step step = Step::Idle;
    uint32_t xid = 0;
    int tries = 0;
    int restarts = 0;
    Ip4 offered, server_id;
    Clock::time_point exchange_start, deadline;
    Result result;
  };

  void start(size_t index, Clock::time_point now);
  void begin_step(size_t index, Step step, Clock::time_point now);
  void transmit(size_t index, Clock::time_point now);
  void expire(Clock::time_point now);
  void handle(const Bytes& datagram, Clock::time_point now);
  void on_offer(size_t index, Ip4 offered, Ip4 server_id, Clock::time_point now);
  void on_ack(size_t index, Ip4 address, Ip4 server_id, Clock::time_point now);
  void on_nak(size_t index, Clock::time_point now);
  void finish(size_t index, Outcome outcome, Ip4 address);
  uint32_t fresh_xid();
  int wait_ms(Clock::time_point now, Clock::time_point next_token) const;

  DhcpSocket& socket_;
  ClientMemory& memory_;
  EngineOptions options_;
  uint64_t rng_state_;
  const std::vector<Task>* tasks_ = nullptr;
  std::vector<State> states_;
  std::vector<size_t> in_flight_;
  std::unordered_map<uint32_t, size_t> task_of_xid_;
  Stats stats_;
};

// The p-th percentile (0..100) of `samples`, 0 if there are none.
double percentile(std::vector<float> samples, double p);

}  // namespace bs::load
