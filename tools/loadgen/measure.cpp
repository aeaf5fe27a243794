// The open-loop measuring generator behind `bs-load bench`; see measure.h.
// One thread, one socket. Each round: read every reply already queued,
// start the exchanges that are due by the clock, send everything with one
// sendmmsg per 64 datagrams, then count as dropped whatever has waited
// longer than the drop time. Exchanges are numbered in start order and the
// xid is the number plus a random offset, so matching a reply is an array
// lookup and the drop scan is a walk along two queues ordered by send time.
#include "measure.h"

#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <thread>

#include "client_memory.h"
#include "wire/packet.h"

namespace bs::load {

namespace {

using Clock = std::chrono::steady_clock;

// Subnet mask, routers, DNS, lease time, server id: what a PC asks for.
const Bytes kParameterRequestList{1, 3, 6, 51, 54};
// Bounds the exchange table (24 bytes each) so a typo cannot eat the memory.
constexpr uint64_t kMaxExchanges = 20'000'000;
// Longest sleep between rounds when nothing is due, so drops are counted on time.
constexpr auto kMaxWait = std::chrono::milliseconds(2);

int64_t realtime_ns() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

double cpu_seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

enum class Leg : uint8_t { NotStarted, AwaitOffer, AwaitAck, Acked, Naked, Dropped };

struct Exchange {
  int64_t discover_ns = 0;
  int64_t request_ns = 0;
  uint32_t mac_index = 0;
  Leg leg = Leg::NotStarted;
};

class Meter {
 public:
  Meter(DhcpSocket& socket, const MeasureOptions& options)
      : socket_(socket), options_(options), rng_(options.seed | 1) {
    xid_offset_ = static_cast<uint32_t>(next_random());
    drop_ns_ = int64_t{options.drop_time_ms} * 1'000'000;
  }

  MeasureResult run(const volatile std::sig_atomic_t& stop);

 private:
  uint64_t next_random() {
    // xorshift64*: seeded, so a run's MACs and xids are reproducible.
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 0x2545F4914F6CDD1DULL;
  }
  Bytes message(wire::MessageType type, uint64_t index, Ip4 requested, Ip4 server_id) const;
  void start_exchange();
  void on_reply(const Received& datagram);
  void send_round();
  void expire(int64_t now_ns);
  void record_offer(Exchange& exchange, int64_t at_ns);

