// The daemon's own start-up, loop, reload and shutdown (daemon/daemon.h)
// on a FakePlatform: the decisions main.cpp used to make, now testable.
#include "daemon/daemon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fake_platform.h"

namespace bs::testing {
namespace {

std::string office(const std::string& extra = "", int valid_lifetime_s = 3600) {
  return R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/var/lib/blackstart/leases.sqlite3"},
  "control-sockets": [],
  "valid-lifetime": )" +
         std::to_string(valid_lifetime_s) + "," + extra + R"(
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}]}})";
}

control::RunningConfig running(const std::string& text) {
  auto parsed = control::parse_running_config(text, "daemon.json");
  EXPECT_TRUE(parsed) << parsed.error().to_string();
  return *parsed;
}

// A broadcast DISCOVER from client 02:cc:00:00:00:<mac_last_byte> on office0.
io::RxPacket discover_from(uint8_t mac_last_byte) {
  wire::Packet packet;
  packet.xid = 0x2000u + mac_last_byte;
  packet.flags = wire::kBroadcastFlag;
  packet.chaddr = {0x02, 0xcc, 0, 0, 0, mac_last_byte};
  packet.set(wire::opt::kMessageType, Bytes{static_cast<uint8_t>(wire::MessageType::Discover)});
  io::RxPacket rx;
  rx.payload = wire::encode(packet, 1472);
  rx.ifindex = office_link().ifindex;
  return rx;
}

class DaemonTest : public ::testing::Test {
 protected:
  std::unique_ptr<daemon::Daemon> start(const std::string& text) {
    auto started = daemon::Daemon::start(running(text), platform_);
    EXPECT_TRUE(started) << started.error();
    return started ? std::move(*started) : nullptr;
  }

  FakePlatform platform_;
};

TEST_F(DaemonTest, StartsServesAndStopsCleanly) {
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_EQ(platform_.opened_database, "/var/lib/blackstart/leases.sqlite3");
  EXPECT_EQ(platform_.transport_names, std::vector<std::string>{"office0"});
  EXPECT_EQ(platform_.marker, store::PreviousShutdown::Unclean) << "marker removed while running";
  EXPECT_TRUE(platform_.signals_installed);
  EXPECT_FALSE(daemon->server().in_recovery());

  TestClient pc(platform_.transport, daemon->server(), 1);
  const Ip4 address = pc.dora();
  ASSERT_FALSE(address.is_zero());
  EXPECT_EQ(platform_.store.rows().size(), 1u);

  EXPECT_TRUE(daemon->run_once());
  platform_.stop = true;
  EXPECT_FALSE(daemon->run_once());
  EXPECT_EQ(daemon->run(), 0);
  EXPECT_EQ(platform_.marker, store::PreviousShutdown::Clean);
}

// A power cut: no shutdown, the marker stays removed. The next start loads
// every ACKed lease and, not knowing what else it lost, enters recovery.
TEST_F(DaemonTest, APowerCutRestartKeepsTheLeasesAndRecovers) {
  Ip4 address;
  {
    auto daemon = start(office());
    ASSERT_TRUE(daemon);
    TestClient pc(platform_.transport, daemon->server(), 1);
    address = pc.dora();
    ASSERT_FALSE(address.is_zero());
  }
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_TRUE(daemon->server().in_recovery());
  const Lease* lease = daemon->server().engine().find_by_address(address);
  ASSERT_NE(lease, nullptr);
  EXPECT_EQ(lease->state, LeaseState::Assigned);
  // Recovery probes every address it believes free before offering it.
  TestClient other(platform_.transport, daemon->server(), 2);
  EXPECT_FALSE(other.discover());
  EXPECT_EQ(daemon->server().probes_pending(), 1u);
}

TEST_F(DaemonTest, ADatabaseChangedWhileStoppedStartsInRecovery) {
  platform_.marker = store::PreviousShutdown::Changed;
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_TRUE(daemon->server().in_recovery());
}

TEST_F(DaemonTest, AStoreThatCannotOpenStopsTheStartUpBeforeTheMarker) {
  platform_.store_error = "cannot open /var/lib/blackstart/leases.sqlite3: disk I/O error";
  auto started = daemon::Daemon::start(running(office()), platform_);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error(), *platform_.store_error);
  EXPECT_EQ(platform_.marker, store::PreviousShutdown::FirstStart) << "marker untouched";
  EXPECT_FALSE(platform_.signals_installed);
}

