// Micro-benchmarks of the costs on blackstart's packet path: decode,
// encode, classification, allocation, the durable commit and the whole
// in-process pipeline around it. Each file registers its own
// benchmarks at start-up (not with static BENCHMARK macros) so that one flag,
// --tiny, can swap the large inputs for small ones; `make test` runs the tiny
// variant so the benchmarks keep compiling and working.
#pragma once

#include <cstdint>

namespace bs::bench {

// Heap allocations through operator new since start (alloc_counter.cpp).
uint64_t heap_allocations();

// Sizes for one run: the full set, or the tiny set used inside `make test`.
struct Sizes {
  bool tiny = false;
  unsigned pool_size = 1u << 20;  // addresses in the allocation benchmarks' pool
};

void register_wire_benchmarks(const Sizes& sizes);
void register_alloc_benchmarks(const Sizes& sizes);
void register_store_benchmarks(const Sizes& sizes);
void register_memfile_benchmarks(const Sizes& sizes);
void register_classify_benchmarks(const Sizes& sizes);
void register_server_benchmarks(const Sizes& sizes);

}  // namespace bs::bench
