// The HA state on disk: this server's last state, its sequence numbers
// (own, acknowledged by the partner, applied from the partner) and a
// reserved block of its own sequence numbers. Written whole to a temporary
// file, fsync'd, renamed over the old one and the directory fsync'd, so a
// power cut leaves the old state or the new one, never a mix.
//
// Own sequence numbers are reserved in blocks: the file records the end of
// the block in use, and a start after a power cut continues past it, so a
// number is never given twice without an fsync per update. What a restart
// does with the rest: a start always begins in `waiting` (pair_state.h).
#pragma once

#include <cstdint>
#include <string>
#include <tl/expected.hpp>

#include "ha/pair_state.h"

namespace bs::ha {

// Sequence numbers reserved per write of the file.
inline constexpr uint64_t kSequenceBlock = 1'000'000;

struct StateFile {
  Persisted persisted;
  uint64_t sequence_reserved_until = 0;  // own numbers up to this may be in use
};

// The text form: "key value" lines, one per field, then "end".
std::string format_state(const StateFile& state);
tl::expected<StateFile, std::string> parse_state_file(std::string_view text);

// Missing file: a first start (all zero, waiting). Unreadable or damaged:
// an error, for the daemon to refuse to start with (guessing sequence
// numbers could reuse one).
tl::expected<StateFile, std::string> load_state_file(const std::string& path);
tl::expected<void, std::string> save_state_file(const std::string& path, const StateFile& state);

// What a start restores: own sequence numbers continue past the reserved
// block, so none given out before a power cut is given again.
Persisted restore_after_start(const StateFile& state);

}  // namespace bs::ha
