// The partner link's codec and the replicator's wait: frames round-trip
// (leases carry their age, so clock skew is absorbed) and malformed ones
// are refused; a batch is acknowledged only after the partner applied it;
// two servers sending each other a batch at the same instant both get
// their acknowledgement (each serves the other's batch while it waits);
// a silent partner ends the wait at max-ack-delay in partner-unreachable;
// a batch sent twice is applied once.
#include "server/partner_replicator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/clock.h"

namespace bs::server {
namespace {

ha::HaConfig pair_config(const std::string& self, uint32_t max_ack_delay_ms = 2000) {
  ha::HaConfig config;
  config.this_server_name = self;
  config.mode = ha::Mode::LoadBalancing;
  config.heartbeat_delay_ms = 100;
  config.max_ack_delay_ms = max_ack_delay_ms;
  config.peers = {ha::Peer{"a", "", Ip4{1}, 1, ha::Role::Primary},
                  ha::Peer{"b", "", Ip4{2}, 1, ha::Role::Secondary}};
  return config;
}

// One direction of a link between two threads: framed bytes through the
// codec, like the TCP link.
struct Pipe {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Bytes> frames;
};

class PipeLink final : public PartnerLink {
 public:
  PipeLink(Pipe& in, Pipe& out, const Clock& clock) : in_(in), out_(out), clock_(clock) {}
  bool send(const LinkFrame& frame) override {
    Bytes bytes;
    encode_frame(frame, clock_.now_s(), bytes);
    std::lock_guard lock(out_.mutex);
    out_.frames.push_back(std::move(bytes));
    out_.ready.notify_all();
    return true;
  }
  size_t receive(std::vector<LinkFrame>& out, int timeout_ms) override {
    std::unique_lock lock(in_.mutex);
    in_.ready.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                       [&] { return !in_.frames.empty(); });
    size_t count = 0;
    for (; !in_.frames.empty(); in_.frames.pop_front()) {
      auto frame =
          decode_frame(std::span<const uint8_t>(in_.frames.front()).subspan(4), clock_.now_s());
      EXPECT_TRUE(frame.has_value());
      if (frame) out.push_back(std::move(*frame)), ++count;
    }
    return count;
  }

 private:
  Pipe& in_;
  Pipe& out_;
  const Clock& clock_;
};

class RecordingApplier final : public PartnerApplier {
 public:
  bool apply_partner_changes(std::span<const LeaseChange> changes) override {
    std::lock_guard lock(mutex);
    applied.insert(applied.end(), changes.begin(), changes.end());
    return true;
  }
  std::mutex mutex;
  std::vector<LeaseChange> applied;
};

LeaseChange grant(uint32_t address, int64_t now_s) {
  Lease lease;
  lease.address = Ip4{address};
  lease.hw_address = make_hwaddr(std::vector<uint8_t>{2, 0, 0, 0, 0, 1});
  lease.client_id = {1, 2, 3};
  lease.hostname = "h";
  lease.subnet_id = 7;
  lease.valid_lifetime_s = 3600;
  lease.cltt_s = now_s;
  return LeaseChange{lease.address, std::nullopt, lease};
}

// Both replicators in normal load-balancing, each with its applier.
struct Pair {
  SystemClock clock;
  Pipe a_to_b, b_to_a;
  PipeLink link_a{b_to_a, a_to_b, clock};
  PipeLink link_b{a_to_b, b_to_a, clock};
  PartnerReplicator a;
  PartnerReplicator b;
  RecordingApplier applied_at_a, applied_at_b;
  explicit Pair(uint32_t max_ack_delay_ms = 2000)
      : a(pair_config("a", max_ack_delay_ms), link_a, clock),
        b(pair_config("b", max_ack_delay_ms), link_b, clock) {
    a.set_applier(&applied_at_a);
    b.set_applier(&applied_at_b);
    for (auto* pair : {&a.pair(), &b.pair()}) {
      pair->contact(0, ha::State::Waiting);
      pair->sync_done(0);
      pair->contact(0, ha::State::Ready);
    }
  }
};

TEST(PartnerCodec, FramesRoundTripWithAgesNotClockReadings) {
  LinkFrame frame{ha::State::LoadBalancing, UpdateBatch{5, {grant(0xC6120164, 1000)}}};
  std::get<UpdateBatch>(frame.message).changes.push_back(LeaseChange{Ip4{9}, {}, {}});
  Bytes bytes;
  encode_frame(frame, 1100, bytes);  // the lease is 100 s old on the sender
  // The receiver's clock is ten minutes ahead.
  auto decoded = decode_frame(std::span<const uint8_t>(bytes).subspan(4), 1700);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->sender_state, ha::State::LoadBalancing);
  const auto& batch = std::get<UpdateBatch>(decoded->message);
  EXPECT_EQ(batch.first_sequence, 5u);
  ASSERT_EQ(batch.changes.size(), 2u);
  Lease expected = *grant(0xC6120164, 1600).after;
  EXPECT_EQ(*batch.changes[0].after, expected);
  EXPECT_FALSE(batch.changes[1].after.has_value());
  EXPECT_EQ(batch.changes[1].address, Ip4{9});
}

