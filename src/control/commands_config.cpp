// The configuration commands: config-get, config-test, config-reload and
// config-write. config-reload shares its code with SIGHUP (Controller::
// reload_from_file): the file is validated first, and a bad file leaves the
// running config in place and says why.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "control/command_handlers.h"
#include "control/controller.h"

namespace bs::control {
namespace {

namespace fs = std::filesystem;

struct RunningCopy {
  std::string path;
  Json document;
};

// config-test's text: blackstart's {"source": TEXT, "file-name": NAME}, which
// keeps line numbers, or Kea's form where the arguments are the document.
std::pair<std::string, std::string> config_test_text(const Json& request) {
  const auto args = request.find("arguments");
  if (args == request.end() || !args->is_object() || args->empty()) {
    throw CommandError("config-test needs the configuration as 'arguments': {\"Dhcp4\": {...}}");
  }
  if (args->contains("source")) {
    static constexpr std::string_view kKeys[] = {"source", "file-name"};
    const Json checked = arguments_of(request, kKeys);
    return {need_string(checked, "source"),
            opt_string(checked, "file-name").value_or("config-test")};
  }
  return {args->dump(), ""};
}

// Refuses anything but a plain file in the running config's directory:
// config-write runs as root and must not become "write any file".
fs::path checked_target(const std::string& running_path, const std::string& wanted) {
  const fs::path config_dir = fs::absolute(running_path).parent_path();
  fs::path target = wanted.empty() ? fs::path(running_path) : fs::path(wanted);
  if (target.is_relative()) target = config_dir / target;
  target = target.lexically_normal();
  std::error_code error;
  const fs::path parent = fs::weakly_canonical(target.parent_path(), error);
  if (error || parent != fs::weakly_canonical(config_dir, error) || target.filename().empty()) {
    throw CommandError("'filename' must name a file in " + config_dir.string());
  }
  if (fs::exists(target) && !fs::is_regular_file(target)) {
    throw CommandError(target.string() + " exists and is not a regular file");
  }
  return target;
}

// Writes `text` to `target` so that a crash leaves either the old or the
// new file, never half of one: temp file, fsync, rename, fsync directory.
void write_atomically(const fs::path& target, const std::string& text) {
  const std::string temp = target.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw CommandError("cannot write " + temp + ": " + std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = written == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    throw CommandError("cannot write " + target.string() + ": " + why);
  }
  const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

Json config_get(Executor& executor, const Json& request) {
  arguments_of(request, {});
  const Json document = on_pipeline<Json>(
      executor, [](Controller& controller) { return controller.running().document; });
  return answer(kSuccess, "Configuration retrieved.", document);
}

Json config_test(Executor& executor, const Json& request) {
  const auto [text, name] = config_test_text(request);
  auto parsed = parse_running_config(text, name.empty() ? "config-test" : name);
  if (!parsed) {
    config::ConfigError error = parsed.error();
    if (name.empty()) error.line = 0;  // lines of re-serialised JSON mean nothing
    return answer(kError, error.to_string());
  }
  const auto change = on_pipeline<std::optional<std::string>>(
      executor, [next = std::move(parsed->config)](Controller& controller) {
        return restart_only_change(controller.running().config, next);
      });
  if (change) {
    return answer(kSuccess,
                  "Configuration seems sane, but " + *change +
                      ": config-reload refuses that, restart blackstart to apply it.",
                  Json{{"reloadable", false}, {"restart-required", *change}});
  }
  return answer(kSuccess, "Configuration seems sane.", Json{{"reloadable", true}});
}

Json config_reload(Executor& executor, const Json& request) {
  arguments_of(request, {});
  const auto result = on_pipeline<tl::expected<std::string, std::string>>(
      executor, [](Controller& controller) { return controller.reload_from_file(); });
  if (!result) {
    return answer(
        kError, "Configuration reload failed, the running configuration stays: " + result.error());
  }
  return answer(kSuccess, *result);
}

Json config_write(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"filename"};
  const Json args = arguments_of(request, kKeys);
  const std::string wanted = opt_string(args, "filename").value_or("");
  const RunningCopy running = on_pipeline<RunningCopy>(executor, [](Controller& controller) {
    return RunningCopy{controller.running().path, controller.running().document};
  });
  if (running.path.empty()) throw CommandError("the running configuration has no file");
  const fs::path target = checked_target(running.path, wanted);
  const std::string text = running.document.dump(2) + "\n";
  write_atomically(target, text);
  return answer(kSuccess, "Configuration written to " + target.string() + " successfully",
                Json{{"filename", target.string()}, {"size", text.size()}});
}

}  // namespace bs::control
