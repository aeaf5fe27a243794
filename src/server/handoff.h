// The typed hand-offs between the pipeline's stages (server.h): what the
// decode stage gives the handler, and what the handler gives the probe and
// commit stages. The durability rule is in the types: a reply that promises
// a lease (an ACK) exists only inside a Promise, next to the change it
// promises, and the commit stage lets it leave only once that change is
// durable (commit_stage.h). Everything else a handler says is a Reply that
// promises nothing (OFFER, NAK, INFORM's ACK) or a Drop.
#pragma once

#include <optional>
#include <variant>

#include "alloc/lease.h"
#include "io/transport.h"
#include "server/counters.h"
#include "server/probe_policy.h"
#include "wire/packet.h"

namespace bs::server {

// The decode stage's output: the datagram as received (its source and size
// feed class tests, the script runner gets it whole) and the decoded query.
// A query handled again after a probe conflict is this, not the bytes.
struct DecodedQuery {
  io::RxPacket received;
  wire::Packet packet;
};

struct Drop {
  DropReason reason;
};

// A reply, encoded and routed. `yiaddr` is the address it gives the client
// (zero for a NAK and for INFORM's ACK), kept beside the bytes so the send
// path can pair an ACK with its committed change without decoding.
struct Reply {
  io::TxPacket packet;
  wire::MessageType type = wire::MessageType::Offer;
  Ip4 yiaddr;
  // Set when the address is uncertain: the reply (and the change it
  // promises, if any) waits in the probe stage until the link has been
  // asked (probe_stage.h).
  std::optional<ProbeNeed> probe;
  // The query's RxPacket::received_ns, so the send path can measure the
  // query→reply delay the client saw (0 = unknown).
  int64_t query_received_ns = 0;
};

// A lease change to make durable, and the ACK that promises it, if any
// (RELEASE and DECLINE change a lease and answer nothing). The ACK may
// leave only after the change is committed; its yiaddr is the change's
// address.
struct Promise {
  LeaseChange change;
  std::optional<Reply> ack;
};

// What the handler decided for one query.
using HandlerResult = std::variant<Drop, Reply, Promise>;

// A Reply or Promise held back by the probe stage.
using HeldOutcome = std::variant<Reply, Promise>;

// The reply a held outcome would send, if any.
inline Reply* reply_of(HeldOutcome& held) {
  if (auto* reply = std::get_if<Reply>(&held)) return reply;
  auto& promise = std::get<Promise>(held);
  return promise.ack ? &*promise.ack : nullptr;
}

}  // namespace bs::server
