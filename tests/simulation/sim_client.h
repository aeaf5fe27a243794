// A simulated DHCP client for the seeded simulation: the RFC 2131 client
// state machine (INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING,
// INIT-REBOOT), reduced to what decides which address a device uses. It
// builds queries as wire::Packets and takes decoded replies; the world in
// simulation_test.cpp carries them (and loses some) between it and the
// server.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "wire/packet.h"

namespace bs::sim {

enum class Phase : uint8_t { Init, Selecting, Requesting, Bound, Renewing, Rebinding, Rebooting };
const char* to_string(Phase phase);

// Decisions the world makes for a client, drawn from the seeded generator.
struct Whims {
  double release = 0.002;  // per step while bound
  double reboot = 0.003;   // per step while bound: power-cycle, INIT-REBOOT
  double decline = 0.02;   // per ACK received in REQUESTING
};

// An ACK the client accepted, for the world's invariant checks.
struct Acceptance {
  Ip4 address;
  int64_t lease_end_ms = 0;
};

class SimClient {
 public:
  // `server_id` is where a REQUEST goes until an OFFER names its server
  // (option 54); with two servers on the link the client follows the
  // server that offered, and renews with the one that ACKed.
  SimClient(uint32_t index, Ip4 server_id);

  // What the client sends now, if anything (retransmissions, timers, whims).
  std::optional<wire::Packet> act(int64_t now_ms, std::mt19937_64& random, const Whims& whims);
  // A reply addressed to this client's chaddr. Returns the lease when an
  // ACK was accepted; a DECLINE the client then wants to send is queued for
  // the next act().
  std::optional<Acceptance> receive(const wire::Packet& reply, int64_t now_ms,
                                    std::mt19937_64& random, const Whims& whims);

  // Configured on its interface: answers ARP for it, and may not share it.
  bool uses(Ip4 address, int64_t now_ms) const;
  bool using_any(int64_t now_ms) const { return uses(address_, now_ms); }
  const HwAddr& hw() const { return hw_; }
  Ip4 address() const { return address_; }
  int64_t lease_end_ms() const { return lease_end_ms_; }
  Phase phase() const { return phase_; }
  uint64_t acks() const { return acks_; }
  // The server the client renews with (the one whose ACK it holds).
  Ip4 server_id() const { return server_id_; }

 private:
  wire::Packet query(wire::MessageType type) const;
  void to_init(int64_t now_ms, int64_t delay_ms);
  void bind(const wire::Packet& ack, int64_t now_ms);

  HwAddr hw_;
  Ip4 server_id_;
  Phase phase_ = Phase::Init;
  uint32_t xid_ = 0;
  int64_t next_ms_ = 0;              // retransmission or timer
  int64_t exchange_started_ms_ = 0;  // for the secs field
  uint16_t secs_ = 0;
  Ip4 offered_;
  Ip4 address_;
  int64_t lease_end_ms_ = 0, t1_ms_ = 0, t2_ms_ = 0;
  std::optional<wire::Packet> pending_;  // DECLINE or RELEASE to send next
  uint64_t acks_ = 0;
};

}  // namespace bs::sim
