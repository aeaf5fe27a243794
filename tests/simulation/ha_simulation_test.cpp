// The seeded simulation of an HA pair: two whole servers (engine, handler,
// pipeline, group commit, the pair's state machine and replication) on one
// simulated link with twenty-four clients, their wall clocks ten minutes
// apart, joined by a partner link that drops, delays and partitions
// (sim_partner_link.h), through power cuts of either server and failing
// commits. Hot-standby and load-balancing alternate by seed. Everything
// random comes from one seed, so a failure prints the seed and step:
//
//   BS_SIM_HA_SEED=1234 build/simulation_tests --gtest_filter='HaSimulation*'
//   BS_SIM_HA_SEEDS=300 build/simulation_tests --gtest_filter='HaSimulation*'
//
// After every step it checks the pair's promises:
// - no address is used by two clients, whichever server granted it;
// - every ACKed lease, and every lease a client still uses, is durable on
//   the server that ACKed it;
// - an ACK is either durable on both servers (the partner committed it
//   before it left), or the ACKing server was not replicating and the
//   lease ends at most MCLT past what the partner's store holds for the
//   address (draft-ietf-dhc-failover-12's cap);
// - a lease ACKed while durable on both stays on both while the client
//   uses it;
// - once both servers are back in the pair's normal state, every lease a
//   client uses is on both stores, those granted apart included: the
//   resync (partner_resync.cpp) brought them over.
// One outage in four (a partition or a power cut) outlasts
// max-response-delay, so a survivor goes partner-down and, MCLT later,
// hands out the other's share; the run counts partner-downs and finished
// resyncs and fails if it saw none. Each server keeps its resync journal
// in a file as the daemon does, so a power cut loses what was not written.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "common/clock.h"
#include "config/config.h"
#include "ha/journal.h"
#include "ha/state_file.h"
#include "io/fake_prober.h"
#include "io/fake_transport.h"
#include "server/server.h"
#include "simulation/sim_client.h"
#include "simulation/sim_partner_link.h"
#include "store/lease_store.h"

namespace bs::sim {
namespace {

constexpr size_t kClients = 24;
constexpr size_t kSteps = 1500;
constexpr int kRoundsPerStep = 4;
constexpr int64_t kSkew_s = 600;  // server two's wall clock runs ten minutes ahead
constexpr uint32_t kMclt_s = 20;  // below the 60 s lifetime, so the cap shows
constexpr double kLoss = 0.05;    // client packets, each way, per server
constexpr int64_t kSlack_s = 2;   // whole seconds on two clocks and the link's latency

Ip4 ip(const char* text) { return *parse_ip4(text); }

io::InterfaceInfo server_link(int side) {
  io::InterfaceInfo link;
  link.ifindex = 2;
  link.name = "sim0";
  link.address = side == 0 ? ip("198.18.1.1") : ip("198.18.1.2");
  link.prefix_len = 24;
  link.mac = {0x02, 0xaa, 0, 0, 0, static_cast<uint8_t>(side + 1)};
  return link;
}

std::string pair_config(int side, bool load_balancing) {
  const std::string mode = load_balancing ? "load-balancing" : "hot-standby";
  const std::string second_role = load_balancing ? "secondary" : "standby";
  return std::string(R"({"Dhcp4": {
    "interfaces-config": {"interfaces": ["sim0"]},
    "lease-database": {"type": "sqlite", "name": "/unused"},
    "valid-lifetime": 60, "renew-timer": 30, "rebind-timer": 52,
    "decline-probation-period": 120,
    "conflict-probing": {"mode": "uncertain", "timeout-ms": 300, "max-pending": 16},
    "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
                 "pools": [{"pool": "198.18.1.100 - 198.18.1.139"}]}],
    "hooks-libraries": [{"library": "libdhcp_ha.so", "parameters": {"high-availability": [{
      "this-server-name": ")") +
         (side == 0 ? "one" : "two") + R"(", "mode": ")" + mode + R"(",
      "heartbeat-delay": 2000, "max-ack-delay": 1000, "max-response-delay": 60000,
      "max-unacked-clients": 3, "blackstart-mclt": )" +
         std::to_string(kMclt_s) + R"(,
      "peers": [{"name": "one", "url": "http://198.18.1.1:8647/", "role": "primary"},
                {"name": "two", "url": "http://198.18.1.2:8647/", "role": ")" +
         second_role + R"("}]}]}}]}})";
}

