// The HA resync journal: this server's own lease changes by sequence
// number, bounded and durable, so that when the partner comes back (or
// after this server restarts) the changes the partner has not
// acknowledged can be found and sent: new leases, renewals, releases,
// declines and deletions alike (a change is the lease row after it, or
// none for a deleted row). Expiries need no entry: a lease's end crosses
// the link as time left, so both servers reach it together.
//
// On disk: an append-only file of checksummed records (a "base" record
// first, then one record per change). A change is appended as it is
// committed; sync() makes the appends durable and the pipeline calls it
// before an ACK leaves whenever the partner has not acknowledged the
// change itself. A torn tail (a power cut during an append that was never
// synced) is cut off at load. Past `capacity` entries the oldest are
// forgotten and the base moves up; the file is rewritten (temporary file,
// fsync, rename) when it holds twice that. The base says how far back the
// journal reaches: every change numbered after it is here. A partner that
// needs older changes gets a full dump instead (partner_replicator.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <unordered_map>
#include <vector>

#include "alloc/lease.h"
#include "common/unique_fd.h"

namespace bs::ha {

// Changes kept by default: at ~100 bytes each, a few MB of memory; a
// partner away for longer than this many changes gets a full dump.
inline constexpr size_t kJournalEntries = 65536;

struct JournalEntry {
  uint64_t sequence = 0;
  Ip4 address;
  std::optional<Lease> after;  // empty: the row was deleted
  bool operator==(const JournalEntry&) const = default;
};

class Journal {
 public:
  // In memory only (a pair with no state file, and tests). `base`: the
  // last sequence number this journal does not reach back past.
  explicit Journal(size_t capacity = kJournalEntries, uint64_t base = 0);
  // Opens (or creates) the journal file. `history_start`: the base for a
  // new file (changes numbered up to it were made without a journal).
  static tl::expected<Journal, std::string> open(const std::string& path, size_t capacity,
                                                 uint64_t history_start);

  // Records a change (not yet durable). Numbers must rise.
  void append(uint64_t sequence, Ip4 address, const std::optional<Lease>& after);
  // Makes the appends durable. False: the file failed; the journal then
  // stops claiming the changes it could not keep (the base moves past
  // them), so the partner gets a full dump rather than a partial one.
  bool sync();
  // Writes the appends without waiting for the disk: for changes the
  // partner has acknowledged (its copy is their durability), so the file
  // stays current at the cost of a write, not an fsync.
  bool flush();

  // True when every change numbered after `after_sequence` is here.
  bool covers(uint64_t after_sequence) const { return after_sequence >= base_; }
  // Up to `limit` entries numbered after `after_sequence`, oldest first.
  std::vector<JournalEntry> entries_after(uint64_t after_sequence, size_t limit) const;
  // The number of the last change kept for `address`; 0: none kept.
  uint64_t last_change_of(Ip4 address) const;
  // The last change kept for `address`: the row as committed to the store.
  const JournalEntry* latest_of(Ip4 address) const;

  uint64_t base() const { return base_; }
  size_t size() const { return entries_.size(); }
  uint64_t last_sequence() const { return entries_.empty() ? base_ : entries_.back().sequence; }

 private:
  void forget_oldest();
  bool rewrite_file();
  void fail(const char* what);

  size_t capacity_;
  uint64_t base_;
  std::deque<JournalEntry> entries_;
  std::unordered_map<uint32_t, uint64_t> last_of_;  // address -> last kept sequence
  std::string path_;                                // empty: memory only
  UniqueFd fd_;
  size_t file_records_ = 0;       // change records in the file
  std::vector<uint8_t> pending_;  // appended, not yet written
  bool unsynced_ = false;         // written, not yet fdatasync'd
};

// One record's wire form and back (exposed for the unit tests).
void encode_journal_entry(const JournalEntry& entry, std::vector<uint8_t>& out);

}  // namespace bs::ha
