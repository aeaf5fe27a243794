// Shared helpers for the lease store tests: a temporary directory per test
// and leases with every field set.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "alloc/lease.h"

namespace bs::store::test {

inline Lease full_lease(uint32_t n) {
  Lease lease;
  lease.address = Ip4{0xC6120000u + n};  // 198.18.x.y
  lease.hw_address = make_hwaddr(
      std::vector<uint8_t>{2, 0, 0, 0, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)}, 6);
  lease.client_id = {1, 2, 0, 0, 0, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  lease.hostname = "host-" + std::to_string(n);
  lease.subnet_id = 7 + n % 3;
  lease.valid_lifetime_s = 3600 + n;
  lease.cltt_s = 1'800'000'000 + n;
  lease.state = static_cast<LeaseState>(n % 3);
  return lease;
}

inline LeaseChange upsert(const Lease& lease) { return {lease.address, std::nullopt, lease}; }

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        std::filesystem::temp_directory_path() / ("bs-store-" + std::to_string(::getpid()) + "-" +
                                                  info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const char* name = "leases.sqlite3") const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

}  // namespace bs::store::test