struct HaTally {
  uint64_t acks = 0, acks_on_both = 0, acks_capped = 0, power_cuts = 0, partitions = 0,
           store_outages = 0, returns = 0, frames_lost = 0, partner_downs = 0, resyncs = 0;
};

// One server of the pair: what survives a power cut (store, HA state
// file) and what does not (everything else).
struct Member {
  int side = 0;
  config::Config config;
  std::unique_ptr<SkewedClock> clock;
  store::MemoryLeaseStore store;
  ha::StateFile state_file;  // as HaPairing keeps it: rewritten on a state change
  std::string journal_path;  // the resync journal's file, as the daemon keeps it
  std::unique_ptr<io::FakeTransport> transport;
  std::unique_ptr<server::Server> server;
  io::FakeProber* prober = nullptr;
  ha::State last_state = ha::State::Waiting;  // at the last step, for the tally
  int dead_steps = 0;                         // > 0: powered off
  int outage_steps = 0;
  bool alive() const { return server != nullptr; }
};

// A reply as it left a server, and when the query it answers was sent.
struct SentReply {
  int side = 0;
  int64_t at_ms = 0;
  io::TxPacket tx;
};

class HaWorld {
 public:
  explicit HaWorld(uint64_t seed)
      : seed_(seed),
        random_(seed),
        load_balancing_(seed % 2 == 0),
        wire_(world_, random_, WireWeather{}) {
    for (uint32_t i = 0; i < kClients; ++i) clients_.emplace_back(i + 1, server_link(0).address);
    for (int side = 0; side < 2; ++side) {
      Member& m = members_[side];
      m.side = side;
      auto parsed = config::parse_config(pair_config(side, load_balancing_), "ha-sim.json");
      EXPECT_TRUE(parsed) << parsed.error().to_string();
      if (!parsed) return;
      m.config = *parsed;
      m.clock = std::make_unique<SkewedClock>(world_, side == 0 ? 0 : kSkew_s);
      m.journal_path = directory_ + "/journal-" + std::to_string(side);
      wire_.set_clock(side, m.clock.get());
    }
    for (Member& m : members_) start(m, false);
  }
  ~HaWorld() {
    for (Member& m : members_) {
      m.server.reset();
      if (!m.journal_path.empty()) std::remove(m.journal_path.c_str());
    }
    if (!directory_.empty()) ::rmdir(directory_.c_str());
  }
  HaWorld(const HaWorld&) = delete;
  HaWorld& operator=(const HaWorld&) = delete;

  void run() {
    for (step_ = 0; step_ < kSteps && !::testing::Test::HasFailure(); ++step_) step();
    if (::testing::Test::HasFailure()) return;
    for (const SimClient& client : clients_) {
      EXPECT_GT(client.acks(), 0u)
          << where() << "client " << to_string(client.hw()) << " was never served";
    }
    tally_.frames_lost = wire_.frames_lost;
  }

  const HaTally& tally() const { return tally_; }
  bool load_balancing() const { return load_balancing_; }

 private:
  std::string where() const {
    return "seed " + std::to_string(seed_) + " (" +
           (load_balancing_ ? "load-balancing" : "hot-standby") + ") step " +
           std::to_string(step_) + ": ";
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(random_) < p; }
  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  void start(Member& m, bool recovery) {
    m.last_state = ha::State::Waiting;
    m.transport =
        std::make_unique<io::FakeTransport>(std::vector<io::InterfaceInfo>{server_link(m.side)});
    auto created = server::Server::create(m.config, m.store, *m.transport, *m.clock);
    ASSERT_TRUE(created) << where() << created.error();
    m.server = std::move(*created);
    auto prober = std::make_unique<io::FakeProber>();
    m.prober = prober.get();
    m.server->attach_prober(std::move(prober));
    wire_.revive(m.side);
    m.server->attach_partner(wire_.end(m.side), *m.config.ha,
                             ha::restore_after_start(m.state_file));
    // The journal as HaPairing opens it (daemon/ha_pairing.cpp). A power
    // cut loses its appends not yet written; what was written survives
    // even unsynced (the page cache outlives a destroyed server), which is
    // kinder than a real cut only for changes the partner acknowledged.
    auto journal = ha::Journal::open(m.journal_path, ha::kJournalEntries,
                                     std::max<uint64_t>(m.state_file.persisted.own_sequence, 1));
    ASSERT_TRUE(journal) << where() << journal.error();
    m.server->partner()->pair().skip_sequence_past(journal->base());
    m.server->partner()->set_journal(std::move(*journal));
    save_state(m);
    server::Server* raw = m.server.get();
    wire_.set_pump(m.side, [raw] { raw->partner()->poll(0); });
    if (recovery) m.server->enter_recovery(m.clock->now_s());
  }

