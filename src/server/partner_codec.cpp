// The partner link's wire form (partner_link.h). Decoding is bounds-checked
// at every field: the partner is trusted to be our partner, not to be
// free of bugs, and a bad frame costs the connection, never the process.
#include <algorithm>
#include <string>

#include "common/assert.h"
#include "common/byte_order.h"
#include "server/partner_link.h"

namespace bs::server {
namespace {

enum class Kind : uint8_t {
  Update = 1,
  Ack = 2,
  Heartbeat = 3,
  Maintenance = 4,
  SyncRequest = 5,
  SyncPage = 6,
  SyncAck = 7,
};
constexpr uint8_t kPageFull = 1;
constexpr uint8_t kPageComplete = 2;

void append_be64(Bytes& out, uint64_t value) {
  append_be32(out, static_cast<uint32_t>(value >> 32));
  append_be32(out, static_cast<uint32_t>(value));
}

void encode_lease(const Lease& lease, int64_t now_s, Bytes& out) {
  out.push_back(lease.hw_address.htype);
  out.push_back(lease.hw_address.length);
  const auto hw = lease.hw_address.view();
  out.insert(out.end(), hw.begin(), hw.end());
  append_be16(out, static_cast<uint16_t>(lease.client_id.size()));
  out.insert(out.end(), lease.client_id.begin(), lease.client_id.end());
  append_be16(out, static_cast<uint16_t>(lease.hostname.size()));
  out.insert(out.end(), lease.hostname.begin(), lease.hostname.end());
  append_be32(out, lease.subnet_id);
  append_be32(out, lease.valid_lifetime_s);
  const int64_t age_s = now_s > lease.cltt_s ? now_s - lease.cltt_s : 0;
  append_be32(out, static_cast<uint32_t>(std::min<int64_t>(age_s, UINT32_MAX)));
  out.push_back(static_cast<uint8_t>(lease.state));
}

// A cursor over the body; every read fails once past the end.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return at_ == bytes_.size(); }
  uint8_t u8() { return need(1) ? bytes_[at_++] : 0; }
  uint16_t u16() {
    if (!need(2)) return 0;
    const uint16_t value = load_be16(bytes_, at_);
    at_ += 2;
    return value;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    const uint32_t value = load_be32(bytes_, at_);
    at_ += 4;
    return value;
  }
  uint64_t u64() {
    const uint64_t high = u32();
    return (high << 32) | u32();
  }
  std::span<const uint8_t> take(size_t count) {
    if (!need(count)) return {};
    auto view = bytes_.subspan(at_, count);
    at_ += count;
    return view;
  }

 private:
  bool need(size_t count) {
    if (!ok_ || bytes_.size() - at_ < count) ok_ = false;
    return ok_;
  }
  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
  bool ok_ = true;
};

std::optional<Lease> decode_lease(Cursor& in, Ip4 address, int64_t now_s) {
  Lease lease;
  lease.address = address;
  const uint8_t htype = in.u8();
  const uint8_t hw_length = in.u8();
  if (hw_length > 16) return std::nullopt;
  lease.hw_address = make_hwaddr(in.take(hw_length), htype);
  const auto id = in.take(in.u16());
  lease.client_id.assign(id.begin(), id.end());
  const auto name = in.take(in.u16());
  lease.hostname.assign(name.begin(), name.end());
  lease.subnet_id = in.u32();
  lease.valid_lifetime_s = in.u32();
  lease.cltt_s = now_s - in.u32();
  const uint8_t state = in.u8();
  if (state > static_cast<uint8_t>(LeaseState::Reclaimed)) return std::nullopt;  // never Offered
  lease.state = static_cast<LeaseState>(state);
  if (!in.ok()) return std::nullopt;
  return lease;
}

// `count` changes; a count the frame cannot hold (5 bytes each at least)
// is refused before anything is reserved.
bool decode_changes(Cursor& in, uint32_t count, int64_t now_s, std::vector<LeaseChange>& out) {
  if (!in.ok() || count > kMaxFrameBytes / 5) return false;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    LeaseChange change;
    change.address = Ip4{in.u32()};
    const uint8_t has_lease = in.u8();
    if (!in.ok() || has_lease > 1) return false;
    if (has_lease == 1) {
      change.after = decode_lease(in, change.address, now_s);
      if (!change.after) return false;
    }
    out.push_back(std::move(change));
  }
  return true;
}

void encode_changes(std::span<const LeaseChange> changes, int64_t now_s, Bytes& out) {
  append_be32(out, static_cast<uint32_t>(changes.size()));
  for (const LeaseChange& change : changes) {
    append_be32(out, change.address.value);
    out.push_back(change.after ? 1 : 0);
    if (change.after) encode_lease(*change.after, now_s, out);
  }
}

