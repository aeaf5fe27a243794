// `bs-load bench`: the measuring generator, in the role perfdhcp plays in
// the peer benchmark. It is open-loop: new clients start at a fixed rate
// whatever the server does, each runs one DISCOVER/OFFER/REQUEST/ACK
// exchange without retransmission, and a message unanswered after the drop
// time (1 s, perfdhcp's default) counts as dropped. So an overloaded server
// shows up as drops and latency, never as a generator that politely slows
// down, and the run is bounded: it starts a fixed number of exchanges
// (rate x seconds, or a count) and ends at most twice the drop time after
// the last one.
//
// Latency is measured per leg, as perfdhcp reports it: DISCOVER->OFFER and
// REQUEST->ACK. A send is stamped just before the sendmmsg that carries it;
// an arrival is the kernel's receive timestamp (SO_TIMESTAMPNS), so the
// time the generator itself takes to get round to reading a reply is not
// charged to the server. Both are CLOCK_REALTIME, the clock the kernel
// stamps with.
#pragma once

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "dhcp_socket.h"

namespace bs::load {

struct MeasureOptions {
  double rate_per_s = 1000;  // new exchanges started per second
  double seconds = 10;       // how long to start new exchanges
  uint64_t exchanges = 0;    // if > 0, start exactly this many instead
  // 0: every exchange is a new MAC; N: each picks one of N MACs at random,
  // as perfdhcp -R N does (a MAC seen before renews its address).
  uint32_t mac_space = 0;
  uint32_t first_mac = 0;   // index of the first MAC (02:10:ad:...)
  int drop_time_ms = 1000;  // unanswered this long: dropped
  int tick_us = 200;        // at most one send/receive round per tick
  Ip4 relay_address;        // giaddr in relay mode; zero in client mode
  // Option 60 sent in every DISCOVER and REQUEST (empty: none), so one run
  // can stand for a class of devices (a public counter, a phone).
  std::string vendor_class;
  uint64_t seed = 1;
};

struct MeasureResult {
  uint64_t exchanges_planned = 0;
  uint64_t discovers_sent = 0, offers = 0, requests_sent = 0, acks = 0, naks = 0;
  uint64_t offer_drops = 0, ack_drops = 0;  // no reply within the drop time
  uint64_t late_replies = 0;                // after the drop time
  uint64_t stray_replies = 0;               // not matching any exchange
  uint64_t unresolved = 0;                  // still waiting when the run was stopped
  uint64_t send_stalls = 0;                 // rounds that left datagrams queued
  uint64_t send_errors = 0, socket_overflows = 0;
  uint64_t kernel_stamped = 0, user_stamped = 0;  // replies by timestamp source
  double nominal_s = 0;                           // planned exchanges / rate
  double send_s = 0;  // first to last DISCOVER actually sent (>= nominal if behind)
  double wall_s = 0;  // the whole run, including the final wait
  double cpu_user_s = 0, cpu_system_s = 0;
  std::vector<float> offer_latency_ms;  // DISCOVER -> OFFER
  std::vector<float> ack_latency_ms;    // REQUEST -> ACK
  std::vector<float> lease_latency_ms;  // DISCOVER -> ACK: the time to a lease
};

MeasureResult measure(DhcpSocket& socket, const MeasureOptions& options,
                      const volatile std::sig_atomic_t& stop);

// The p-th percentile (0..100) by linear interpolation between ranks, the
// way bench/peer_bench.py computes it for perfdhcp's samples; 0 if empty.
double interpolated_percentile(std::vector<float> samples, double p);

}  // namespace bs::load
