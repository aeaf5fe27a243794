// A Platform (daemon/platform.h) of fakes, so scenario tests run the
// daemon's own start-up, loop and shutdown: the store, the transport and
// the prober the daemon opens forward to objects the test owns and keeps
// across restarts; the shutdown marker is a value; signals are flags the
// test sets; every open can be made to fail.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/platform.h"
#include "io/fake_prober.h"
#include "io/fake_transport.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {

// Forwards to a store the test owns, so a "restart" finds the same leases.
class SharedStore final : public store::LeaseStore {
 public:
  explicit SharedStore(store::LeaseStore& target) : target_(target) {}
  tl::expected<std::vector<Lease>, store::StoreError> load_all() override {
    return target_.load_all();
  }
  tl::expected<void, store::StoreError> commit(std::span<const LeaseChange> changes) override {
    return target_.commit(changes);
  }
  std::string describe() const override { return target_.describe(); }

 private:
  store::LeaseStore& target_;
};

class SharedTransport final : public io::Transport {
 public:
  explicit SharedTransport(io::FakeTransport& target) : target_(target) {}
  size_t receive(std::vector<io::RxPacket>& out, size_t max_count, int timeout_ms) override {
    return target_.receive(out, max_count, timeout_ms);
  }
  void send(std::span<const io::TxPacket> packets) override { target_.send(packets); }
  const std::vector<io::InterfaceInfo>& interfaces() const override { return target_.interfaces(); }

 private:
  io::FakeTransport& target_;
};

class FakePlatform final : public daemon::Platform {
 public:
  const Clock& clock() const override { return clock_; }
  void sleep_ms(int64_t duration_ms) override {
    clock_.advance_ms(duration_ms);
    slept_ms += duration_ms;
    if (stop_after_sleeps > 0 && --stop_after_sleeps == 0) stop = true;
  }
  store::PreviousShutdown previous_shutdown(const std::string& database) override {
    opened_database = database;
    return marker;
  }
  tl::expected<std::unique_ptr<store::LeaseStore>, store::StoreError> open_store(
      const config::LeaseDatabase& /*database*/) override {
    opened.emplace_back("store");
    if (while_store_opens) while_store_opens();
    if (store_error) return tl::unexpected(store::StoreError{*store_error});
    if (store_faults_left > 0) {
      --store_faults_left;
      return tl::unexpected(
          store::StoreError{"leases.sqlite3: " + std::string(to_string(store_fault)), store_fault});
    }
    return std::make_unique<SharedStore>(store);
  }
  tl::expected<void, std::string> mark_running(const std::string& /*database*/) override {
    if (mark_running_error) return tl::unexpected(*mark_running_error);
    marker = store::PreviousShutdown::Unclean;  // what a crash from now on leaves
    return {};
  }
  tl::expected<void, std::string> mark_clean_shutdown(const std::string& /*database*/) override {
    marker = store::PreviousShutdown::Clean;
    return {};
  }
  // The disk reserve as a number: releasing it frees the fake disk
  // (disk_full_until_release: the store's faults stop).
  tl::expected<store::ReserveState, std::string> keep_disk_reserve(const std::string& /*database*/,
                                                                   uint64_t size_bytes) override {
    ++reserve_keeps;
    if (reserve_bytes >= size_bytes) return store::ReserveState::Held;
    if (!reserve_room) return store::ReserveState::NoRoom;
    reserve_bytes = size_bytes;
    return store::ReserveState::Created;
  }
  tl::expected<uint64_t, std::string> release_disk_reserve(
      const std::string& /*database*/) override {
    const uint64_t released = reserve_bytes;
    reserve_bytes = 0;
    if (released > 0 && disk_full_until_release) {
      store_faults_left = 0;
      store.set_failing(false);
    }
    return released;
  }
  tl::expected<std::unique_ptr<io::Transport>, io::IoError> open_transport(
      const std::vector<std::string>& names) override {
    transport_names = names;
    opened.emplace_back("transport");
    transport_open = true;
    return std::make_unique<SharedTransport>(transport);
  }
  tl::expected<std::unique_ptr<io::Prober>, io::IoError> open_prober(
      std::span<const io::InterfaceInfo> /*links*/) override {
    if (prober_error) return tl::unexpected(io::IoError{*prober_error});
    auto prober = std::make_unique<io::FakeProber>();
    prober->occupied = occupied;
    return prober;
  }
  tl::expected<std::unique_ptr<io::RogueListener>, io::IoError> open_rogue_listener(
      std::span<const io::InterfaceInfo> /*links*/) override {
    return tl::unexpected(io::IoError{"no rogue listener in scenario tests"});
  }
  std::unique_ptr<server::ScriptRunner> open_script_runner(const std::string& /*path*/) override {
    return nullptr;
  }
  void install_signal_handlers() override { signals_installed = true; }
  bool stop_requested() const override { return stop; }
  bool take_reload_request() override {
    const bool requested = reload;
    reload = false;
    return requested;
  }

  // A packet from the network as the kernel would treat it: queued once the
  // sockets are bound, lost before (nothing listens yet).
  bool deliver(io::RxPacket packet) {
    if (!transport_open) return false;
    transport.inject(std::move(packet));
    return true;
  }

  FakeClock clock_;
  store::MemoryLeaseStore store;
  io::FakeTransport transport{{office_link()}};
  std::map<uint32_t, std::optional<io::MacAddress>> occupied;  // for the prober
  store::PreviousShutdown marker = store::PreviousShutdown::FirstStart;
  std::optional<std::string> store_error, mark_running_error, prober_error;
  // The next this many opens fail with store_fault.
  int store_faults_left = 0;
  store::StoreFault store_fault = store::StoreFault::DiskFull;
  int64_t slept_ms = 0;
  uint64_t reserve_bytes = 0;  // the disk reserve on the fake disk (0: none)
  bool reserve_room = true;    // keep_disk_reserve finds room for it
  bool disk_full_until_release = false;
  int reserve_keeps = 0;
  int stop_after_sleeps = 0;  // 0: never
  std::string opened_database;
  std::vector<std::string> transport_names;
  std::vector<std::string> opened;  // "transport", "store": in the order opened
  bool transport_open = false;
  // Runs inside every open_store (e.g. a client that boots meanwhile).
  std::function<void()> while_store_opens;
  bool signals_installed = false;
  bool stop = false;
  bool reload = false;
};

}  // namespace bs::testing
