// The log sinks made from Kea's output_options: files get the lines and
// rotate, the journal is recognised from $JOURNAL_STREAM, syslog facility
// names resolve.
#include "daemon/log_outputs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace bs::daemon {
namespace {

class LogOutputs : public ::testing::Test {
 public:
  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bs-log-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    // Releases the file sinks before their directory goes.
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("", std::make_shared<spdlog::sinks::stderr_sink_mt>()));
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(LogOutputs, FileGetsTheLinesAtTheSeverity) {
  config::Config config;
  config.log_severity = "WARN";
  config::LogOutput file;
  file.output = (dir_ / "bs.log").string();
  config.log_outputs.push_back(file);
  ASSERT_TRUE(open_log_outputs(config).has_value());
  spdlog::info("not at WARN");
  spdlog::warn("the store is failing");
  const std::string text = read(dir_ / "bs.log");
  EXPECT_EQ(text.find("not at WARN"), std::string::npos);
  EXPECT_NE(text.find("[warning] the store is failing"), std::string::npos) << text;
}

TEST_F(LogOutputs, FileRotatesAtMaxsizeKeepingMaxver) {
  config::Config config;
  config::LogOutput file;
  file.output = (dir_ / "bs.log").string();
  file.maxsize_bytes = 1000;
  file.maxver = 2;
  config.log_outputs.push_back(file);
  ASSERT_TRUE(open_log_outputs(config).has_value());
  for (int i = 0; i < 100; ++i) spdlog::info("line {} of a log that outgrows its file", i);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "bs.1.log"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "bs.2.log"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bs.3.log"));
  EXPECT_LE(std::filesystem::file_size(dir_ / "bs.log"), 1000u);
}

TEST_F(LogOutputs, UnopenableFileIsAnError) {
  config::Config config;
  config::LogOutput file;
  file.output = (dir_ / "missing-dir" / "sub" / "bs.log").string();
  // spdlog creates missing directories; a file where the directory should be stops it.
  std::ofstream(dir_ / "missing-dir").put('x');
  config.log_outputs.push_back(file);
  auto opened = open_log_outputs(config);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().find("bs.log"), std::string::npos) << opened.error();
}

TEST_F(LogOutputs, UnknownSyslogFacilityIsAnError) {
  config::Config config;
  config::LogOutput out;
  out.output = "syslog:kernel-ish";
  config.log_outputs.push_back(out);
  auto opened = open_log_outputs(config);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().find("unknown syslog facility"), std::string::npos);
}

TEST(LogOutputNames, SyslogFacilities) {
  EXPECT_EQ(syslog_facility("local0"), LOG_LOCAL0);
  EXPECT_EQ(syslog_facility("LOCAL7"), LOG_LOCAL7);
  EXPECT_EQ(syslog_facility("daemon"), LOG_DAEMON);
  EXPECT_EQ(syslog_facility("mail"), -1);
}

// Without loggers, lines go to stderr; when stderr is the journal they carry
// journald's "<N>" priority instead of a time stamp.
std::string default_output_line(bool as_journal, const std::filesystem::path& file) {
  const int saved = ::dup(STDERR_FILENO);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ::dup2(fd, STDERR_FILENO);
  struct stat info {};
  ::fstat(fd, &info);
  if (as_journal) {
    ::setenv("JOURNAL_STREAM",
             (std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino)).c_str(), 1);
  }
  const config::Config config;  // no loggers
  const bool opened = open_log_outputs(config).has_value();
  spdlog::warn("the store is failing");
  spdlog::error("cannot write the marker");
  spdlog::default_logger()->flush();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  ::unsetenv("JOURNAL_STREAM");
  return opened ? LogOutputs::read(file) : "(not opened)";
}

TEST_F(LogOutputs, DefaultIsStderrWithJournalPriorities) {
  EXPECT_EQ(default_output_line(true, dir_ / "journal"),
            "<4>the store is failing\n<3>cannot write the marker\n");
  const std::string plain = default_output_line(false, dir_ / "plain");
  EXPECT_NE(plain.find("] [warning] the store is failing\n"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("<4>"), std::string::npos) << plain;
}

TEST_F(LogOutputs, JournalStreamNamesTheFileOnTheDescriptor) {
  const auto path = dir_ / "stream";
  std::ofstream(path).put('x');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  struct stat info {};
  ASSERT_EQ(::fstat(fd, &info), 0);
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(fd_is_journal_stream(fd));
  const std::string stream = std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
  ::setenv("JOURNAL_STREAM", stream.c_str(), 1);
  EXPECT_TRUE(fd_is_journal_stream(fd));
  ::setenv("JOURNAL_STREAM", (std::to_string(info.st_dev) + ":1").c_str(), 1);
  EXPECT_FALSE(fd_is_journal_stream(fd));
  ::unsetenv("JOURNAL_STREAM");
  ::close(fd);
}

}  // namespace
}  // namespace bs::daemon
