// LinuxPlatform (linux_platform.h). The signal handlers only set flags; the
// loop reads them between batches.
#include "daemon/linux_platform.h"

#include <chrono>
#include <csignal>
#include <thread>

namespace bs::daemon {
namespace {

volatile std::sig_atomic_t g_stop_requested = 0;
volatile std::sig_atomic_t g_reload_requested = 0;

void on_stop_signal(int /*signal*/) { g_stop_requested = 1; }
void on_reload_signal(int /*signal*/) { g_reload_requested = 1; }

}  // namespace

store::PreviousShutdown LinuxPlatform::previous_shutdown(const std::string& database) {
  return store::previous_shutdown(database);
}

tl::expected<std::unique_ptr<store::LeaseStore>, store::StoreError> LinuxPlatform::open_store(
    const config::LeaseDatabase& database) {
  return store::open_lease_store(database);
}

tl::expected<void, std::string> LinuxPlatform::mark_running(const std::string& database) {
  return store::mark_running(database);
}

tl::expected<void, std::string> LinuxPlatform::mark_clean_shutdown(const std::string& database) {
  return store::mark_clean_shutdown(database);
}

tl::expected<store::ReserveState, std::string> LinuxPlatform::keep_disk_reserve(
    const std::string& database, uint64_t size_bytes) {
  return store::keep_disk_reserve(database, size_bytes);
}

tl::expected<uint64_t, std::string> LinuxPlatform::release_disk_reserve(
    const std::string& database) {
  return store::release_disk_reserve(database);
}

tl::expected<std::unique_ptr<io::Transport>, io::IoError> LinuxPlatform::open_transport(
    const std::vector<std::string>& interfaces) {
  return io::open_linux_transport(interfaces);
}

tl::expected<std::unique_ptr<io::Prober>, io::IoError> LinuxPlatform::open_prober(
    std::span<const io::InterfaceInfo> links) {
  return io::open_linux_prober(links);
}

tl::expected<std::unique_ptr<io::RogueListener>, io::IoError> LinuxPlatform::open_rogue_listener(
    std::span<const io::InterfaceInfo> links) {
  return io::open_linux_rogue_listener(links);
}

std::unique_ptr<server::ScriptRunner> LinuxPlatform::open_script_runner(const std::string& path) {
  return std::make_unique<server::ProcessScriptRunner>(path);
}

void LinuxPlatform::sleep_ms(int64_t duration_ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(duration_ms));
}

void LinuxPlatform::install_signal_handlers() {
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGHUP, on_reload_signal);
}

bool LinuxPlatform::stop_requested() const { return g_stop_requested != 0; }

bool LinuxPlatform::take_reload_request() {
  if (g_reload_requested == 0) return false;
  g_reload_requested = 0;
  return true;
}

}  // namespace bs::daemon