  DhcpSocket& socket_;
  MeasureOptions options_;
  uint64_t rng_;
  uint32_t xid_offset_ = 0;
  int64_t drop_ns_ = 0;
  std::vector<Exchange> exchanges_;
  uint64_t started_ = 0;
  uint64_t outstanding_ = 0;
  std::vector<uint64_t> queued_discovers_, queued_requests_;  // stamped at the next send
  std::vector<uint64_t> request_order_;                       // exchanges by REQUEST time
  size_t offer_scan_ = 0, ack_scan_ = 0;
  int64_t first_send_ns_ = 0, last_discover_ns_ = 0;
  MeasureResult result_;
};

Bytes Meter::message(wire::MessageType type, uint64_t index, Ip4 requested, Ip4 server_id) const {
  wire::Packet packet;
  packet.xid = static_cast<uint32_t>(index) + xid_offset_;
  if (options_.relay_address.is_zero()) {
    packet.flags = wire::kBroadcastFlag;
  } else {
    packet.giaddr = options_.relay_address;
    packet.hops = 1;
  }
  const Mac mac = load_client_mac(options_.first_mac + exchanges_[index].mac_index);
  std::copy(mac.begin(), mac.end(), packet.chaddr.begin());
  packet.set(wire::opt::kMessageType, {static_cast<uint8_t>(type)});
  if (type == wire::MessageType::Request) {
    packet.set_ip(wire::opt::kRequestedAddress, requested);
    packet.set_ip(wire::opt::kServerId, server_id);
  }
  packet.set(wire::opt::kParameterRequestList, kParameterRequestList);
  if (!options_.vendor_class.empty()) {
    packet.set(wire::opt::kVendorClassId,
               Bytes(options_.vendor_class.begin(), options_.vendor_class.end()));
  }
  return wire::encode(packet);
}

void Meter::start_exchange() {
  const uint64_t index = started_++;
  Exchange& exchange = exchanges_[index];
  exchange.mac_index = options_.mac_space == 0
                           ? static_cast<uint32_t>(index)
                           : static_cast<uint32_t>(next_random() % options_.mac_space);
  exchange.leg = Leg::AwaitOffer;
  ++outstanding_;
  socket_.queue(message(wire::MessageType::Discover, index, {}, {}));
  queued_discovers_.push_back(index);
}

void Meter::record_offer(Exchange& exchange, int64_t at_ns) {
  ++result_.offers;
  result_.offer_latency_ms.push_back(static_cast<float>(at_ns - exchange.discover_ns) / 1e6f);
}

void Meter::on_reply(const Received& datagram) {
  int64_t at_ns = datagram.kernel_time_ns;
  if (at_ns != 0) {
    ++result_.kernel_stamped;
  } else {
    at_ns = realtime_ns();
    ++result_.user_stamped;
  }
  const auto packet = wire::decode(datagram.bytes);
  if (!packet || packet->op != wire::Op::BootReply) {
    ++result_.stray_replies;
    return;
  }
  const uint64_t index = static_cast<uint32_t>(packet->xid - xid_offset_);
  if (index >= started_) {
    ++result_.stray_replies;
    return;
  }
  Exchange& exchange = exchanges_[index];
  const Mac mac = load_client_mac(options_.first_mac + exchange.mac_index);
  if (!std::equal(mac.begin(), mac.end(), packet->chaddr.begin())) {
    ++result_.stray_replies;
    return;
  }
  const auto type = packet->message_type();
  // A reply read after the drop scan passed it, but that arrived in time
  // by the kernel's clock, still counts: the scan runs on the reading time.
  if (exchange.leg == Leg::Dropped) {
    const bool offer_in_time = type == wire::MessageType::Offer && exchange.request_ns == 0 &&
                               at_ns - exchange.discover_ns <= drop_ns_;
    const bool ack_in_time = type != wire::MessageType::Offer && exchange.request_ns != 0 &&
                             at_ns - exchange.request_ns <= drop_ns_;
    if (offer_in_time) {
      --result_.offer_drops;
      exchange.leg = Leg::AwaitOffer;
      ++outstanding_;
    } else if (ack_in_time) {
      --result_.ack_drops;
      exchange.leg = Leg::AwaitAck;
      ++outstanding_;
    } else {
      ++result_.late_replies;
      return;
    }
  }
  if (type == wire::MessageType::Offer && exchange.leg == Leg::AwaitOffer) {
    record_offer(exchange, at_ns);
    exchange.leg = Leg::AwaitAck;
    socket_.queue(message(wire::MessageType::Request, index, packet->yiaddr,
                          packet->option_ip(wire::opt::kServerId).value_or(Ip4{})));
    queued_requests_.push_back(index);
  } else if (type == wire::MessageType::Ack && exchange.leg == Leg::AwaitAck &&
             exchange.request_ns != 0) {
    ++result_.acks;
    result_.ack_latency_ms.push_back(static_cast<float>(at_ns - exchange.request_ns) / 1e6f);
    result_.lease_latency_ms.push_back(static_cast<float>(at_ns - exchange.discover_ns) / 1e6f);
    exchange.leg = Leg::Acked;
    --outstanding_;
  } else if (type == wire::MessageType::Nak && exchange.leg == Leg::AwaitAck &&
             exchange.request_ns != 0) {
    ++result_.naks;
    exchange.leg = Leg::Naked;
    --outstanding_;
  } else {
    ++result_.late_replies;  // a duplicate, or an answer to a leg already over
  }
}

// Everything queued this round gets one timestamp, taken just before the
// datagrams go to the kernel.
void Meter::send_round() {
  if (!socket_.has_queued()) return;
  const int64_t now_ns = realtime_ns();
  if (first_send_ns_ == 0) first_send_ns_ = now_ns;
  for (const uint64_t index : queued_discovers_) exchanges_[index].discover_ns = now_ns;
  for (const uint64_t index : queued_requests_) {
    exchanges_[index].request_ns = now_ns;
    request_order_.push_back(index);
  }
  result_.discovers_sent += queued_discovers_.size();
  result_.requests_sent += queued_requests_.size();
  if (!queued_discovers_.empty()) last_discover_ns_ = now_ns;
  queued_discovers_.clear();
  queued_requests_.clear();
  socket_.flush();
  if (socket_.has_queued()) ++result_.send_stalls;
}

void Meter::expire(int64_t now_ns) {
  for (; offer_scan_ < started_; ++offer_scan_) {
    Exchange& exchange = exchanges_[offer_scan_];
    if (exchange.discover_ns == 0 || now_ns - exchange.discover_ns <= drop_ns_) break;
    if (exchange.leg == Leg::AwaitOffer) {
      exchange.leg = Leg::Dropped;
      ++result_.offer_drops;
      --outstanding_;
    }
  }
  for (; ack_scan_ < request_order_.size(); ++ack_scan_) {
    Exchange& exchange = exchanges_[request_order_[ack_scan_]];
    if (now_ns - exchange.request_ns <= drop_ns_) break;
    if (exchange.leg == Leg::AwaitAck) {
      exchange.leg = Leg::Dropped;
      ++result_.ack_drops;
      --outstanding_;
    }
  }
}

MeasureResult Meter::run(const volatile std::sig_atomic_t& stop) {
  const double rate = options_.rate_per_s;
  const uint64_t planned =
      std::min(kMaxExchanges, options_.exchanges > 0
                                  ? options_.exchanges
                                  : static_cast<uint64_t>(std::llround(rate * options_.seconds)));
  exchanges_.assign(planned, Exchange{});
  request_order_.reserve(planned);
  result_.offer_latency_ms.reserve(planned);
  result_.ack_latency_ms.reserve(planned);
  result_.lease_latency_ms.reserve(planned);
  result_.exchanges_planned = planned;
  result_.nominal_s = static_cast<double>(planned) / rate;
  const auto tick = std::chrono::microseconds(options_.tick_us);
  const auto drop = std::chrono::milliseconds(options_.drop_time_ms);
  rusage usage_before{};
  getrusage(RUSAGE_SELF, &usage_before);
  const auto began = Clock::now();
  // Bounded whatever happens: all sends are due by nominal_s; a late
  // generator gets as long again to catch up, then two drop times, then 1 s.
  const auto deadline = began +
                        std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(2 * result_.nominal_s + 1)) +
                        2 * drop;
  while (stop == 0) {
    const auto round_start = Clock::now();
    if (round_start >= deadline) break;
    while (true) {
      const std::span<const Received> batch = socket_.receive_batch();
      for (const Received& datagram : batch) on_reply(datagram);
      if (batch.size() < DhcpSocket::kBatchSize) break;
    }
    const double elapsed_s = std::chrono::duration<double>(round_start - began).count();
    const auto due = std::min(planned, static_cast<uint64_t>(elapsed_s * rate) + 1);
    while (started_ < due) start_exchange();
    send_round();
    expire(realtime_ns());
    if (started_ == planned && outstanding_ == 0 && !socket_.has_queued()) break;
    // Sleep until the next exchange is due (at most kMaxWait), waking early
    // for a reply, but run at most one round per tick so that at high rates
    // sends and receives stay batched.
    auto wake = round_start + kMaxWait;
    if (started_ < planned) {
      const auto next_due = began + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(double(started_) / rate));
      wake = std::min(wake, next_due);
    }
    const auto now = Clock::now();
    if (wake > now) {
      pollfd waiting{socket_.fd(), POLLIN, 0};
      const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(wake - now);
      const timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000),
                             static_cast<long>(wait.count() % 1'000'000'000)};
      ppoll(&waiting, 1, &timeout, nullptr);
    }
    std::this_thread::sleep_until(round_start + tick);
  }
  const auto ended = Clock::now();
  rusage usage_after{};
  getrusage(RUSAGE_SELF, &usage_after);
  result_.unresolved = outstanding_;
  result_.wall_s = std::chrono::duration<double>(ended - began).count();
  result_.send_s =
      std::max(result_.nominal_s, static_cast<double>(last_discover_ns_ - first_send_ns_) / 1e9);
  result_.cpu_user_s = cpu_seconds(usage_after.ru_utime) - cpu_seconds(usage_before.ru_utime);
  result_.cpu_system_s = cpu_seconds(usage_after.ru_stime) - cpu_seconds(usage_before.ru_stime);
  result_.send_errors = socket_.send_errors();
  result_.socket_overflows = socket_.overflow_drops();
  return std::move(result_);
}

}  // namespace

MeasureResult measure(DhcpSocket& socket, const MeasureOptions& options,
                      const volatile std::sig_atomic_t& stop) {
  Meter meter(socket, options);
  return meter.run(stop);
}

double interpolated_percentile(std::vector<float> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = p / 100.0 * static_cast<double>(samples.size() - 1);
  const auto lower = static_cast<size_t>(std::floor(rank));
  const auto upper = static_cast<size_t>(std::ceil(rank));
  return samples[lower] + (samples[upper] - samples[lower]) * (rank - static_cast<double>(lower));
}

}  // namespace bs::load
