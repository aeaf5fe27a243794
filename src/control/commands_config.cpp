// The configuration commands: config-get, config-test, config-reload and
// config-write. config-reload shares its code with SIGHUP (Controller::
// reload_from_file): the file is validated first, and a bad file leaves the
// running config in place and says why.
#include "control/command_handlers.h"
#include "control/config_writer.h"
#include "control/controller.h"

namespace bs::control {
namespace {

struct RunningCopy {
  std::string path;
  std::string database;
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
    const RunningConfig& now = controller.running();
    return RunningCopy{now.path, now.config.lease_database.name, now.document};
  });
  if (running.path.empty()) throw CommandError("the running configuration has no file");
  const std::string text = running.document.dump(2) + "\n";
  auto written = write_config_file({running.path, wanted, running.database, text});
  if (!written) throw CommandError("config-write refused: " + written.error());
  return answer(kSuccess, "Configuration written to " + *written + " successfully",
                Json{{"filename", *written}, {"size", text.size()}});
}

}  // namespace bs::control