std::optional<UpdateBatch> decode_update(Cursor& in, int64_t now_s) {
  UpdateBatch batch;
  batch.first_sequence = in.u64();
  const uint32_t count = in.u32();
  if (!in.ok() || batch.first_sequence == 0 || count == 0) return std::nullopt;
  if (!decode_changes(in, count, now_s, batch.changes)) return std::nullopt;
  return batch;
}

std::optional<SyncPage> decode_page(Cursor& in, int64_t now_s) {
  SyncPage page;
  page.page = in.u32();
  const uint8_t flags = in.u8();
  page.last_sequence = in.u64();
  const uint32_t count = in.u32();
  if (!in.ok() || (flags & ~(kPageFull | kPageComplete)) != 0) return std::nullopt;
  page.full = (flags & kPageFull) != 0;
  page.complete = (flags & kPageComplete) != 0;
  if (!decode_changes(in, count, now_s, page.changes)) return std::nullopt;
  return page;
}

std::optional<SyncRequest> decode_request(Cursor& in) {
  SyncRequest request;
  request.applied_sequence = in.u64();
  const uint8_t full = in.u8();
  if (!in.ok() || full > 1) return std::nullopt;
  request.full = full == 1;
  return request;
}

}  // namespace

void encode_frame(const LinkFrame& frame, int64_t now_s, Bytes& out) {
  const size_t start = out.size();
  append_be32(out, 0);  // the length, filled in below
  const auto sender = static_cast<uint8_t>(frame.sender_state);
  if (const auto* batch = std::get_if<UpdateBatch>(&frame.message)) {
    out.push_back(static_cast<uint8_t>(Kind::Update));
    out.push_back(sender);
    append_be64(out, batch->first_sequence);
    encode_changes(batch->changes, now_s, out);
  } else if (const auto* ack = std::get_if<UpdateAck>(&frame.message)) {
    out.push_back(static_cast<uint8_t>(Kind::Ack));
    out.push_back(sender);
    append_be64(out, ack->last_sequence);
  } else if (std::holds_alternative<Heartbeat>(frame.message)) {
    out.push_back(static_cast<uint8_t>(Kind::Heartbeat));
    out.push_back(sender);
  } else if (const auto* request = std::get_if<SyncRequest>(&frame.message)) {
    out.push_back(static_cast<uint8_t>(Kind::SyncRequest));
    out.push_back(sender);
    append_be64(out, request->applied_sequence);
    out.push_back(request->full ? 1 : 0);
  } else if (const auto* page = std::get_if<SyncPage>(&frame.message)) {
    out.push_back(static_cast<uint8_t>(Kind::SyncPage));
    out.push_back(sender);
    append_be32(out, page->page);
    out.push_back(
        static_cast<uint8_t>((page->full ? kPageFull : 0) | (page->complete ? kPageComplete : 0)));
    append_be64(out, page->last_sequence);
    encode_changes(page->changes, now_s, out);
  } else if (const auto* sync_ack = std::get_if<SyncAck>(&frame.message)) {
    out.push_back(static_cast<uint8_t>(Kind::SyncAck));
    out.push_back(sender);
    append_be32(out, sync_ack->page);
  } else {
    BS_ASSERT(std::holds_alternative<MaintenanceNotify>(frame.message));
    out.push_back(static_cast<uint8_t>(Kind::Maintenance));
    out.push_back(sender);
  }
  store_be32(out.data() + start, static_cast<uint32_t>(out.size() - start - 4));
}

std::optional<LinkFrame> decode_frame(std::span<const uint8_t> body, int64_t now_s) {
  Cursor in(body);
  const uint8_t kind = in.u8();
  const uint8_t sender = in.u8();
  if (!in.ok() || sender > static_cast<uint8_t>(ha::State::PartnerInMaintenance)) {
    return std::nullopt;
  }
  LinkFrame frame;
  frame.sender_state = static_cast<ha::State>(sender);
  switch (static_cast<Kind>(kind)) {
    case Kind::Update: {
      auto batch = decode_update(in, now_s);
      if (!batch) return std::nullopt;
      frame.message = std::move(*batch);
      break;
    }
    case Kind::Ack:
      frame.message = UpdateAck{in.u64()};
      break;
    case Kind::Heartbeat:
      frame.message = Heartbeat{};
      break;
    case Kind::Maintenance:
      frame.message = MaintenanceNotify{};
      break;
    case Kind::SyncRequest: {
      auto request = decode_request(in);
      if (!request) return std::nullopt;
      frame.message = *request;
      break;
    }
    case Kind::SyncPage: {
      auto page = decode_page(in, now_s);
      if (!page) return std::nullopt;
      frame.message = std::move(*page);
      break;
    }
    case Kind::SyncAck:
      frame.message = SyncAck{in.u32()};
      break;
    default:
      return std::nullopt;
  }
  if (!in.ok() || !in.at_end()) return std::nullopt;
  return frame;
}

}  // namespace bs::server