  // What the daemon's HaPairing does after each batch (ha_pairing.cpp).
  static void save_state(Member& m) {
    const ha::PairState& pair = m.server->partner()->pair();
    if (m.state_file.sequence_reserved_until != 0 &&
        pair.own_sequence() + ha::kSequenceBlock / 2 <= m.state_file.sequence_reserved_until &&
        pair.state() == m.state_file.persisted.last_state) {
      return;
    }
    m.state_file.persisted = pair.persisted();
    m.state_file.sequence_reserved_until = pair.own_sequence() + ha::kSequenceBlock;
  }

  void step() {
    world_.advance_ms(between(100, 1500));
    disturb();
    const int64_t now_ms = now();
    step_start_ms_ = now_ms;
    note_states();
    for (SimClient& client : clients_) {
      auto packet = client.act(now_ms, random_, whims_);
      if (packet) route(client, *packet);
    }
    refresh_truth();
    std::vector<SentReply> replies;
    const int first = between(0, 1);  // which server's loop turns first
    for (int turn = 0; turn < 2; ++turn) run_server(members_[(first + turn) % 2], replies);
    for (const SentReply& reply : replies) deliver(reply);
    for (Member& m : members_) {
      if (m.alive()) m.server->engine().check_invariants();
    }
    check_every_used_lease();
    // Once the pair is back in its normal state, every lease a client
    // uses is on both stores, also those granted alone while apart: the
    // resync brought them over before either left syncing.
    if (pair_is_normal()) check_both_hold_every_used_lease();
  }

  void run_server(Member& m, std::vector<SentReply>& replies) {
    if (!m.alive()) return;
    for (int round = 0; round < kRoundsPerStep; ++round) {
      m.server->run_once();
      save_state(m);
      for (io::TxPacket& tx : m.transport->take_sent()) {
        check_sent(m, tx);
        if (::testing::Test::HasFailure()) return;
        replies.push_back(SentReply{m.side, step_start_ms_, std::move(tx)});
      }
      if (m.transport->pending() == 0) break;
    }
  }

  // Power cuts (either server, for a while), failing commits, and
  // partitions of the partner link; all shorter than max-response-delay.
  void disturb() {
    for (Member& m : members_) {
      if (m.outage_steps > 0 && --m.outage_steps == 0) m.store.set_failing(false);
      if (m.outage_steps == 0 && chance(0.005)) {
        m.outage_steps = between(1, 8);
        m.store.set_failing(true);
        ++tally_.store_outages;
      }
      if (m.dead_steps > 0 && --m.dead_steps == 0) {
        ++tally_.returns;
        start(m, true);
      } else if (m.alive() && !members_[1 - m.side].dead_steps && chance(0.002)) {
        ++tally_.power_cuts;  // memory and frames in flight are gone; store and state file not
        m.server.reset();
        m.prober = nullptr;
        wire_.kill(m.side);
        m.dead_steps = outage_steps();
      }
    }
    if (partition_steps_ > 0 && --partition_steps_ == 0) wire_.partitioned = false;
    if (partition_steps_ == 0 && chance(0.004)) {
      partition_steps_ = outage_steps();
      wire_.partitioned = true;
      ++tally_.partitions;
    }
  }

  // Counts what the run went through (a partner-down, a resync that
  // ended), so a run that never reached them is seen to be one.
  void note_states() {
    for (Member& m : members_) {
      if (!m.alive()) continue;
      const ha::State state = m.server->partner()->pair().state();
      if (state != m.last_state) {
        spdlog::debug("step {}: server {} {} -> {}", step_, m.side, ha::to_string(m.last_state),
                      ha::to_string(state));
      }
      if (state == ha::State::PartnerDown && m.last_state != state) ++tally_.partner_downs;
      if (m.last_state == ha::State::Syncing && state != ha::State::PartnerUnreachable &&
          state != ha::State::Syncing) {
        ++tally_.resyncs;
      }
      m.last_state = state;
    }
  }

