// The Platform the daemon runs on in production: the system clock, the
// store the config names (store/lease_store.h), the shutdown marker files,
// Linux sockets, script processes and POSIX signals. The only code that
// touches the real clock and signals.
#pragma once

#include "daemon/platform.h"

namespace bs::daemon {

class LinuxPlatform final : public Platform {
 public:
  const Clock& clock() const override { return clock_; }
  void sleep_ms(int64_t duration_ms) override;
  store::PreviousShutdown previous_shutdown(const std::string& database) override;
  tl::expected<std::unique_ptr<store::LeaseStore>, store::StoreError> open_store(
      const config::LeaseDatabase& database) override;
  tl::expected<void, std::string> mark_running(const std::string& database) override;
  tl::expected<void, std::string> mark_clean_shutdown(const std::string& database) override;
  tl::expected<store::ReserveState, std::string> keep_disk_reserve(const std::string& database,
                                                                   uint64_t size_bytes) override;
  tl::expected<uint64_t, std::string> release_disk_reserve(const std::string& database) override;
  tl::expected<std::unique_ptr<io::Transport>, io::IoError> open_transport(
      const std::vector<std::string>& interfaces) override;
  tl::expected<std::unique_ptr<io::Prober>, io::IoError> open_prober(
      std::span<const io::InterfaceInfo> links) override;
  tl::expected<std::unique_ptr<io::RogueListener>, io::IoError> open_rogue_listener(
      std::span<const io::InterfaceInfo> links) override;
  std::unique_ptr<server::ScriptRunner> open_script_runner(const std::string& path) override;
  void install_signal_handlers() override;
  bool stop_requested() const override;
  bool take_reload_request() override;

 private:
  SystemClock clock_;
};

}  // namespace bs::daemon
