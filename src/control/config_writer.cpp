// config-write's checks and its crash-safe write. rename(2) replaces a
// directory entry and never writes through it, so once the temporary file
// is ours (O_EXCL, O_NOFOLLOW) the only question is which name it takes; the
// checks below decide that, and a name that was free when checked is taken
// with RENAME_NOREPLACE so a file planted in between is not replaced either.
#include "control/config_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "common/unique_fd.h"
#include "store/shutdown_marker.h"

namespace bs::control {
namespace {

namespace fs = std::filesystem;
using Failed = tl::unexpected<std::string>;

struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> id_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return FileId{info.st_dev, info.st_ino};
}

std::string errno_text() { return std::strerror(errno); }

fs::path canonical_or_empty(const fs::path& path) {
  std::error_code error;
  fs::path resolved = fs::weakly_canonical(path, error);
  return error ? fs::path() : resolved;
}

// "filename" made absolute against the config's directory, which must hold it.
tl::expected<fs::path, std::string> resolve_target(const ConfigWriteRequest& request) {
  const fs::path config_dir = fs::absolute(request.running_path).parent_path();
  fs::path target = request.wanted.empty() ? request.running_path : request.wanted;
  if (target.is_relative()) target = config_dir / target;
  target = fs::absolute(target).lexically_normal();
  const fs::path parent = canonical_or_empty(target.parent_path());
  const std::string name = target.filename().string();
  if (parent.empty() || parent != canonical_or_empty(config_dir) || name.empty() || name == "." ||
      name == "..") {
    return Failed("'filename' must name a file in " + config_dir.string());
  }
  return target;
}

// The lease database's files, whose loss or replacement loses every lease.
std::vector<std::string> database_files(const std::string& database) {
  return {database, database + "-wal", database + "-shm", database + "-journal",
          store::shutdown_marker_path(database)};
}

// Names the lease store uses or may use next to its database (WAL, SHM,
// journal, marker, .creating, .corrupt-*) all start with the database's name.
bool is_database_name(const fs::path& target, const std::string& database) {
  const fs::path db = fs::absolute(database).lexically_normal();
  if (canonical_or_empty(db.parent_path()) != canonical_or_empty(target.parent_path())) {
    return false;
  }
  return target.filename().string().starts_with(db.filename().string());
}

// Whether `target` exists (and so is replaced) after checking that it may be.
tl::expected<bool, std::string> check_existing(const fs::path& target,
                                               const ConfigWriteRequest& request) {
  struct stat info {};
  if (::lstat(target.c_str(), &info) != 0) {
    if (errno == ENOENT) return false;
    return Failed(fmt::format("cannot check {}: {}", target.string(), errno_text()));
  }
  if (S_ISLNK(info.st_mode)) {
    return Failed(target.string() + " is a symbolic link; config-write does not follow links");
  }
  if (!S_ISREG(info.st_mode)) return Failed(target.string() + " exists and is not a regular file");
  const FileId id{info.st_dev, info.st_ino};
  for (const std::string& file : database_files(request.database_path)) {
    if (id_of(file) == id) {
      return Failed(fmt::format("{} is the lease database file {} under another name",
                                target.string(), file));
    }
  }
  if (id_of(request.running_path) != id) {
    return Failed(fmt::format(
        "{} exists and is not the running configuration file; config-write replaces only {} "
        "or writes a new file",
        target.string(), request.running_path));
  }
  return true;
}

std::string random_suffix() {
  std::array<uint8_t, 8> bytes{};
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    // Unpredictability is defence in depth; O_EXCL is what makes it safe.
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::memcpy(bytes.data(), &now, std::min(sizeof now, bytes.size()));
  }
  std::string hex;
  for (uint8_t byte : bytes) hex += fmt::format("{:02x}", byte);
  return hex;
}

tl::expected<void, std::string> write_all(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Failed(n < 0 ? errno_text() : "short write");
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return Failed(errno_text());
  return {};
}

// A fresh temporary file in `dir` holding `text`, fsync'd; returns its name.
tl::expected<std::string, std::string> write_temp(int dir, const std::string& target_name,
                                                  const std::string& text) {
  const std::string temp = "." + target_name + "." + random_suffix() + ".tmp";
  const UniqueFd fd(
      ::openat(dir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Failed(fmt::format("cannot create {}: {}", temp, errno_text()));
  if (auto written = write_all(fd.get(), text); !written) {
    ::unlinkat(dir, temp.c_str(), 0);
    return Failed(fmt::format("cannot write {}: {}", temp, written.error()));
  }
  return temp;
}

// Renames `temp` to `name`; without `replace` an existing `name` is kept.
int publish(int dir, const std::string& temp, const std::string& name, bool replace) {
  if (replace) return ::renameat(dir, temp.c_str(), dir, name.c_str());
  int rc = ::renameat2(dir, temp.c_str(), dir, name.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL) {
    // File systems without RENAME_NOREPLACE: link() fails rather than replace.
    rc = ::linkat(dir, temp.c_str(), dir, name.c_str(), 0);
    if (rc == 0) ::unlinkat(dir, temp.c_str(), 0);
  }
  return rc;
}

}  // namespace

tl::expected<std::string, std::string> write_config_file(const ConfigWriteRequest& request) {
  auto target = resolve_target(request);
  if (!target) return Failed(target.error());
  if (is_database_name(*target, request.database_path)) {
    return Failed(fmt::format("{} is (or would be taken for) a file of the lease database {}",
                              target->string(), request.database_path));
  }
  auto exists = check_existing(*target, request);
  if (!exists) return Failed(exists.error());
  const std::string name = target->filename().string();
  const UniqueFd dir(::open(target->parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    return Failed(fmt::format("cannot open {}: {}", target->parent_path().string(), errno_text()));
  }
  auto temp = write_temp(dir.get(), name, request.text);
  if (!temp) return Failed(temp.error());
  if (publish(dir.get(), *temp, name, *exists) != 0) {
    const std::string why = errno == EEXIST ? "it appeared while writing" : errno_text();
    ::unlinkat(dir.get(), temp->c_str(), 0);
    return Failed(fmt::format("cannot write {}: {}", target->string(), why));
  }
  if (::fsync(dir.get()) != 0) {
    return Failed(fmt::format("{} written, but fsync of its directory failed: {}", target->string(),
                              errno_text()));
  }
  return target->string();
}

}  // namespace bs::control
