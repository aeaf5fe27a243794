// First start without a power-cut window. SQLite creates a database file
// before it writes the schema into it; a cut in between leaves a file that
// exists but holds no schema, which the next start rightly refuses (it may
// be a truncated lease file). So the schema is written to a side file and
// only a complete, fsync'd database is renamed to the real name.
#include "store/db_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/file_sync.h"
#include "store/lease_row.h"
#include "store/shutdown_marker.h"
#include "store/sqlite_store.h"

namespace bs::store {
namespace {

StoreError errno_error(const std::string& what, const std::string& path) {
  const int saved = errno;
  StoreError error{fmt::format("{} {}: {}", what, path, std::strerror(saved))};
  if (saved == ENOSPC || saved == EDQUOT) error.fault = StoreFault::DiskFull;
  if (saved == EROFS) error.fault = StoreFault::ReadOnly;
  if (saved == EIO) error.fault = StoreFault::IoError;
  return error;
}

tl::expected<void, StoreError> remove_if_present(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return tl::unexpected(errno_error("remove", path));
  return {};
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

// Creates the empty file SQLite then fills, so its mode is ours and not
// SQLite's default 0644; O_EXCL|O_NOFOLLOW: nothing planted there is used.
tl::expected<void, StoreError> create_empty(const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kLeaseFileMode);
  if (fd < 0) return tl::unexpected(errno_error("create", path));
  ::close(fd);
  return restrict_file_mode(path);
}

// The schema in one transaction with the rollback journal: with WAL the
// schema would sit in a -wal file that a rename of the main file leaves
// behind. synchronous=FULL fsyncs the file at COMMIT.
tl::expected<void, StoreError> write_schema(const std::string& path, const char* vfs) {
  if (auto created = create_empty(path); !created) return created;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
  const std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return tl::unexpected(StoreError{fmt::format(
        "{}: cannot create: {}", path, raw != nullptr ? sqlite3_errmsg(raw) : "no memory")});
  }
  const std::string sql =
      std::string("PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; BEGIN IMMEDIATE;") +
      kCreateSchema + "COMMIT;";
  if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    StoreError failed{fmt::format("{}: cannot create schema: {}", path, sqlite3_errmsg(db.get()))};
    failed.fault = fault_of(sqlite3_extended_errcode(db.get()), sqlite3_system_errno(db.get()));
    return tl::unexpected(std::move(failed));
  }
  return {};
}

}  // namespace

tl::expected<void, StoreError> restrict_file_mode(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return tl::unexpected(errno_error("stat", path));
  const mode_t mode = info.st_mode & 07777;
  if ((mode & ~static_cast<mode_t>(kLeaseFileMode)) == 0) return {};
  if (::chmod(path.c_str(), mode & kLeaseFileMode) != 0) {
    return tl::unexpected(errno_error("chmod", path));
  }
  return {};
}

std::string creating_path(const std::string& database_path) { return database_path + ".creating"; }

tl::expected<void, StoreError> sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(errno_error("open", path));
  const int rc = ::fsync(fd);
  if (rc != 0) {
    auto failed = errno_error("fsync", path);
    ::close(fd);
    return tl::unexpected(std::move(failed));
  }
  ::close(fd);
  return {};
}

tl::expected<void, StoreError> sync_directory_of(const std::string& path) {
  auto synced = fsync_directory_of(path);
  if (synced) return {};
  errno = synced.error().error_number;
  return tl::unexpected(errno_error(synced.error().step, synced.error().directory));
}

tl::expected<std::string, StoreError> build_empty_database(const std::string& path,
                                                           const char* vfs) {
  const std::string side = creating_path(path);
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    if (auto removed = remove_if_present(side + suffix); !removed)
      return tl::unexpected(removed.error());
  }
  if (auto written = write_schema(side, vfs); !written) {
    (void)remove_if_present(side);
    (void)remove_if_present(side + "-journal");
    return tl::unexpected(written.error());
  }
  return side;
}

tl::expected<void, StoreError> publish_database(const std::string& built, const std::string& path,
                                                bool replace) {
  if (auto synced = sync_file(built); !synced) return synced;
  // RENAME_NOREPLACE: two first starts at once must not swap a database
  // that already holds leases for an empty one.
  const unsigned flags = replace ? 0u : static_cast<unsigned>(RENAME_NOREPLACE);
  int rc = ::renameat2(AT_FDCWD, built.c_str(), AT_FDCWD, path.c_str(), flags);
  if (rc != 0 && errno == EINVAL && !replace) {
    // File systems without RENAME_NOREPLACE: link() fails rather than replace.
    rc = ::link(built.c_str(), path.c_str());
    if (rc == 0) rc = ::unlink(built.c_str());
  }
  if (rc != 0) return tl::unexpected(errno_error("rename " + built + " to", path));
  return sync_directory_of(path);
}

tl::expected<void, StoreError> create_database_file(const std::string& path, const char* vfs) {
  auto built = build_empty_database(path, vfs);
  if (!built) return tl::unexpected(built.error());
  auto published = publish_database(*built, path, false);
  if (!published) (void)remove_if_present(*built);
  return published;
}

tl::expected<void, StoreError> check_missing_database(const std::string& path) {
  std::error_code ignored;
  // A link to nowhere: creating the database would fail with a confusing
  // "File exists" from the rename, and the leases are probably where the
  // link used to point (an unmounted disk, a moved directory).
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, ignored))) {
    const auto target = std::filesystem::read_symlink(path, ignored);
    return tl::unexpected(StoreError{fmt::format(
        "{}: lease database path is a symbolic link to {}, which does not exist (is its file "
        "system mounted?); fix the link, or remove it to start a new database",
        path, target.string())});
  }
  for (const std::string& left : {path + "-wal", shutdown_marker_path(path)}) {
    if (std::filesystem::exists(left, ignored)) {
      return tl::unexpected(StoreError{fmt::format(
          "{}: lease database is missing but {} is still there; refusing to start with an empty "
          "lease table (restore the database, or remove {} to really start afresh)",
          path, left, left)});
    }
  }
  return {};
}

}  // namespace bs::store
