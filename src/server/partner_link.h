// The HA partner link: the messages two servers of a pair exchange, their
// wire form, and the interface the pipeline talks to (a real TCP link in
// partner_tcp.h, an in-process fake in the scenario tests).
//
// One batch is one message: the lease changes a batch committed locally go
// to the partner as one UpdateBatch, numbered with this server's sequence
// numbers (first_sequence .. first_sequence + count - 1); the partner
// commits them with its own store (its own fsync) and answers one
// UpdateAck with the last number. Every frame carries the sender's HA
// state, so any message is also a heartbeat.
//
// Times cross the link as ages, not clock readings: a lease travels with
// how many seconds ago its client last transacted (age_s), and the
// receiver sets cltt from its own clock. Two servers whose clocks differ
// by ten minutes therefore agree on when each lease ends, to within the
// link's latency (ARCHITECTURE.md, "High availability").
//
// Wire form (all integers big-endian): u32 length of what follows, u8
// message type, u8 sender state, then the body. UpdateBatch: u64
// first_sequence, u32 count, then per change: u32 address, u8 has_lease,
// and if set: u8 htype, u8 hw length, hw bytes, u16 client-id length,
// client-id, u16 hostname length, hostname, u32 subnet id, u32 valid
// lifetime s, u32 age s, u8 lease state. UpdateAck: u64 last_sequence.
// Heartbeat: no body. MaintenanceNotify: no body. SyncRequest: u64
// applied_sequence, u8 full. SyncPage: u32 page, u8 flags (1 full, 2
// complete), u64 last_sequence, u32 count, then the changes as in
// UpdateBatch. SyncAck: u32 page.
//
// The resync after a return (partner_replicator.h): each side asks with
// SyncRequest for the other's changes after the last one it applied; the
// other answers page by page (at most sync-page-limit changes each, the
// next only after the SyncAck of the one before), from its journal, or, if
// the journal does not reach back that far (or `full` was asked), a dump of
// all its leases first. The page that leaves nothing more to send is
// marked complete.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "alloc/lease.h"
#include "ha/pair_state.h"

namespace bs::server {

struct UpdateBatch {
  uint64_t first_sequence = 0;
  // `before` is not sent: the receiver undoes against its own records.
  std::vector<LeaseChange> changes;
};
struct UpdateAck {
  uint64_t last_sequence = 0;
};
struct Heartbeat {};
struct MaintenanceNotify {};
struct SyncRequest {
  uint64_t applied_sequence = 0;  // the sender has applied the receiver's changes up to this
  bool full = false;              // send a full dump whatever the journal holds (ha-sync)
};
struct SyncPage {
  uint32_t page = 0;           // counts up within one sync; the SyncAck names it
  bool full = false;           // a page of the full dump (no deletes; ends with journal pages)
  bool complete = false;       // nothing more to send after this page
  uint64_t last_sequence = 0;  // journal pages: the receiver has the sender's changes up to this
  std::vector<LeaseChange> changes;
};
struct SyncAck {
  uint32_t page = 0;
};

using LinkMessage = std::variant<UpdateBatch, UpdateAck, Heartbeat, MaintenanceNotify, SyncRequest,
                                 SyncPage, SyncAck>;

struct LinkFrame {
  ha::State sender_state = ha::State::Waiting;
  LinkMessage message;
};

// Frames are at most this long; a longer length prefix is a broken peer.
constexpr size_t kMaxFrameBytes = 16u << 20;

// Appends the frame's wire form to `out`. `now_s` turns each lease's cltt
// into its age.
void encode_frame(const LinkFrame& frame, int64_t now_s, Bytes& out);

// Decodes one frame's body (after the length prefix). `now_s` turns ages
// back into this server's cltt. Nothing: malformed (the caller drops the
// connection and counts it).
std::optional<LinkFrame> decode_frame(std::span<const uint8_t> body, int64_t now_s);

// The pipeline's side of the link. Single-threaded, never blocks longer
// than asked.
class PartnerLink {
 public:
  virtual ~PartnerLink() = default;
  // Queues a frame for the partner; false if there is no connection (the
  // frame is not kept: the caller's state machine decides what follows).
  virtual bool send(const LinkFrame& frame) = 0;
  // Appends the frames that have arrived, waiting up to `timeout_ms` for
  // the first. Returns how many were appended.
  virtual size_t receive(std::vector<LinkFrame>& out, int timeout_ms) = 0;
  // A descriptor that turns readable when receive() has work (a frame, a
  // connection, room to write), so the server's one wait on its sockets
  // (io::Transport::watch) also wakes for the partner instead of polling
  // the link every few milliseconds. -1: none (the in-process fakes).
  virtual int wait_fd() const { return -1; }
};

}  // namespace bs::server
