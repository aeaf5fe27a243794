// Fixed-bucket histograms for the pipeline's latencies and batch sizes, in
// the shape Prometheus exposes (upper bounds, count, sum). Buckets are fixed
// at construction so observe() never allocates on the packet path. Latencies
// are the one thing the pipeline reads the real monotonic clock for: they
// describe this machine, and no DHCP decision depends on them.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

namespace bs::server {

class Histogram {
 public:
  // `upper_bounds` ascending; a final +Inf bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds)
      : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {}

  void observe(double value) {
    const auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
    ++counts_[static_cast<size_t>(it - upper_bounds_.begin())];
    sum_ += value;
    ++count_;
  }

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // Per bucket (not cumulative); the last one is +Inf.
  const std::vector<uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

struct PipelineHistograms {
  // Handling one decoded query: subnet selection, allocation, reply building.
  Histogram handle_s{{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2}};
  // One LeaseStore::commit of a batch, fsync included.
  Histogram commit_s{{1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.5, 1}};
  // Lease changes per commit: how much group commit shares one fsync.
  Histogram commit_batch_size{{1, 2, 4, 8, 16, 32, 64, 128}};
  // From reading a REQUEST (or any query answered by an ACK that grants an
  // address) to sending its ACK: intake wait, handling, the wait for the
  // batch's commit and the send. The stall figure of issue 16 (50 ms).
  Histogram request_to_ack_s{
      {1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1}};
  // The largest request_to_ack_s observed (a histogram's top bucket hides it).
  double request_to_ack_max_s = 0;
};

inline int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace bs::server
