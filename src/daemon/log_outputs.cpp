// The daemon's log sinks; see log_outputs.h.
#include "daemon/log_outputs.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "control/log_severity.h"

namespace bs::daemon {
namespace {

// Lines as spdlog prints them by default, minus the (empty) logger name.
constexpr const char* kPlainPattern = "[%Y-%m-%d %H:%M:%S.%e] [%l] %v";
// journald reads "<N>" (sd-daemon(3)'s SD_ERR etc.) as the line's priority.
constexpr const char* kJournalPattern = "%*%v";

class JournalPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    static constexpr const char* kPrefixes[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", ""};
    const auto level = static_cast<size_t>(msg.level);
    const std::string_view prefix = level < std::size(kPrefixes) ? kPrefixes[level] : "";
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriorityFlag>();
  }
};

spdlog::sink_ptr stderr_sink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (fd_is_journal_stream(STDERR_FILENO)) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JournalPriorityFlag>('*').set_pattern(kJournalPattern);
    sink->set_formatter(std::move(formatter));
  } else {
    sink->set_pattern(kPlainPattern);
  }
  return sink;
}

tl::expected<spdlog::sink_ptr, std::string> sink_for(const config::LogOutput& output) {
  const std::string& where = output.output;
  if (where == "stderr") return stderr_sink();
  spdlog::sink_ptr sink;
  if (where == "stdout") {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else if (where == "syslog" || where.starts_with("syslog:")) {
    const std::string facility_name = where == "syslog" ? "local0" : where.substr(7);
    const int facility = syslog_facility(facility_name);
    if (facility < 0) return tl::unexpected("unknown syslog facility \"" + facility_name + "\"");
    // syslog adds its own time stamp and level.
    auto syslog =
        std::make_shared<spdlog::sinks::syslog_sink_mt>("blackstart", LOG_PID, facility, true);
    syslog->set_pattern("%v");
    return syslog;
  } else {
    // Opening a file throws spdlog_ex; this runs once at start, not per packet.
    try {
      if (output.maxsize_bytes == 0) {
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(where);
      } else {
        sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(where, output.maxsize_bytes,
                                                                      output.maxver);
      }
    } catch (const spdlog::spdlog_ex& failure) {
      return tl::unexpected(std::string(failure.what()));
    }
  }
  sink->set_pattern(kPlainPattern);
  return sink;
}

}  // namespace

bool fd_is_journal_stream(int fd) {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat info {};
  if (::fstat(fd, &info) != 0) return false;
  return info.st_dev == device && info.st_ino == inode;
}

int syslog_facility(const std::string& name) {
  static constexpr std::pair<std::string_view, int> kFacilities[] = {
      {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}, {"daemon", LOG_DAEMON},
      {"user", LOG_USER}};
  std::string lower;
  for (const char c : name) lower.push_back(static_cast<char>(std::tolower(c)));
  for (const auto& [facility_name, value] : kFacilities) {
    if (facility_name == lower) return value;
  }
  return -1;
}

tl::expected<void, std::string> open_log_outputs(const config::Config& config) {
  std::vector<spdlog::sink_ptr> sinks;
  if (config.log_outputs.empty()) sinks.push_back(stderr_sink());
  bool flush_each_line = config.log_outputs.empty();
  for (const config::LogOutput& output : config.log_outputs) {
    auto sink = sink_for(output);
    if (!sink) return tl::unexpected("log output \"" + output.output + "\": " + sink.error());
    sinks.push_back(std::move(*sink));
    flush_each_line = flush_each_line || output.flush;
  }
  auto logger = std::make_shared<spdlog::logger>("", sinks.begin(), sinks.end());
  logger->set_level(control::level_for_severity(config.log_severity));
  // Kea's "flush": false lets a file buffer; errors are always flushed.
  logger->flush_on(flush_each_line ? spdlog::level::trace : spdlog::level::err);
  spdlog::set_default_logger(std::move(logger));
  return {};
}

}  // namespace bs::daemon
