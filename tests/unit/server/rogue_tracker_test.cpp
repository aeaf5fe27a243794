// The foreign-server table: one row per (server address, MAC), every
// sighting counted, and a bound that a spoofer cannot push past.
#include "server/rogue_tracker.h"

#include <gtest/gtest.h>

namespace bs::server {
namespace {

using Recorded = RogueTracker::Recorded;

RogueSighting sighting(uint32_t server, uint8_t mac_last_byte,
                       wire::MessageType type = wire::MessageType::Offer) {
  RogueSighting out;
  out.server = Ip4{0xc6120100 | server};
  const uint8_t mac[6] = {0x02, 0xdd, 0, 0, 0, mac_last_byte};
  out.hw_address = make_hwaddr(mac);
  out.interface = "office0";
  out.type = type;
  return out;
}

TEST(RogueTracker, ListsEachServerOnceAndCountsEverySighting) {
  RogueTracker tracker;
  EXPECT_EQ(tracker.record(sighting(2, 2), 100), Recorded::NewServer);
  EXPECT_EQ(tracker.record(sighting(2, 2), 160), Recorded::KnownServer);
  EXPECT_EQ(tracker.record(sighting(2, 2, wire::MessageType::Ack), 220), Recorded::KnownServer);
  ASSERT_EQ(tracker.servers().size(), 1u);
  const RogueServer& row = tracker.servers()[0];
  EXPECT_EQ(row.server, Ip4{0xc6120102});
  EXPECT_EQ(to_string(row.hw_address), "02:dd:00:00:00:02");
  EXPECT_EQ(row.offers, 2u);
  EXPECT_EQ(row.acks, 1u);
  EXPECT_EQ(row.sightings(), 3u);
  EXPECT_EQ(row.first_seen_s, 100);
  EXPECT_EQ(row.last_seen_s, 220);
  EXPECT_EQ(tracker.sightings_total(), 3u);
  EXPECT_EQ(tracker.untracked_total(), 0u);
}

TEST(RogueTracker, AddressAndMacTogetherNameAServer) {
  RogueTracker tracker;
  EXPECT_EQ(tracker.record(sighting(2, 2), 1), Recorded::NewServer);
  // Same address behind another MAC (a second box claiming it), and another
  // address behind the same MAC (a router serving two ranges): both new.
  EXPECT_EQ(tracker.record(sighting(2, 3), 1), Recorded::NewServer);
  EXPECT_EQ(tracker.record(sighting(3, 2), 1), Recorded::NewServer);
  EXPECT_EQ(tracker.servers().size(), 3u);
  EXPECT_NE(tracker.find(Ip4{0xc6120102}, sighting(2, 3).hw_address), nullptr);
  EXPECT_EQ(tracker.find(Ip4{0xc6120103}, sighting(3, 3).hw_address), nullptr);
}

TEST(RogueTracker, KeepsFirstAndLastInterface) {
  RogueTracker tracker;
  tracker.record(sighting(2, 2), 1);
  RogueSighting elsewhere = sighting(2, 2);
  elsewhere.interface = "lab0";
  tracker.record(elsewhere, 2);
  EXPECT_EQ(tracker.servers()[0].first_interface, "office0");
  EXPECT_EQ(tracker.servers()[0].last_interface, "lab0");
}

TEST(RogueTracker, TellsProbeAnswersFromServingClients) {
  RogueTracker tracker;
  RogueSighting probe_answer = sighting(2, 2);
  probe_answer.answered_probe = true;
  tracker.record(probe_answer, 1);
  EXPECT_FALSE(tracker.servers()[0].answered_clients);
  tracker.record(sighting(2, 2), 2);
  EXPECT_TRUE(tracker.servers()[0].answered_clients);
  tracker.record(probe_answer, 3);
  EXPECT_TRUE(tracker.servers()[0].answered_clients);
}

TEST(RogueTracker, IsBoundedButKeepsCounting) {
  RogueTracker tracker(3);
  for (uint8_t i = 1; i <= 3; ++i)
    EXPECT_EQ(tracker.record(sighting(i, i), 1), Recorded::NewServer);
  EXPECT_EQ(tracker.record(sighting(9, 9), 2), Recorded::Untracked);
  EXPECT_EQ(tracker.record(sighting(10, 10), 2), Recorded::Untracked);
  // A listed server is still counted when the table is full.
  EXPECT_EQ(tracker.record(sighting(1, 1), 3), Recorded::KnownServer);
  EXPECT_EQ(tracker.servers().size(), 3u);
  EXPECT_EQ(tracker.sightings_total(), 6u);
  EXPECT_EQ(tracker.untracked_total(), 2u);
  EXPECT_EQ(tracker.servers()[0].offers, 2u);
}

TEST(RogueTracker, DefaultBoundIs256) {
  RogueTracker tracker;
  EXPECT_EQ(tracker.capacity(), 256u);
  for (uint32_t i = 0; i < 300; ++i) {
    RogueSighting s = sighting(i & 0xff, static_cast<uint8_t>(i >> 8));
    tracker.record(s, 1);
  }
  EXPECT_EQ(tracker.servers().size(), 256u);
  EXPECT_EQ(tracker.untracked_total(), 44u);
}

}  // namespace
}  // namespace bs::server
