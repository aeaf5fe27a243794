// The files the configuration commands touch. config-test reads secret files
// only through the bounded regular-file reader (no /dev/zero, no FIFO), and
// the daemon's own config load is bounded too. config-write writes only the
// running config's file or a new file beside it, never through a symbolic
// link, never over the lease database or a file of its (by name, or by
// device and inode), through a temporary file nobody could plant, with mode
// 0600.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "control_fixture.h"

namespace bs::control::test {
namespace {

namespace fs = std::filesystem;

std::string text_of(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ConfigFilesTest : public ControlTest {
 protected:
  // The running config as the daemon would load it, with its lease database
  // (a few plain files standing in for it) in the config's directory.
  void put_database_beside_config() {
    database_ = dir_ / "leases.sqlite3";
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::ofstream(database_.string() + suffix) << "lease data";
    }
    write_config(office_config(database_.string()));
    auto running = load_running_config(config_path_);
    ASSERT_TRUE(running) << running.error().to_string();
    controller_ = std::make_unique<Controller>(*server_, clock_, std::move(*running), "memory");
    executor_.controller = controller_.get();
  }

  std::string refused(const std::string& filename) {
    Json reply = run("config-write", {{"filename", filename}});
    EXPECT_EQ(reply["result"], 1) << filename << ": " << reply.dump();
    return reply.value("text", "");
  }

  fs::path database_;
};

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

TEST_F(ConfigFilesTest, WritesTheRunningFileOrANewOneWithMode0600) {
  Json fresh = run("config-write", {{"filename", "copy.json"}});
  ASSERT_EQ(fresh["result"], 0) << fresh.dump();
  Json again = run("config-write");
  ASSERT_EQ(again["result"], 0) << again.dump();
  EXPECT_EQ(again["arguments"]["filename"], config_path_);
  for (const fs::path& written : {dir_ / "copy.json", fs::path(config_path_)}) {
    struct stat info {};
    ASSERT_EQ(::stat(written.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u) << written;
    EXPECT_TRUE(config::parse_config(text_of(written), written.string())) << written;
  }
  // An existing file that is not the running config is not replaced.
  std::ofstream(dir_ / "notes.txt") << "mine";
  EXPECT_NE(refused("notes.txt").find("is not the running configuration file"), std::string::npos);
  EXPECT_EQ(text_of(dir_ / "notes.txt"), "mine");
  EXPECT_NE(refused("copy.json").find("is not the running configuration file"), std::string::npos);
  // No temporary file is left behind.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(ConfigFilesTest, NeverFollowsASymbolicLink) {
  std::ofstream(dir_ / "victim") << "precious";
  fs::create_symlink(dir_ / "victim", dir_ / "link.json");
  EXPECT_NE(refused("link.json").find("is a symbolic link"), std::string::npos);
  // A planted link where a predictable temporary file would go.
  fs::create_symlink(dir_ / "victim", dir_ / "new.json.tmp");
  fs::create_symlink(dir_ / "victim", fs::path(config_path_ + ".tmp"));
  ASSERT_EQ(run("config-write", {{"filename", "new.json"}})["result"], 0);
  ASSERT_EQ(run("config-write")["result"], 0);
  EXPECT_EQ(text_of(dir_ / "victim"), "precious");
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.json"));
  EXPECT_FALSE(fs::is_symlink(dir_ / "new.json"));
}

TEST_F(ConfigFilesTest, NeverReplacesTheLeaseDatabaseOrItsFiles) {
  put_database_beside_config();
  for (const char* name : {"leases.sqlite3", "leases.sqlite3-wal", "leases.sqlite3-shm",
                           "leases.sqlite3-journal", "leases.sqlite3.clean-shutdown"}) {
    EXPECT_NE(refused(name).find("lease database"), std::string::npos) << name;
    EXPECT_NE(refused((dir_ / name).string()).find("lease database"), std::string::npos) << name;
  }
  // The same file under another name.
  fs::create_hard_link(database_, dir_ / "innocent.json");
  EXPECT_NE(refused("innocent.json").find("is the lease database file"), std::string::npos);
  EXPECT_EQ(text_of(database_), "lease data");
  EXPECT_EQ(text_of(database_.string() + "-wal"), "lease data");
  EXPECT_FALSE(fs::exists(dir_ / "leases.sqlite3-journal"));
  EXPECT_FALSE(fs::exists(dir_ / "leases.sqlite3.clean-shutdown"));
}

}  // namespace
}  // namespace bs::control::test
