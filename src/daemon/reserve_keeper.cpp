// ReserveKeeper (reserve_keeper.h).
#include "daemon/reserve_keeper.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace bs::daemon {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

}  // namespace

bool ReserveKeeper::release(std::string_view where, server::Server* server) {
  if (size_bytes_ == 0) return false;
  auto released = platform_.release_disk_reserve(database_);
  maybe_held_ = false;
  if (!released) {
    spdlog::error("cannot remove the disk reserve: {}", released.error());
    return false;
  }
  if (*released == 0) return false;
  const std::string text = fmt::format(
      "lease disk full ({}): removed the {} MiB disk reserve {} so leases can be written again; "
      "free space on that file system, this room is all that is left",
      where, *released / kMiB, store::disk_reserve_path(database_));
  spdlog::critical("{}", text);
  if (server != nullptr) {
    server::Event event;
    event.at_s = platform_.clock().now_s();
    event.kind = server::EventKind::StorageError;
    event.text = text;
    server->record_event(std::move(event));
  }
  return true;
}

void ReserveKeeper::keep() {
  if (size_bytes_ == 0) return;
  looked_ = true;
  auto state = platform_.keep_disk_reserve(database_, size_bytes_);
  if (!state) {
    spdlog::error("cannot allocate the disk reserve: {}", state.error());
    maybe_held_ = false;
    return;
  }
  maybe_held_ = *state != store::ReserveState::NoRoom;
  if (*state == store::ReserveState::Created) {
    spdlog::info("disk reserve: {} MiB allocated at {}, given up if the disk fills",
                 size_bytes_ / kMiB, store::disk_reserve_path(database_));
    said_no_room_ = false;
  } else if (*state == store::ReserveState::NoRoom && !said_no_room_) {
    spdlog::warn("disk reserve: none, the disk has less than {} MiB free beside {}",
                 2 * size_bytes_ / kMiB, database_);
    said_no_room_ = true;
  }
}

void ReserveKeeper::after_batch(server::Server& server) {
  if (size_bytes_ == 0) return;
  const server::StoreHealth& health = server.store_health();
  if (health.failing()) {
    if (health.fault() == store::StoreFault::DiskFull && maybe_held_) {
      release("a commit failed", &server);
    }
    return;
  }
  if (maybe_held_ && looked_) return;  // the common case: no clock read per batch
  const int64_t now_ms = platform_.clock().monotonic_ms();
  if (now_ms < next_keep_ms_) return;
  next_keep_ms_ = now_ms + kKeepEvery_ms;
  keep();
}

}  // namespace bs::daemon