TEST(PartnerCodec, EveryTruncationAndTrailingByteIsRefused) {
  Bytes bytes;
  encode_frame(LinkFrame{ha::State::HotStandby, UpdateBatch{1, {grant(5, 10)}}}, 10, bytes);
  const std::span<const uint8_t> body = std::span<const uint8_t>(bytes).subspan(4);
  for (size_t size = 0; size < body.size(); ++size) {
    EXPECT_FALSE(decode_frame(body.first(size), 10)) << size;
  }
  Bytes longer(body.begin(), body.end());
  longer.push_back(0);
  EXPECT_FALSE(decode_frame(longer, 10));
  const Bytes bad_kind = {9, 0};
  EXPECT_FALSE(decode_frame(bad_kind, 10));
  const Bytes bad_state = {3, 200};
  EXPECT_FALSE(decode_frame(bad_state, 10));
}

// The resync's frames: a request, a page (with a delete among the
// changes, and ages for the leases), an ack.
std::vector<LinkFrame> sync_frames() {
  SyncPage page{3, false, true, 42, {grant(0xC6120164, 1000), LeaseChange{Ip4{9}, {}, {}}}};
  SyncPage empty_full{4, true, false, 7, {}};
  return {LinkFrame{ha::State::Syncing, SyncRequest{17, false}},
          LinkFrame{ha::State::Syncing, SyncRequest{0, true}},
          LinkFrame{ha::State::Syncing, std::move(page)},
          LinkFrame{ha::State::PartnerDown, std::move(empty_full)},
          LinkFrame{ha::State::Ready, SyncAck{3}}};
}

TEST(PartnerCodec, SyncFramesRoundTrip) {
  for (const LinkFrame& frame : sync_frames()) {
    Bytes bytes;
    encode_frame(frame, 1100, bytes);
    auto decoded = decode_frame(std::span<const uint8_t>(bytes).subspan(4), 1700);
    ASSERT_TRUE(decoded) << frame.message.index();
    EXPECT_EQ(decoded->sender_state, frame.sender_state);
    ASSERT_EQ(decoded->message.index(), frame.message.index());
    if (const auto* request = std::get_if<SyncRequest>(&frame.message)) {
      EXPECT_EQ(std::get<SyncRequest>(decoded->message).applied_sequence,
                request->applied_sequence);
      EXPECT_EQ(std::get<SyncRequest>(decoded->message).full, request->full);
    } else if (const auto* page = std::get_if<SyncPage>(&frame.message)) {
      const auto& got = std::get<SyncPage>(decoded->message);
      EXPECT_EQ(got.page, page->page);
      EXPECT_EQ(got.full, page->full);
      EXPECT_EQ(got.complete, page->complete);
      EXPECT_EQ(got.last_sequence, page->last_sequence);
      ASSERT_EQ(got.changes.size(), page->changes.size());
      if (!got.changes.empty()) {
        EXPECT_EQ(*got.changes[0].after, *grant(0xC6120164, 1600).after);  // 100 s old there too
        EXPECT_FALSE(got.changes[1].after.has_value());
      }
    } else {
      EXPECT_EQ(std::get<SyncAck>(decoded->message).page, 3u);
    }
  }
}