// A full lease disk at start clears when someone frees space: the daemon
// waits for it (serving nothing), instead of exiting into a restart loop.
TEST_F(DaemonTest, AFullLeaseDiskIsWaitedForAndTheStartGoesOn) {
  platform_.store_faults_left = 3;
  auto daemon =
      daemon::Daemon::start(running(office()), platform_, {.store_retry_interval_ms = 1000});
  ASSERT_TRUE(daemon) << daemon.error();
  EXPECT_EQ(platform_.slept_ms, 3000);
  TestClient pc(platform_.transport, (*daemon)->server(), 1);
  EXPECT_FALSE(pc.dora().is_zero()) << "serves once the store opened";
}

// Power back: a client boots with the server and its DISCOVER arrives while
// the lease store opens and loads. The sockets are bound before that, so
// the kernel queues it and it is answered once the leases are loaded, not
// lost to a port nobody listened on yet (the drill's "listening after").
TEST_F(DaemonTest, ADiscoverArrivingWhileTheStoreOpensIsAnswered) {
  bool queued = false;
  platform_.while_store_opens = [&] { queued = platform_.deliver(discover_from(1)); };
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_EQ(platform_.opened, (std::vector<std::string>{"transport", "store"}));
  EXPECT_TRUE(queued) << "the DISCOVER found no socket bound";
  EXPECT_TRUE(daemon->run_once());
  const auto sent = platform_.transport.take_sent();
  ASSERT_EQ(sent.size(), 1u);
  auto offer = wire::decode(sent[0].payload);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->message_type(), wire::MessageType::Offer);
}

// While the store cannot open, nothing is answered; what the sockets queued
// before the last retry is dropped, not answered minutes late.
TEST_F(DaemonTest, PacketsQueuedWhileTheStoreIsWaitedForAreDropped) {
  platform_.store_faults_left = 2;
  int opens = 0;
  platform_.while_store_opens = [&] {
    if (++opens == 1) platform_.deliver(discover_from(1));  // before the first retry
  };
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_EQ(platform_.transport.pending(), 0u) << "queued before the wait ended: dropped";
  EXPECT_TRUE(daemon->run_once());
  EXPECT_TRUE(platform_.transport.take_sent().empty());
  TestClient pc(platform_.transport, daemon->server(), 2);
  EXPECT_FALSE(pc.dora().is_zero()) << "serves once the store opened";
}

// The disk reserve (store/disk_reserve.h): a disk that something else
// filled while the server was down costs the reserve, not the service.
TEST_F(DaemonTest, AFullLeaseDiskAtStartGivesUpTheReserveAndServesAtOnce) {
  platform_.reserve_bytes = uint64_t{16} << 20;
  platform_.store_faults_left = 1000;
  platform_.disk_full_until_release = true;
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_EQ(platform_.slept_ms, 0) << "no wait: the reserve's room let the store open";
  EXPECT_EQ(platform_.reserve_bytes, 0u);
  TestClient pc(platform_.transport, daemon->server(), 1);
  EXPECT_FALSE(pc.dora().is_zero());
}

TEST_F(DaemonTest, WithoutAReserveAFullDiskIsWaitedFor) {
  platform_.store_faults_left = 2;
  platform_.disk_full_until_release = true;
  std::string text = office();
  const std::string database = R"("name": "/var/lib/blackstart/leases.sqlite3")";
  text.replace(text.find(database), database.size(), database + R"(, "disk-reserve-mb": 0)");
  auto daemon = start(text);
  ASSERT_TRUE(daemon);
  EXPECT_EQ(platform_.slept_ms, 2000);
}

TEST_F(DaemonTest, ACommitThatFindsTheDiskFullGivesUpTheReserveAndTheNextSucceeds) {
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_TRUE(daemon->run_once());
  EXPECT_EQ(platform_.reserve_bytes, uint64_t{16} << 20) << "allocated after the first batch";
  platform_.disk_full_until_release = true;
  platform_.store.set_failing(true, store::StoreFault::DiskFull);
  TestClient pc(platform_.transport, daemon->server(), 1);
  EXPECT_TRUE(pc.dora().is_zero()) << "no ACK without a durable lease";
  EXPECT_TRUE(daemon->run_once());
  EXPECT_EQ(platform_.reserve_bytes, 0u);
  const auto events = daemon->server().events().recent(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].text.find("removed the 16 MiB disk reserve"), std::string::npos)
      << events[0].text;
  EXPECT_FALSE(pc.dora().is_zero()) << "the freed room takes the lease";
}

