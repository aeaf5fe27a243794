// The simulated client's state machine (sim_client.h). Timers follow RFC
// 2131 4.4.5 loosely: retransmit every 4 s, renew at T1, rebind at T2,
// give the address up at the end of the lease.
#include "simulation/sim_client.h"

#include <algorithm>

namespace bs::sim {
namespace {

constexpr int64_t kRetransmit_ms = 4000;

}  // namespace

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::Init:
      return "init";
    case Phase::Selecting:
      return "selecting";
    case Phase::Requesting:
      return "requesting";
    case Phase::Bound:
      return "bound";
    case Phase::Renewing:
      return "renewing";
    case Phase::Rebinding:
      return "rebinding";
    case Phase::Rebooting:
      return "rebooting";
  }
  return "?";
}

SimClient::SimClient(uint32_t index, Ip4 server_id)
    : hw_(make_hwaddr(std::array<uint8_t, 6>{0x02, 0x5a, 0, 0, static_cast<uint8_t>(index >> 8),
                                             static_cast<uint8_t>(index)})),
      server_id_(server_id),
      xid_(index << 16) {}

bool SimClient::uses(Ip4 address, int64_t now_ms) const {
  const bool configured =
      phase_ == Phase::Bound || phase_ == Phase::Renewing || phase_ == Phase::Rebinding;
  return configured && !address.is_zero() && address_ == address && lease_end_ms_ > now_ms;
}

wire::Packet SimClient::query(wire::MessageType type) const {
  wire::Packet packet;
  packet.op = wire::Op::BootRequest;
  packet.xid = xid_;
  packet.secs = secs_;
  std::copy(hw_.bytes.begin(), hw_.bytes.begin() + hw_.length, packet.chaddr.begin());
  packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(type)});
  return packet;
}

void SimClient::to_init(int64_t now_ms, int64_t delay_ms) {
  phase_ = Phase::Init;
  exchange_started_ms_ = now_ms + delay_ms;
  address_ = Ip4{};
  offered_ = Ip4{};
  next_ms_ = now_ms + delay_ms;
}

std::optional<wire::Packet> SimClient::act(int64_t now_ms, std::mt19937_64& random,
                                           const Whims& whims) {
  if (pending_) {
    auto packet = std::move(pending_);
    pending_.reset();
    return packet;
  }
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  const bool holding = phase_ == Phase::Bound || phase_ == Phase::Renewing ||
                       phase_ == Phase::Rebinding || phase_ == Phase::Rebooting;
  if (holding && now_ms >= lease_end_ms_) to_init(now_ms, 0);
  if (phase_ == Phase::Bound && chance(random) < whims.release) {
    wire::Packet release = query(wire::MessageType::Release);
    release.ciaddr = address_;
    release.set_ip(wire::opt::kServerId, server_id_);
    to_init(now_ms, 1000);
    return release;
  }
  if (phase_ == Phase::Bound && chance(random) < whims.reboot) {
    phase_ = Phase::Rebooting;
    next_ms_ = now_ms;
    exchange_started_ms_ = now_ms;
  }
  if (phase_ == Phase::Bound && now_ms >= t1_ms_) {
    phase_ = Phase::Renewing;
    next_ms_ = now_ms;
    exchange_started_ms_ = now_ms;
  }
  if (phase_ == Phase::Renewing && now_ms >= t2_ms_) {
    phase_ = Phase::Rebinding;
    next_ms_ = now_ms;
  }
  if (now_ms < next_ms_) return std::nullopt;
  next_ms_ = now_ms + kRetransmit_ms;
  // RFC 2131's secs: how long this exchange has gone on (what an HA
  // partner counts to tell a dead server from a lost packet).
  secs_ = static_cast<uint16_t>(
      std::clamp<int64_t>((now_ms - exchange_started_ms_) / 1000, 0, UINT16_MAX));
  switch (phase_) {
    case Phase::Init: {
      ++xid_;
      phase_ = Phase::Selecting;
      return query(wire::MessageType::Discover);
    }
    case Phase::Selecting:  // no OFFER in time: start over
    case Phase::Requesting:
      to_init(now_ms, 0);
      return act(now_ms, random, whims);
    case Phase::Bound:
      return std::nullopt;
    case Phase::Renewing:
    case Phase::Rebinding: {
      wire::Packet renew = query(wire::MessageType::Request);
      renew.ciaddr = address_;
      if (phase_ == Phase::Rebinding) renew.flags = wire::kBroadcastFlag;
      return renew;
    }
    case Phase::Rebooting: {
      ++xid_;
      wire::Packet reboot = query(wire::MessageType::Request);
      reboot.set_ip(wire::opt::kRequestedAddress, address_);
      return reboot;
    }
  }
  return std::nullopt;
}

void SimClient::bind(const wire::Packet& ack, int64_t now_ms) {
  const int64_t lease_s = ack.option_u32(wire::opt::kLeaseTime).value_or(0);
  const int64_t t1_s = ack.option_u32(wire::opt::kRenewalTime).value_or(lease_s / 2);
  const int64_t t2_s = ack.option_u32(wire::opt::kRebindingTime).value_or(lease_s * 7 / 8);
  address_ = ack.yiaddr;
  lease_end_ms_ = now_ms + lease_s * 1000;
  t1_ms_ = now_ms + t1_s * 1000;
  t2_ms_ = now_ms + t2_s * 1000;
  phase_ = Phase::Bound;
  next_ms_ = t1_ms_;
  ++acks_;
}

std::optional<Acceptance> SimClient::receive(const wire::Packet& reply, int64_t now_ms,
                                             std::mt19937_64& random, const Whims& whims) {
  if (reply.xid != xid_) return std::nullopt;
  const auto type = reply.message_type();
  if (!type) return std::nullopt;
  if (*type == wire::MessageType::Offer && phase_ == Phase::Selecting) {
    offered_ = reply.yiaddr;
    server_id_ = reply.option_ip(wire::opt::kServerId).value_or(server_id_);
    phase_ = Phase::Requesting;
    next_ms_ = now_ms + kRetransmit_ms;
    wire::Packet request = query(wire::MessageType::Request);
    request.set_ip(wire::opt::kRequestedAddress, offered_);
    request.set_ip(wire::opt::kServerId, server_id_);
    pending_ = request;
    return std::nullopt;
  }
  const bool waiting = phase_ == Phase::Requesting || phase_ == Phase::Renewing ||
                       phase_ == Phase::Rebinding || phase_ == Phase::Rebooting;
  if (!waiting) return std::nullopt;
  if (*type == wire::MessageType::Nak) {
    to_init(now_ms, 0);
    return std::nullopt;
  }
  if (*type != wire::MessageType::Ack) return std::nullopt;
  const bool fresh = phase_ == Phase::Requesting;
  server_id_ = reply.option_ip(wire::opt::kServerId).value_or(server_id_);
  bind(reply, now_ms);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  if (fresh && chance(random) < whims.decline) {
    // As if the client's own ARP check had found the address taken.
    wire::Packet decline = query(wire::MessageType::Decline);
    decline.set_ip(wire::opt::kRequestedAddress, reply.yiaddr);
    decline.set_ip(wire::opt::kServerId, server_id_);
    pending_ = decline;
    to_init(now_ms, 2000);
    return std::nullopt;
  }
  return Acceptance{address_, lease_end_ms_};
}

}  // namespace bs::sim
