// The HA state file (state_file.h).
#include "ha/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "common/file_read.h"
#include "common/file_sync.h"
#include "common/unique_fd.h"

namespace bs::ha {
namespace {

constexpr size_t kMaxStateBytes = 4096;

bool parse_u64(std::string_view text, uint64_t& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

tl::expected<void, std::string> sync_directory_of(const std::string& path) {
  auto synced = fsync_directory_of(path);
  if (!synced) return tl::unexpected(synced.error().message());
  return {};
}

}  // namespace

std::string format_state(const StateFile& state) {
  const Persisted& p = state.persisted;
  std::string text = "blackstart-ha-state 1\n";
  text += "state " + std::string(to_string(p.last_state)) + "\n";
  text += "own-sequence " + std::to_string(p.own_sequence) + "\n";
  text += "partner-acked-sequence " + std::to_string(p.partner_acked_sequence) + "\n";
  text += "partner-applied-sequence " + std::to_string(p.partner_applied_sequence) + "\n";
  text += "sequence-reserved-until " + std::to_string(state.sequence_reserved_until) + "\n";
  text += "end\n";
  return text;
}

tl::expected<StateFile, std::string> parse_state_file(std::string_view text) {
  StateFile state;
  bool header = false, ended = false;
  int fields = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return tl::unexpected(std::string("no final newline"));
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    if (ended) return tl::unexpected(std::string("text after \"end\""));
    if (!header) {
      if (line != "blackstart-ha-state 1") return tl::unexpected(std::string("unknown header"));
      header = true;
      continue;
    }
    if (line == "end") {
      ended = true;
      continue;
    }
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return tl::unexpected("bad line: " + std::string(line));
    const std::string_view key = line.substr(0, space);
    const std::string_view value = line.substr(space + 1);
    uint64_t number = 0;
    if (key == "state") {
      const auto parsed = parse_state(value);
      if (!parsed) return tl::unexpected("unknown state: " + std::string(value));
      state.persisted.last_state = *parsed;
    } else if (!parse_u64(value, number)) {
      return tl::unexpected("bad number: " + std::string(line));
    } else if (key == "own-sequence") {
      state.persisted.own_sequence = number;
    } else if (key == "partner-acked-sequence") {
      state.persisted.partner_acked_sequence = number;
    } else if (key == "partner-applied-sequence") {
      state.persisted.partner_applied_sequence = number;
    } else if (key == "sequence-reserved-until") {
      state.sequence_reserved_until = number;
    } else {
      return tl::unexpected("unknown key: " + std::string(key));
    }
    ++fields;
  }
  if (!ended || fields != 5) return tl::unexpected(std::string("truncated"));
  if (state.persisted.partner_acked_sequence > state.persisted.own_sequence ||
      state.persisted.own_sequence > state.sequence_reserved_until) {
    return tl::unexpected(std::string("sequence numbers out of order"));
  }
  return state;
}

tl::expected<StateFile, std::string> load_state_file(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return StateFile{};
  auto text = read_regular_file(path, kMaxStateBytes);
  if (!text) return tl::unexpected(path + ": " + text.error());
  auto parsed = parse_state_file(*text);
  if (!parsed) return tl::unexpected(path + ": " + parsed.error());
  return parsed;
}

tl::expected<void, std::string> save_state_file(const std::string& path, const StateFile& state) {
  const std::string temporary = path + ".tmp";
  const std::string text = format_state(state);
  {
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return tl::unexpected(errno_message("open", temporary));
    size_t written = 0;
    while (written < text.size()) {
      const ssize_t count = ::write(fd.get(), text.data() + written, text.size() - written);
      if (count < 0 && errno == EINTR) continue;
      if (count <= 0) return tl::unexpected(errno_message("write", temporary));
      written += static_cast<size_t>(count);
    }
    if (::fsync(fd.get()) != 0) return tl::unexpected(errno_message("fsync", temporary));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return tl::unexpected(errno_message("rename", temporary));
  }
  return sync_directory_of(path);
}

Persisted restore_after_start(const StateFile& state) {
  Persisted restored = state.persisted;
  restored.own_sequence = std::max(restored.own_sequence, state.sequence_reserved_until);
  return restored;
}

}  // namespace bs::ha