  // Most outages are short; one in four outlasts max-response-delay (60 s
  // is 40 to 150 steps of 0.1 to 1.5 s), so the survivor may go
  // partner-down and hand out the partner's share after MCLT.
  int outage_steps() { return chance(0.25) ? between(60, 150) : between(1, 25); }

  // Broadcasts reach both servers (each may lose it); a renewal or a
  // release is unicast to the server the client holds its lease from.
  void route(const SimClient& client, const wire::Packet& packet) {
    const auto type = packet.message_type();
    const bool unicast = !packet.ciaddr.is_zero() && (packet.flags & wire::kBroadcastFlag) == 0 &&
                         (type == wire::MessageType::Request || type == wire::MessageType::Release);
    for (Member& m : members_) {
      if (!m.alive() || chance(kLoss)) continue;
      if (unicast && server_link(m.side).address != client.server_id()) continue;
      io::RxPacket rx;
      rx.payload = wire::encode(packet, 576);
      rx.ifindex = server_link(m.side).ifindex;
      rx.source = packet.ciaddr;
      m.transport->inject(std::move(rx));
    }
  }

  void refresh_truth() {
    for (Member& m : members_) {
      if (!m.alive()) continue;
      m.prober->occupied.clear();
      for (const SimClient& client : clients_) {
        if (!client.using_any(now())) continue;
        io::MacAddress mac{};
        std::copy_n(client.hw().bytes.begin(), mac.size(), mac.begin());
        m.prober->occupied[client.address().value] = mac;
      }
    }
  }

  // The moment an ACK leaves: durable on the ACKing server, and either on
  // the partner too or capped at MCLT past what the partner holds.
  void check_sent(const Member& m, const io::TxPacket& tx) {
    auto reply = wire::decode(tx.payload);
    ASSERT_TRUE(reply) << where() << "server " << m.side << " sent an undecodable packet";
    if (reply->message_type() != wire::MessageType::Ack || reply->yiaddr.is_zero()) return;
    const Ip4 address = reply->yiaddr;
    const int64_t lease_s = reply->option_u32(wire::opt::kLeaseTime).value_or(0);
    const HwAddr hw = reply->hw_address();
    const int64_t end_ms = step_start_ms_ + lease_s * 1000;
    ++tally_.acks;
    expect_holds(m, address, hw, end_ms, "an ACK");
    const Member& partner = members_[1 - m.side];
    // Durable on both: the partner's row is this ACK's lease, ending when it
    // ends. A row that only covers it is an older version of the client's
    // lease (say, before a release that is still on its way to the
    // partner), not the partner's copy of this one.
    // And the ACKing server must know it: a row of the same length may be
    // an older version the partner is about to replace.
    const int64_t known_s = m.server->partner()->partner_acked_expiry_s(address);
    if (holds_exactly(partner, address, hw, end_ms) &&
        known_s + kSlack_s >= m.clock->now_s() + lease_s) {
      ++tally_.acks_on_both;
      acked_on_both_[address.value] = true;
      return;
    }
    acked_on_both_.erase(address.value);
    ++tally_.acks_capped;
    const ha::PairState& pair = m.server->partner()->pair();
    ASSERT_FALSE(pair.replicates())
        << where() << "server " << m.side << " ACKed " << to_string(address) << " in state "
        << ha::to_string(pair.state()) << " but the partner does not hold it";
    const int64_t partner_left_s = std::max<int64_t>(remaining_s(partner, address), 0);
    ASSERT_LE(lease_s, partner_left_s + kMclt_s + kSlack_s)
        << where() << "server " << m.side << " ACKed " << to_string(address) << " for " << lease_s
        << " s in state " << ha::to_string(pair.state()) << "; the partner holds " << partner_left_s
        << " s of it and MCLT is " << kMclt_s << " s";
  }