TEST(PartnerCodec, EveryTruncationOfASyncFrameIsRefused) {
  for (const LinkFrame& frame : sync_frames()) {
    Bytes bytes;
    encode_frame(frame, 10, bytes);
    const std::span<const uint8_t> body = std::span<const uint8_t>(bytes).subspan(4);
    for (size_t size = 0; size < body.size(); ++size) {
      EXPECT_FALSE(decode_frame(body.first(size), 10)) << size;
    }
    Bytes longer(body.begin(), body.end());
    longer.push_back(0);
    EXPECT_FALSE(decode_frame(longer, 10));
  }
  const Bytes bad_flags = {6, 1, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(decode_frame(bad_flags, 10));
  const Bytes huge_count = {6, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(decode_frame(huge_count, 10));
  const Bytes bad_full = {5, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2};
  EXPECT_FALSE(decode_frame(bad_full, 10));
}

TEST(PartnerReplicator, AcknowledgedOnlyAfterThePartnerApplied) {
  Pair pair;
  std::atomic<bool> stop = false;
  std::thread partner([&] {
    while (!stop) pair.b.poll(10);
  });
  EXPECT_TRUE(pair.a.replicate(std::vector{grant(100, 1), grant(102, 1)}));
  {
    std::lock_guard lock(pair.applied_at_b.mutex);
    EXPECT_EQ(pair.applied_at_b.applied.size(), 2u);
  }
  EXPECT_EQ(pair.a.pair().partner_acked_sequence(), 2u);
  EXPECT_EQ(pair.a.partner_acked_expiry_s(Ip4{100}), 3601);
  stop = true;
  partner.join();
}

// Both send at the same instant and both wait: without serving the
// partner's batch during the wait, both would wait max-ack-delay and fail.
TEST(PartnerReplicator, TwoServersWaitingForEachOtherDoNotDeadlock) {
  Pair pair(5000);
  bool a_ok = false, b_ok = false;
  std::thread a([&] { a_ok = pair.a.replicate(std::vector{grant(100, 1)}); });
  std::thread b([&] { b_ok = pair.b.replicate(std::vector{grant(101, 1)}); });
  const auto started = std::chrono::steady_clock::now();
  a.join();
  b.join();
  EXPECT_TRUE(a_ok);
  EXPECT_TRUE(b_ok);
  EXPECT_EQ(pair.applied_at_a.applied.size(), 1u);
  EXPECT_EQ(pair.applied_at_b.applied.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(5000));
}

TEST(PartnerReplicator, ASilentPartnerEndsTheWaitInPartnerUnreachable) {
  Pair pair(100);
  EXPECT_FALSE(pair.a.replicate(std::vector{grant(100, 1)}));
  EXPECT_EQ(pair.a.counters().batches_timed_out, 1u);
  EXPECT_EQ(pair.a.pair().state(), ha::State::PartnerUnreachable);
  EXPECT_FALSE(pair.a.required());  // next batches ACK locally, under the MCLT cap
  EXPECT_EQ(pair.a.partner_acked_expiry_s(Ip4{100}), 0);
}

TEST(PartnerReplicator, ABatchSentTwiceIsAppliedOnceAndAcknowledgedTwice) {
  Pair pair;
  LinkFrame frame{ha::State::LoadBalancing, UpdateBatch{1, {grant(100, 1)}}};
  pair.link_a.send(frame);
  pair.link_a.send(frame);
  pair.b.poll(50);
  EXPECT_EQ(pair.applied_at_b.applied.size(), 1u);
  std::vector<LinkFrame> acks;
  pair.link_a.receive(acks, 50);
  size_t ack_count = 0;
  for (const LinkFrame& ack : acks) ack_count += std::holds_alternative<UpdateAck>(ack.message);
  EXPECT_EQ(ack_count, 2u);
}

}  // namespace
}  // namespace bs::server
