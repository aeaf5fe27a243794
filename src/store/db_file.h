// File-level steps that must survive a power cut: making a new lease
// database appear atomically (complete schema or not at all), fsyncing files
// and directories, and the names of a database's companion files.
#pragma once

#include <string>
#include <tl/expected.hpp>

#include "store/lease_store.h"

namespace bs::store {

// Mode of every file the store creates: the lease table holds MAC addresses
// and hostnames, which are no business of other local users. SQLite gives
// the -wal, -shm and -journal files the database file's mode.
inline constexpr unsigned kLeaseFileMode = 0640;

// Takes away from `path` what kLeaseFileMode does not grant (group write,
// anything for others); a file already as tight is left alone.
tl::expected<void, StoreError> restrict_file_mode(const std::string& path);

// Where a new database is built before it is renamed into place. A leftover
// one is the debris of a cut during a first start and is simply rebuilt.
std::string creating_path(const std::string& database_path);

// fsync of a file, and of the directory holding a path (which is what makes
// a create, rename or unlink durable).
tl::expected<void, StoreError> sync_file(const std::string& path);
tl::expected<void, StoreError> sync_directory_of(const std::string& path);

// Builds an empty lease database (schema, user_version) at
// creating_path(path) with the rollback journal, fsyncs it, renames it to
// `path` without replacing anything there, and fsyncs the directory. After a
// cut at any step `path` is either absent or complete. `vfs` as for
// sqlite3_open_v2 (nullptr = default).
tl::expected<void, StoreError> create_database_file(const std::string& path, const char* vfs);

// Like create_database_file, but leaves the complete database at
// creating_path(path) and returns that name, for a caller that fills it
// first (the recovery command). Open with sqlite3 and commit before
// publish_database().
tl::expected<std::string, StoreError> build_empty_database(const std::string& path,
                                                           const char* vfs);

// fsyncs `built` and renames it over `path` (replacing it when `replace`),
// then fsyncs the directory.
tl::expected<void, StoreError> publish_database(const std::string& built, const std::string& path,
                                                bool replace);

// A lease file is missing, yet files only an existing database leaves behind
// are there (its WAL, its clean-shutdown marker), or the path is a symbolic
// link to nothing: starting empty would forget every lease, so this returns
// an error naming what is wrong.
tl::expected<void, StoreError> check_missing_database(const std::string& path);

}  // namespace bs::store