  // The client counts its lease from when it sent its request (RFC 2131
  // 4.4.1), this step's start, not from when the world got round to
  // delivering the reply: a server's wait for its partner may have moved
  // time on since.
  void deliver(const SentReply& sent) {
    if (chance(kLoss)) return;
    const int side = sent.side;
    auto reply = wire::decode(sent.tx.payload);
    if (!reply) return;  // check_sent already failed the run
    for (SimClient& client : clients_) {
      if (!std::equal(client.hw().bytes.begin(), client.hw().bytes.begin() + 6,
                      reply->chaddr.begin())) {
        continue;
      }
      auto accepted = client.receive(*reply, sent.at_ms, random_, whims_);
      if (accepted) check_acceptance(side, client, *accepted);
      return;
    }
  }

  void check_acceptance(int side, const SimClient& client, const Acceptance& accepted) {
    for (const SimClient& other : clients_) {
      if (&other == &client) continue;
      ASSERT_FALSE(other.uses(accepted.address, now()))
          << where() << to_string(accepted.address) << " ACKed by server " << side << " to "
          << to_string(client.hw()) << " while " << to_string(other.hw()) << " uses it";
    }
    granted_by_[client.hw().bytes[5]] = side;
  }

  // Every lease in use is on the server that granted it, and on both if
  // its latest ACK was durable on both.
  void check_every_used_lease() {
    for (const SimClient& client : clients_) {
      // The servers count whole seconds: in its last ones a lease may
      // already be reclaimed there (the slack of holds()).
      if (!client.using_any(now() + kSlack_s * 1000)) continue;
      const auto by = granted_by_.find(client.hw().bytes[5]);
      if (by == granted_by_.end()) continue;
      const Ip4 address = client.address();
      expect_holds(members_[by->second], address, client.hw(), client.lease_end_ms(),
                   "a lease in use");
      if (acked_on_both_.contains(address.value)) {
        expect_holds(members_[1 - by->second], address, client.hw(), client.lease_end_ms(),
                     "a lease in use, ACKed as durable on both");
      }
      if (::testing::Test::HasFailure()) return;
    }
  }

  bool pair_is_normal() const {
    for (const Member& m : members_) {
      if (!m.alive() || !m.server->partner()->pair().replicates()) return false;
    }
    return true;
  }

  void check_both_hold_every_used_lease() {
    for (const SimClient& client : clients_) {
      if (!client.using_any(now() + kSlack_s * 1000)) continue;
      for (const Member& m : members_) {
        expect_holds(m, client.address(), client.hw(), client.lease_end_ms(),
                     "a lease in use after the resync");
      }
    }
  }

  // The store's row for `address`, read on that server's own clock.
  static const Lease* row_of(const Member& m, Ip4 address) {
    for (const Lease& row : m.store.rows()) {
      if (row.address == address) return &row;
    }
    return nullptr;
  }
  int64_t remaining_s(const Member& m, Ip4 address) const {
    const Lease* row = row_of(m, address);
    if (row == nullptr || row->state != LeaseState::Assigned) return 0;
    return row->expires_at_s() - m.clock->now_s();
  }
  // The row names the client and ends no earlier than `end_ms` (world
  // time) less `slack_ms`; its end read back from that server's wall clock.
  bool holds(const Member& m, Ip4 address, const HwAddr& hw, int64_t end_ms,
             int64_t slack_ms = kSlack_s * 1000) const {
    const Lease* row = row_of(m, address);
    if (row == nullptr || row->state != LeaseState::Assigned || row->hw_address != hw) {
      return false;
    }
    const int64_t row_end_ms = (row->expires_at_s() - m.clock->skew_s()) * 1000 - epoch_ms_;
    return row_end_ms + slack_ms >= end_ms;
  }
  bool holds_exactly(const Member& m, Ip4 address, const HwAddr& hw, int64_t end_ms) const {
    return holds(m, address, hw, end_ms, kSlack_s * 1000 / 2) &&
           !holds(m, address, hw, end_ms + kSlack_s * 1000, 0);
  }
  void expect_holds(const Member& m, Ip4 address, const HwAddr& hw, int64_t end_ms,
                    const char* what) {
    ASSERT_TRUE(holds(m, address, hw, end_ms))
        << where() << what << " on " << to_string(address) << " for " << to_string(hw)
        << " is not durable on server " << m.side << " (its row: "
        << (row_of(m, address) ? to_string(row_of(m, address)->hw_address) : "none") << ", "
        << remaining_s(m, address) << " s left; the client has " << (end_ms - now()) / 1000
        << " s)";
  }

  int64_t now() const { return world_.monotonic_ms(); }

