// The HA resync journal (journal.h). Record: u32 body length, u32 FNV-1a
// of the body, then the body: u8 kind (0 base, 1 change), u64 sequence;
// a change adds u32 address, u8 has_lease and, if set, the lease: u8
// htype, u8 hw length, hw, u16 client-id length, client-id, u16 hostname
// length, hostname, u32 subnet id, u32 valid lifetime s, i64 cltt s (this
// server's clock: the journal never leaves the machine), u8 state.
#include "ha/journal.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "common/assert.h"
#include "common/byte_order.h"
#include "common/file_sync.h"

namespace bs::ha {
namespace {

constexpr uint8_t kBase = 0;
constexpr uint8_t kChange = 1;
constexpr size_t kHeaderBytes = 8;
constexpr size_t kMaxBodyBytes = 1024;  // a lease record is far smaller

uint32_t fnv1a(std::span<const uint8_t> bytes) {
  uint32_t hash = 2166136261U;
  for (uint8_t byte : bytes) hash = (hash ^ byte) * 16777619U;
  return hash;
}

void append_be64(Bytes& out, uint64_t value) {
  append_be32(out, static_cast<uint32_t>(value >> 32));
  append_be32(out, static_cast<uint32_t>(value));
}

void frame_record(const Bytes& body, Bytes& out) {
  append_be32(out, static_cast<uint32_t>(body.size()));
  append_be32(out, fnv1a(body));
  out.insert(out.end(), body.begin(), body.end());
}

void encode_lease(const Lease& lease, Bytes& out) {
  out.push_back(lease.hw_address.htype);
  out.push_back(lease.hw_address.length);
  const auto hw = lease.hw_address.view();
  out.insert(out.end(), hw.begin(), hw.end());
  const size_t id_bytes = std::min<size_t>(lease.client_id.size(), 255);
  append_be16(out, static_cast<uint16_t>(id_bytes));
  out.insert(out.end(), lease.client_id.begin(), lease.client_id.begin() + id_bytes);
  const size_t name_bytes = std::min<size_t>(lease.hostname.size(), 255);
  append_be16(out, static_cast<uint16_t>(name_bytes));
  out.insert(out.end(), lease.hostname.begin(), lease.hostname.begin() + name_bytes);
  append_be32(out, lease.subnet_id);
  append_be32(out, lease.valid_lifetime_s);
  append_be64(out, static_cast<uint64_t>(lease.cltt_s));
  out.push_back(static_cast<uint8_t>(lease.state));
}

// Reads fields in order; every read fails once past the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return at_ == bytes_.size(); }
  uint8_t u8() { return need(1) ? bytes_[at_++] : 0; }
  uint16_t u16() { return need(2) ? advance(load_be16(bytes_, at_), 2) : 0; }
  uint32_t u32() { return need(4) ? advance(load_be32(bytes_, at_), 4) : 0; }
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
  template <typename T>
  T advance(T value, size_t count) {
    at_ += count;
    return value;
  }
  bool need(size_t count) {
    if (!ok_ || bytes_.size() - at_ < count) ok_ = false;
    return ok_;
  }
  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
  bool ok_ = true;
};

std::optional<Lease> decode_lease(Reader& in, Ip4 address) {
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
  lease.cltt_s = static_cast<int64_t>(in.u64());
  const uint8_t state = in.u8();
  if (!in.ok() || state > static_cast<uint8_t>(LeaseState::Reclaimed)) return std::nullopt;
  lease.state = static_cast<LeaseState>(state);
  return lease;
}

struct Record {
  uint8_t kind = kBase;
  JournalEntry entry;
};

// One record from `bytes` at `at`; nothing: torn or damaged (the end).
std::optional<Record> read_record(std::span<const uint8_t> bytes, size_t& at) {
  if (bytes.size() - at < kHeaderBytes) return std::nullopt;
  const uint32_t length = load_be32(bytes, at);
  const uint32_t checksum = load_be32(bytes, at + 4);
  if (length > kMaxBodyBytes || bytes.size() - at - kHeaderBytes < length) return std::nullopt;
  const auto body = bytes.subspan(at + kHeaderBytes, length);
  if (fnv1a(body) != checksum) return std::nullopt;
  Reader in(body);
  Record record;
  record.kind = in.u8();
  record.entry.sequence = in.u64();
  if (record.kind == kChange) {
    record.entry.address = Ip4{in.u32()};
    const uint8_t has_lease = in.u8();
    if (has_lease > 1) return std::nullopt;
    if (has_lease == 1) {
      record.entry.after = decode_lease(in, record.entry.address);
      if (!record.entry.after) return std::nullopt;
    }
  } else if (record.kind != kBase) {
    return std::nullopt;
  }
  if (!in.ok() || !in.at_end()) return std::nullopt;
  at += kHeaderBytes + length;
  return record;
}

Bytes base_record(uint64_t base) {
  Bytes body{kBase};
  append_be64(body, base);
  Bytes out;
  frame_record(body, out);
  return out;
}

bool write_all(int fd, std::span<const uint8_t> bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t count = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return false;
    written += static_cast<size_t>(count);
  }
  return true;
}

bool read_whole(int fd, Bytes& out) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return false;
  out.resize(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t count =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return false;
    done += static_cast<size_t>(count);
  }
  return true;
}

}  // namespace

void encode_journal_entry(const JournalEntry& entry, std::vector<uint8_t>& out) {
  Bytes body{kChange};
  append_be64(body, entry.sequence);
  append_be32(body, entry.address.value);
  body.push_back(entry.after ? 1 : 0);
  if (entry.after) encode_lease(*entry.after, body);
  frame_record(body, out);
}

