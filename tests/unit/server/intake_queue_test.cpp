// The intake's promises: FIFO within a band, higher bands first, ageing so
// a low band is never starved, eviction of the lowest band when full, and
// stale packets dropped rather than handled.
#include "server/intake_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace bs::server {
namespace {

io::RxPacket tagged(uint8_t tag) {
  io::RxPacket packet;
  packet.payload = {tag};
  return packet;
}

void push(IntakeQueue& queue, uint8_t tag, uint8_t band, int64_t now_ms) {
  io::RxPacket packet = tagged(tag);
  queue.push(packet, band, now_ms);
}

std::vector<uint8_t> drain(IntakeQueue& queue, int64_t now_ms) {
  std::vector<uint8_t> tags;
  while (auto packet = queue.pop(now_ms)) tags.push_back(packet->payload.at(0));
  return tags;
}

TEST(IntakeQueue, OneBandIsFirstInFirstOut) {
  IntakeQueue queue;
  for (uint8_t tag = 1; tag <= 5; ++tag) push(queue, tag, 0, 0);
  EXPECT_EQ(drain(queue, 0), (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(queue.empty());
}

TEST(IntakeQueue, HigherBandsGoFirstAndKeepTheirOrder) {
  IntakeQueue queue;
  push(queue, 1, 0, 0);
  push(queue, 2, 0, 0);
  push(queue, 3, 5, 0);
  push(queue, 4, 2, 0);
  push(queue, 5, 5, 0);
  EXPECT_EQ(drain(queue, 0), (std::vector<uint8_t>{3, 5, 4, 1, 2}));
}

TEST(IntakeQueue, AgeingLetsALowBandThrough) {
  IntakeQueue queue({.capacity = 100, .aging_step_ms = 100, .max_age_ms = 10'000});
  push(queue, 1, 0, 0);  // waits 700 ms: effective band 7
  push(queue, 2, 6, 650);
  push(queue, 3, 7, 690);
  // Band 0's head has waited 7 steps (rank 7) and ties band 7, whose head
  // waited none; the tie goes to the higher band, then the old one.
  EXPECT_EQ(queue.pop(700)->payload.at(0), 3);
  EXPECT_EQ(queue.pop(700)->payload.at(0), 1);
  EXPECT_EQ(queue.pop(700)->payload.at(0), 2);
}

TEST(IntakeQueue, AFullIntakeEvictsTheNewestOfTheLowestBand) {
  IntakeQueue queue({.capacity = 3, .aging_step_ms = 250, .max_age_ms = 4000});
  push(queue, 1, 0, 0);
  push(queue, 2, 0, 0);
  push(queue, 3, 1, 0);
  push(queue, 4, 4, 0);  // evicts 2, the newest of band 0
  push(queue, 5, 0, 0);  // nothing below band 0: refused
  EXPECT_EQ(queue.counters().evicted, 1u);
  EXPECT_EQ(queue.counters().refused, 1u);
  EXPECT_EQ(drain(queue, 0), (std::vector<uint8_t>{4, 3, 1}));
}

TEST(IntakeQueue, StalePacketsAreDroppedNotHandled) {
  IntakeQueue queue({.capacity = 10, .aging_step_ms = 250, .max_age_ms = 1000});
  push(queue, 1, 0, 0);
  push(queue, 2, 3, 0);
  push(queue, 3, 0, 900);
  EXPECT_EQ(drain(queue, 1500), (std::vector<uint8_t>{3}));
  EXPECT_EQ(queue.counters().stale, 2u);
}

}  // namespace
}  // namespace bs::server