  static std::string make_directory() {
    std::string pattern = "/dev/shm/bs-ha-sim-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    pattern = "/tmp/bs-ha-sim-XXXXXX";
    return ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }

  const std::string directory_ = make_directory();
  uint64_t seed_;
  std::mt19937_64 random_;
  bool load_balancing_;
  FakeClock world_;
  // Wall-clock milliseconds at the world's monotonic zero.
  const int64_t epoch_ms_ = world_.now_s() * 1000 - world_.monotonic_ms();
  SimPartnerWire wire_;
  Member members_[2];
  std::vector<SimClient> clients_;
  std::map<uint8_t, int> granted_by_;       // client's last MAC byte → ACKing server
  std::map<uint32_t, bool> acked_on_both_;  // address → its latest ACK durable on both
  Whims whims_;
  HaTally tally_;
  size_t step_ = 0;
  int64_t step_start_ms_ = 0;
  int partition_steps_ = 0;
};

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text == nullptr ? fallback : std::strtoull(text, nullptr, 10);
}

TEST(HaSimulation, SeededPairRunsKeepEveryPromise) {
  spdlog::set_level(env_or("BS_SIM_HA_LOG", 0) != 0 ? spdlog::level::debug : spdlog::level::off);
  const uint64_t only = env_or("BS_SIM_HA_SEED", 0);
  const uint64_t first = only != 0 ? only : 1;
  const uint64_t count = only != 0 ? 1 : env_or("BS_SIM_HA_SEEDS", 8);
  HaTally total;
  uint64_t modes[2] = {0, 0};
  for (uint64_t seed = first; seed < first + count && !HasFailure(); ++seed) {
    HaWorld world(seed);
    world.run();
    const HaTally& t = world.tally();
    ++modes[world.load_balancing() ? 1 : 0];
    total.acks += t.acks;
    total.acks_on_both += t.acks_on_both;
    total.acks_capped += t.acks_capped;
    total.power_cuts += t.power_cuts;
    total.partitions += t.partitions;
    total.store_outages += t.store_outages;
    total.returns += t.returns;
    total.frames_lost += t.frames_lost;
    total.partner_downs += t.partner_downs;
    total.resyncs += t.resyncs;
    if (only != 0 || HasFailure()) {
      std::printf(
          "seed %llu: %llu ACKs (%llu on both, %llu capped), %llu power cuts, %llu "
          "partitions\n",
          static_cast<unsigned long long>(seed), static_cast<unsigned long long>(t.acks),
          static_cast<unsigned long long>(t.acks_on_both),
          static_cast<unsigned long long>(t.acks_capped),
          static_cast<unsigned long long>(t.power_cuts),
          static_cast<unsigned long long>(t.partitions));
    }
  }
  std::printf(
      "ha simulation: %llu seeds (%llu hot-standby, %llu load-balancing) x %zu steps: %llu ACKs "
      "checked (%llu durable on both, %llu capped at MCLT), %llu power cuts, %llu returns, "
      "%llu partitions, %llu store outages, %llu partner frames lost, %llu partner-downs, %llu "
      "resyncs completed\n",
      static_cast<unsigned long long>(count), static_cast<unsigned long long>(modes[0]),
      static_cast<unsigned long long>(modes[1]), kSteps,
      static_cast<unsigned long long>(total.acks),
      static_cast<unsigned long long>(total.acks_on_both),
      static_cast<unsigned long long>(total.acks_capped),
      static_cast<unsigned long long>(total.power_cuts),
      static_cast<unsigned long long>(total.returns),
      static_cast<unsigned long long>(total.partitions),
      static_cast<unsigned long long>(total.store_outages),
      static_cast<unsigned long long>(total.frames_lost),
      static_cast<unsigned long long>(total.partner_downs),
      static_cast<unsigned long long>(total.resyncs));
  // The run must have exercised what it claims to.
  EXPECT_GT(total.acks_on_both, 0u);
  if (count >= 8) {
    EXPECT_GT(total.acks_capped, 0u);
    EXPECT_GT(total.power_cuts, 0u);
    EXPECT_GT(total.returns, 0u);
    EXPECT_GT(total.partitions, 0u);
    EXPECT_GT(total.partner_downs, 0u);
    EXPECT_GT(total.resyncs, 0u);
  }
}

}  // namespace
}  // namespace bs::sim