Journal::Journal(size_t capacity, uint64_t base) : capacity_(capacity), base_(base) {
  BS_ASSERT(capacity_ > 0);
}

tl::expected<Journal, std::string> Journal::open(const std::string& path, size_t capacity,
                                                 uint64_t history_start) {
  const bool existed = ::access(path.c_str(), F_OK) == 0;
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return tl::unexpected("open " + path + ": " + std::strerror(errno));
  Journal journal(capacity, history_start);
  journal.path_ = path;
  Bytes bytes;
  if (!read_whole(fd.get(), bytes))
    return tl::unexpected("read " + path + ": " + std::strerror(errno));
  size_t at = 0;
  auto first = read_record(bytes, at);
  if (existed && first && first->kind == kBase) {
    journal.base_ = first->entry.sequence;
    while (auto record = read_record(bytes, at)) {
      if (record->kind != kChange || record->entry.sequence <= journal.last_sequence()) break;
      journal.entries_.push_back(std::move(record->entry));
      ++journal.file_records_;
    }
    if (at < bytes.size()) {
      spdlog::warn("HA journal {}: {} bytes of a torn or damaged tail cut off", path,
                   bytes.size() - at);
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(at)) != 0 || ::fsync(fd.get()) != 0) {
      return tl::unexpected("truncate " + path + ": " + std::strerror(errno));
    }
    for (const JournalEntry& entry : journal.entries_) {
      journal.last_of_[entry.address.value] = entry.sequence;
    }
    while (journal.entries_.size() > capacity) journal.forget_oldest();
  } else {
    // New (or without a readable base): nothing is known to be here.
    const Bytes base = base_record(history_start);
    if (::ftruncate(fd.get(), 0) != 0 || !write_all(fd.get(), base) || ::fsync(fd.get()) != 0 ||
        !fsync_directory_of(path).has_value()) {
      return tl::unexpected("create " + path + ": " + std::strerror(errno));
    }
  }
  if (::lseek(fd.get(), 0, SEEK_END) < 0) return tl::unexpected("seek " + path);
  journal.fd_ = std::move(fd);
  return journal;
}

void Journal::append(uint64_t sequence, Ip4 address, const std::optional<Lease>& after) {
  BS_ASSERT(sequence > last_sequence());
  entries_.push_back(JournalEntry{sequence, address, after});
  last_of_[address.value] = sequence;
  if (fd_.valid()) {
    encode_journal_entry(entries_.back(), pending_);
    ++file_records_;
  }
  while (entries_.size() > capacity_) forget_oldest();
}

void Journal::forget_oldest() {
  const JournalEntry& oldest = entries_.front();
  base_ = oldest.sequence;
  const auto it = last_of_.find(oldest.address.value);
  if (it != last_of_.end() && it->second == oldest.sequence) last_of_.erase(it);
  entries_.pop_front();
}

void Journal::fail(const char* what) {
  spdlog::error("HA journal {}: {}: {}; the partner will get a full dump", path_, what,
                std::strerror(errno));
  pending_.clear();
  base_ = last_sequence();
  entries_.clear();
  last_of_.clear();
  fd_.reset();  // stays in memory from here; a restart reopens the file
}

bool Journal::flush() {
  if (!fd_.valid()) return path_.empty();
  if (file_records_ > 2 * capacity_) return rewrite_file();
  if (pending_.empty()) return true;
  if (!write_all(fd_.get(), pending_)) {
    fail("write");
    return false;
  }
  pending_.clear();
  unsynced_ = true;
  return true;
}

bool Journal::sync() {
  if (!fd_.valid()) return path_.empty();
  if (!flush()) return false;
  if (!unsynced_) return true;
  unsynced_ = false;
  if (::fdatasync(fd_.get()) != 0) {
    fail("fdatasync");
    return false;
  }
  return true;
}

// The file keeps only what memory keeps: a new file beside it, then a
// rename, so a power cut leaves the old file or the new one.
bool Journal::rewrite_file() {
  const std::string temporary = path_ + ".tmp";
  Bytes bytes = base_record(base_);
  for (const JournalEntry& entry : entries_) encode_journal_entry(entry, bytes);
  UniqueFd fd(::open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid() || !write_all(fd.get(), bytes) || ::fsync(fd.get()) != 0 ||
      ::rename(temporary.c_str(), path_.c_str()) != 0 || !fsync_directory_of(path_).has_value()) {
    fail("rewrite");
    return false;
  }
  fd_ = std::move(fd);
  pending_.clear();
  unsynced_ = false;
  file_records_ = entries_.size();
  return true;
}

std::vector<JournalEntry> Journal::entries_after(uint64_t after_sequence, size_t limit) const {
  std::vector<JournalEntry> out;
  auto it = std::upper_bound(
      entries_.begin(), entries_.end(), after_sequence,
      [](uint64_t sequence, const JournalEntry& entry) { return sequence < entry.sequence; });
  for (; it != entries_.end() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

uint64_t Journal::last_change_of(Ip4 address) const {
  const auto it = last_of_.find(address.value);
  return it == last_of_.end() ? 0 : it->second;
}

const JournalEntry* Journal::latest_of(Ip4 address) const {
  const uint64_t sequence = last_change_of(address);
  if (sequence == 0) return nullptr;
  const auto it = std::lower_bound(
      entries_.begin(), entries_.end(), sequence,
      [](const JournalEntry& entry, uint64_t wanted) { return entry.sequence < wanted; });
  BS_ASSERT(it != entries_.end() && it->sequence == sequence);
  return &*it;
}

}  // namespace bs::ha
