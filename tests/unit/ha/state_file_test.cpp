// The HA state file: round trip through disk, damaged files refused (never
// guessed), sequence numbers never reused after a power cut, and a start
// from a file that says partner-down still begins in waiting, serving only
// its own share under the MCLT cap.
#include "ha/state_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>

namespace bs::ha {
namespace {

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("bs-ha-state-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    path_ = (directory_ / "ha.state").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::filesystem::path directory_;
  std::string path_;
};

TEST_F(StateFileTest, MissingFileIsAFirstStart) {
  auto loaded = load_state_file(path_);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->persisted, Persisted{});
}

TEST_F(StateFileTest, RoundTripsThroughDisk) {
  StateFile state;
  state.persisted = Persisted{State::PartnerDown, 42, 40, 17};
  state.sequence_reserved_until = 1'000'042;
  ASSERT_TRUE(save_state_file(path_, state));
  auto loaded = load_state_file(path_);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->persisted, state.persisted);
  EXPECT_EQ(loaded->sequence_reserved_until, 1'000'042u);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
}

TEST_F(StateFileTest, DamagedFilesAreRefused) {
  StateFile state;
  state.persisted.own_sequence = 5;
  state.sequence_reserved_until = 10;
  const std::string good = format_state(state);
  for (size_t size = 0; size < good.size(); ++size) {
    EXPECT_FALSE(parse_state_file(good.substr(0, size))) << size;
  }
  EXPECT_FALSE(parse_state_file(good + "x\n"));
  std::string swapped = good;
  swapped.replace(swapped.find("own-sequence 5"), 14, "own-sequence 11");
  EXPECT_FALSE(parse_state_file(swapped));  // past the reserved block
  std::ofstream(path_) << "garbage\n";
  EXPECT_FALSE(load_state_file(path_));
}

TEST_F(StateFileTest, SequenceNumbersContinuePastTheReservedBlock) {
  StateFile state;
  state.persisted.own_sequence = 7;  // written at the start of the block
  state.sequence_reserved_until = 7 + kSequenceBlock;
  const Persisted restored = restore_after_start(state);
  HaConfig config;
  config.this_server_name = "a";
  config.mode = Mode::LoadBalancing;
  config.mclt_s = 600;
  config.peers = {Peer{"a", "", Ip4{1}, 1, Role::Primary},
                  Peer{"b", "", Ip4{2}, 1, Role::Secondary}};
  PairState machine(config, 0, restored);
  EXPECT_GT(machine.next_sequence(), 7 + kSequenceBlock);
}

TEST_F(StateFileTest, AColdStartFromPartnerDownBeginsWaitingOnItsOwnShare) {
  StateFile state;
  state.persisted.last_state = State::PartnerDown;
  ASSERT_TRUE(save_state_file(path_, state));
  auto loaded = load_state_file(path_);
  ASSERT_TRUE(loaded);
  HaConfig config;
  config.this_server_name = "a";
  config.mode = Mode::LoadBalancing;
  config.mclt_s = 600;
  config.peers = {Peer{"a", "", Ip4{1}, 1, Role::Primary},
                  Peer{"b", "", Ip4{2}, 1, Role::Secondary}};
  PairState machine(config, 0, restore_after_start(*loaded));
  EXPECT_EQ(machine.state(), State::Waiting);
  EXPECT_TRUE(machine.may_allocate(Ip4{100}, 0));
  EXPECT_FALSE(machine.may_allocate(Ip4{101}, 0));
  EXPECT_EQ(machine.lease_time_s(7200, 1000, 0), 600u);
  machine.tick(1'000'000);  // long silence: unreachable, never partner-down by itself
  EXPECT_NE(machine.state(), State::PartnerDown);
}

}  // namespace
}  // namespace bs::ha
