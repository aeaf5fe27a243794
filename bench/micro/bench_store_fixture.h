// What the store micro-benchmarks share: a lease that differs per index
// (198.19.x.y, a MAC, a client id and a hostname, like a PC's) and a fresh
// temporary directory under $TMPDIR, removed afterwards, so TMPDIR picks the
// disk being measured.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "store/lease_store.h"

namespace bs::bench {

inline Lease bench_lease(uint32_t n) {
  Lease lease;
  lease.address = Ip4{0xC6130000u + n};  // 198.19.x.y, in the file only
  const auto b2 = static_cast<uint8_t>(n >> 16);
  const auto b1 = static_cast<uint8_t>(n >> 8);
  const auto b0 = static_cast<uint8_t>(n);
  lease.hw_address = make_hwaddr(std::vector<uint8_t>{2, 0xdd, b2, 0, b1, b0});
  lease.client_id = {1, 2, 0xdd, b2, b1, b0};
  lease.hostname = "host-" + std::to_string(n);
  lease.subnet_id = 1;
  lease.valid_lifetime_s = 7200;
  lease.cltt_s = 1'800'000'000;
  return lease;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bs-micro.XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Empty when the directory could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace bs::bench