// Once the disk has room again the reserve comes back, looked for at most
// every kKeepEvery_ms; a disk without room is not retried on every batch.
TEST_F(DaemonTest, TheReserveIsAllocatedAgainWhenTheDiskHasRoom) {
  platform_.reserve_room = false;
  auto daemon = start(office());
  ASSERT_TRUE(daemon);
  EXPECT_TRUE(daemon->run_once());
  EXPECT_TRUE(daemon->run_once());
  EXPECT_EQ(platform_.reserve_keeps, 1);
  platform_.reserve_room = true;
  platform_.clock_.advance_ms(daemon::ReserveKeeper::kKeepEvery_ms);
  EXPECT_TRUE(daemon->run_once());
  EXPECT_EQ(platform_.reserve_keeps, 2);
  EXPECT_EQ(platform_.reserve_bytes, uint64_t{16} << 20);
  platform_.clock_.advance_ms(daemon::ReserveKeeper::kKeepEvery_ms);
  EXPECT_TRUE(daemon->run_once());
  EXPECT_EQ(platform_.reserve_keeps, 2) << "held: not looked at again";
}

TEST_F(DaemonTest, ADatabaseThatIsDownIsWaitedForAsWell) {
  platform_.store_faults_left = 2;
  platform_.store_fault = store::StoreFault::Unreachable;
  auto daemon = daemon::Daemon::start(running(office()), platform_);
  ASSERT_TRUE(daemon) << daemon.error();
  EXPECT_EQ(platform_.slept_ms, 2000);
}

TEST_F(DaemonTest, ADamagedStoreIsNotWaitedFor) {
  platform_.store_faults_left = 1;
  platform_.store_fault = store::StoreFault::Corrupt;
  auto started = daemon::Daemon::start(running(office()), platform_);
  ASSERT_FALSE(started);
  EXPECT_EQ(platform_.slept_ms, 0);
}

TEST_F(DaemonTest, TheWaitForTheStoreIsBounded) {
  platform_.store_faults_left = 1000;
  auto started = daemon::Daemon::start(
      running(office()), platform_, {.store_retry_interval_ms = 1000, .store_wait_max_ms = 5000});
  ASSERT_FALSE(started);
  EXPECT_EQ(platform_.slept_ms, 5000);
  EXPECT_NE(started.error().find("disk full"), std::string::npos) << started.error();
}

TEST_F(DaemonTest, AStopSignalEndsTheWaitForTheStore) {
  platform_.store_faults_left = 1000;
  platform_.stop_after_sleeps = 2;
  auto started = daemon::Daemon::start(running(office()), platform_);
  ASSERT_FALSE(started);
  EXPECT_TRUE(platform_.signals_installed);
  EXPECT_EQ(platform_.slept_ms, 2000);
}

TEST_F(DaemonTest, AMarkerThatCannotBeClearedStopsTheStartUp) {
  platform_.mark_running_error = "read-only file system";
  auto started = daemon::Daemon::start(running(office()), platform_);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("read-only file system"), std::string::npos);
}

TEST_F(DaemonTest, NoProberStopsTheStartUpUnlessProbingIsOff) {
  platform_.prober_error = "socket(AF_PACKET): Operation not permitted";
  EXPECT_FALSE(daemon::Daemon::start(running(office()), platform_));
  EXPECT_TRUE(start(office(R"("conflict-probing": {"mode": "off"},)")));
}

TEST_F(DaemonTest, SighupReloadsTheConfigFile) {
  const auto path = std::filesystem::path(::testing::TempDir()) /
                    ("bs_daemon_reload_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << office();
  auto loaded = control::load_running_config(path.string());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  auto started = daemon::Daemon::start(std::move(*loaded), platform_);
  ASSERT_TRUE(started) << started.error();
  auto& daemon = *started;
  EXPECT_EQ(daemon->server().config().valid_lifetime_s, 3600u);

  std::ofstream(path) << office("", 7200);
  EXPECT_TRUE(daemon->run_once());
  EXPECT_EQ(daemon->server().config().valid_lifetime_s, 3600u) << "no SIGHUP yet";
  platform_.reload = true;
  EXPECT_TRUE(daemon->run_once());
  EXPECT_EQ(daemon->server().config().valid_lifetime_s, 7200u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace bs::testing
