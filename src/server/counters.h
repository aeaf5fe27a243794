// What the server counts. Plain integers owned by the single pipeline
// thread; the status API and metrics read a snapshot.
#pragma once

#include <array>
#include <cstdint>

#include "wire/packet.h"

namespace bs::server {

enum class DropReason : uint8_t {
  Malformed,       // decoder rejected the bytes (see decode_errors)
  NotARequest,     // BOOTREPLY from another server or relay loop
  NoMessageType,   // plain BOOTP, not served
  UnexpectedType,  // OFFER/ACK/NAK sent to the server port
  NoSubnet,        // no configured subnet for the link or relay
  NotForUs,        // REQUEST/DECLINE naming another server
  MissingField,    // e.g. REQUEST without requested address or ciaddr
  PoolExhausted,
  Silent,        // RFC 2131 says stay silent (e.g. unknown INIT-REBOOT)
  CommitFailed,  // lease store could not make the batch durable
  UnknownInterface,
  OwnProbe,         // our rogue-server probe DISCOVER, heard on another served link
  DeclineLimit,     // the client already has too many addresses in quarantine
  ProbeBacklog,     // every conflict-probe slot busy; the client's retransmission retries
  ProbeConflict,    // several addresses in a row answered probes; the client retries later
  StarvationShare,  // its relay port or link already holds its share of the pool
  DropClass,        // the query is in Kea's DROP client class
  IntakeFull,       // the intake was full of packets of its priority or higher
  Stale,            // waited in the intake past its client's retransmission
  PartnerUnacked,   // HA: committed here, but the partner did not acknowledge in time
  PartnersClient,   // HA: the partner serves this client in the pair's current state
};
inline constexpr size_t kDropReasonCount = 21;
const char* to_string(DropReason reason);

struct Counters {
  uint64_t packets_received = 0;
  uint64_t packets_sent = 0;
  std::array<uint64_t, 9> received_by_type{};  // index = MessageType value, 0 = other
  std::array<uint64_t, 9> sent_by_type{};
  std::array<uint64_t, kDropReasonCount> drops{};
  std::array<uint64_t, wire::kDecodeErrorCount> decode_errors{};
  uint64_t commits = 0;
  uint64_t leases_committed = 0;
  uint64_t commit_failures = 0;
  // A shared store (server_shared.cpp): changes another server's change to
  // the same address kept out of a commit, and rows learnt from other
  // servers' notifications.
  uint64_t store_conflicts = 0;
  uint64_t rows_learnt = 0;
  uint64_t ha_mclt_capped = 0;  // HA: lease times cut to MCLT past the partner's last ack
  uint64_t declines = 0;
  uint64_t naks = 0;
  // Conflict probes (server_probe.cpp): sent, answered by an unknown device,
  // answered by the client itself, and unanswered until the timeout.
  uint64_t probes_sent = 0;
  uint64_t probe_conflicts = 0;
  uint64_t probe_self_answers = 0;
  uint64_t probe_timeouts = 0;
  uint64_t probes_pending = 0;  // a gauge: replies parked right now
  // run_script: lease events lost because the script queue was full.
  uint64_t script_events_dropped = 0;

  void drop(DropReason reason) { ++drops[static_cast<size_t>(reason)]; }
  uint64_t dropped(DropReason reason) const { return drops[static_cast<size_t>(reason)]; }
};

}  // namespace bs::server
