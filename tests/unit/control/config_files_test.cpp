// The files the configuration commands touch. config-test reads secret files
// only through the bounded regular-file reader (no /dev/zero, no FIFO), and
// the daemon's own config load is bounded too.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "control_fixture.h"

namespace bs::control::test {
namespace {

using ConfigFilesTest = ControlTest;

Json with_password_file(const std::string& path) {
  Json config = Json::parse(office_config("/unused.sqlite3"));
  config["Dhcp4"]["control-sockets"] =
      Json::array({{{"socket-type", "http"},
                    {"authentication",
                     {{"type", "basic"},
                      {"clients", Json::array({{{"user", "a"}, {"password-file", path}}})}}}}});
  return config;
}

TEST_F(ConfigFilesTest, ConfigTestReadsNoDeviceOrFifoAsASecret) {
  Json zero = run("config-test", with_password_file("/dev/zero"));
  EXPECT_EQ(zero["result"], 1);
  EXPECT_NE(zero["text"].get<std::string>().find("character device, not a regular file"),
            std::string::npos)
      << zero.dump();
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Json blocked = run("config-test", with_password_file(fifo));
  EXPECT_NE(blocked["text"].get<std::string>().find("a FIFO, not a regular file"),
            std::string::npos)
      << blocked.dump();
}

// How much the peak RSS grows while loading `path` as the running config,
// in KiB, measured in a child held to 1 GiB more address space (an unbounded
// read would otherwise take the test machine down with it); -1 on failure.
long load_growth_kib(const std::string& path) {
  int out[2];
  if (::pipe(out) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t bytes = static_cast<rlim_t>(pages) * 4096 + (rlim_t{1} << 30);
    const rlimit cap{bytes, bytes};
    if (pages <= 0 || ::setrlimit(RLIMIT_AS, &cap) != 0) ::_exit(1);
    try {
      (void)load_running_config(path);
    } catch (...) {  // bad_alloc at the cap: the growth is what counts
    }
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    const long growth_kib = after.ru_maxrss - before.ru_maxrss;
    (void)!::write(out[1], &growth_kib, sizeof growth_kib);
    ::_exit(0);
  }
  ::close(out[1]);
  long growth_kib = -1;
  if (::read(out[0], &growth_kib, sizeof growth_kib) != sizeof growth_kib) growth_kib = -1;
  ::close(out[0]);
  ::waitpid(pid, nullptr, 0);
  return growth_kib;
}

TEST_F(ConfigFilesTest, TheDaemonsConfigLoadIsBounded) {
  // 16 MiB read (and a string that doubled on the way), not all it offers;
  // checked in a capped child first, as the old code ate all memory.
  const long growth_kib = load_growth_kib("/dev/zero");
  ASSERT_GE(growth_kib, 0);
  ASSERT_LT(growth_kib, 128 * 1024);
  auto loaded = load_running_config("/dev/zero");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("larger than"), std::string::npos)
      << loaded.error().message;
}

}  // namespace
}  // namespace bs::control::test
