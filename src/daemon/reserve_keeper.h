// When the daemon allocates and when it gives up the disk reserve beside
// a lease file (store/disk_reserve.h): given up the moment the lease store
// reports the disk full (at start-up or by a failed commit), allocated
// again once the disk has room for it, looked at no more often than every
// kKeepEvery_ms. Each change is one log line and, in the server's event
// log, one storage event the status page shows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/platform.h"
#include "server/server.h"

namespace bs::daemon {

class ReserveKeeper {
 public:
  // size_bytes 0: no reserve (nothing is allocated, nothing removed).
  ReserveKeeper(Platform& platform, std::string database, uint64_t size_bytes)
      : platform_(platform), database_(std::move(database)), size_bytes_(size_bytes) {}

  // Frees the reserve's room because the store found the disk full
  // (`where`: at start-up, a commit). True if there was room to free.
  bool release(std::string_view where, server::Server* server);
  // After each batch: releases if commits fail for a full disk, else
  // re-allocates the reserve when it is missing, at most every
  // kKeepEvery_ms.
  void after_batch(server::Server& server);
  // Allocates the reserve if it is missing. The first batch calls it, not
  // the start-up: a first start's allocation (fallocate, two fsyncs) is
  // not worth delaying the leases' load for.
  void keep();

  static constexpr int64_t kKeepEvery_ms = 10'000;

 private:
  Platform& platform_;
  std::string database_;
  uint64_t size_bytes_;
  bool maybe_held_ = true;  // false once released or found without room
  bool looked_ = false;     // keep() ran at least once
  bool said_no_room_ = false;
  int64_t next_keep_ms_ = 0;
};

}  // namespace bs::daemon
