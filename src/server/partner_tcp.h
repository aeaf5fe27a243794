// The partner link over TCP (the frames of partner_link.h). Each server
// listens on its own peer URL's address and port and connects to its
// partner's: frames to the partner go out on the connection this server
// made, frames from the partner arrive on the one it accepted. Two one-way
// connections need no rule for which side connects, and a broken one is
// simply made again (at most once a second).
//
// Only the partner's address may connect; anything else is closed and
// counted. Buffers are bounded: a frame longer than kMaxFrameBytes or an
// outgoing backlog past twice that drops the connection (the state machine
// sees the silence). Non-blocking throughout; receive() is the one place
// that waits, in poll(), at most the timeout it is given.
//
// Between batches the server does not poll the link: wait_fd() is an
// epoll descriptor holding the listener, the accepted connection and (while
// it connects or has a backlog) the outgoing one, kept in step after each
// send and receive; the server's transport waits on it with the DHCP
// sockets, so an idle server sleeps until a packet or a partner frame.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "common/clock.h"
#include "common/types.h"
#include "common/unique_fd.h"
#include "server/partner_link.h"

namespace bs::server {

struct TcpLinkCounters {
  uint64_t connects = 0;
  uint64_t accepts = 0;
  uint64_t refused_peers = 0;  // connections from another address than the partner's
  uint64_t broken_frames = 0;  // malformed or oversized: connection dropped
  uint64_t disconnects = 0;
};

class PartnerTcpLink final : public PartnerLink {
 public:
  // Binds the listener; the error says why (address in use, no such address).
  static tl::expected<std::unique_ptr<PartnerTcpLink>, std::string> open(Ip4 self_address,
                                                                         uint16_t self_port,
                                                                         Ip4 partner_address,
                                                                         uint16_t partner_port,
                                                                         const Clock& clock);

  bool send(const LinkFrame& frame) override;
  size_t receive(std::vector<LinkFrame>& out, int timeout_ms) override;

  uint16_t listening_port() const { return listening_port_; }
  const TcpLinkCounters& counters() const { return counters_; }
  bool connected() const { return outgoing_.valid() && !connecting_; }
  int wait_fd() const override { return epoll_.get(); }

 private:
  PartnerTcpLink(UniqueFd listener, UniqueFd epoll, uint16_t listening_port, Ip4 partner_address,
                 uint16_t partner_port, const Clock& clock);
  size_t poll_once(std::vector<LinkFrame>& out, int timeout_ms);
  void sync_watch();
  void try_connect();
  void flush();
  void accept_incoming();
  void read_incoming(std::vector<LinkFrame>& out, size_t& count);
  void drop_outgoing();
  void drop_incoming();

  UniqueFd listener_;
  UniqueFd epoll_;  // wait_fd(): what receive() would find, for the server's wait
  // What epoll_ holds: the descriptors (-1: none; a closed descriptor
  // leaves the set by itself) and the outgoing one's events.
  int watched_incoming_ = -1;
  int watched_outgoing_ = -1;
  uint32_t watched_outgoing_events_ = 0;
  uint16_t listening_port_;
  Ip4 partner_address_;
  uint16_t partner_port_;
  const Clock& clock_;
  UniqueFd outgoing_;
  bool connecting_ = false;
  int64_t last_connect_ms_ = -1'000'000;
  Bytes out_;  // encoded frames not yet written
  UniqueFd incoming_;
  Bytes in_;  // bytes read, not yet a whole frame
  TcpLinkCounters counters_;
};

}  // namespace bs::server
