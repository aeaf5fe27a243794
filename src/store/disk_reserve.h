// The disk reserve: space held back on the lease file's file system, so a
// disk that something else filled does not stop the DHCP service. It is a
// file of its own beside the lease file ("<database>.reserve"), allocated
// with fallocate and synced while the disk has room. When the lease store
// reports the disk full (at start-up, or a commit later), the daemon
// removes it and the next commit has room again; once the disk has room
// for it twice over, the daemon allocates it again. The same trick as a
// database administrator's ballast file: the server cannot make a lease
// durable without room to write it, and it must never ACK one it has not
// made durable, so the room is put aside while there is plenty.
//
// What it cannot do: a writer that keeps filling the disk takes the freed
// room too; the reserve buys the operator time (its size in leases: about
// 4 KiB per lease written between WAL checkpoints, far less in the file),
// and the log and the status page say that it was used.
#pragma once

#include <cstdint>
#include <string>
#include <tl/expected.hpp>

namespace bs::store {

// "<database>.reserve"
std::string disk_reserve_path(const std::string& database_path);

enum class ReserveState : uint8_t {
  Held,     // the file is there, at least the asked size
  Created,  // allocated and synced just now
  NoRoom,   // missing, and the disk has less than twice its size free
};
const char* to_string(ReserveState state);

// Makes sure the reserve exists: allocates it (a temporary name, fallocate,
// fsync, rename, fsync of the directory) when it is missing or short and
// the file system has at least twice size_bytes free for unprivileged
// writers. An error is an I/O failure other than a full disk.
tl::expected<ReserveState, std::string> keep_disk_reserve(const std::string& database_path,
                                                          uint64_t size_bytes);

// Removes the reserve durably; returns the bytes it held (0: there was
// none).
tl::expected<uint64_t, std::string> release_disk_reserve(const std::string& database_path);

}  // namespace bs::store
