// Counts heap allocations made through operator new in the micro-benchmark
// binary, so BM_ServerPipeline can print how many one exchange costs on the
// packet path (issue 16 asks for none; the figure shows how far off that
// is). Only operator new is counted: SQLite's and libc's own malloc calls
// are not, and the memory store the pipeline uses allocates per lease too,
// which a real store's commit would not.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "micro_bench.h"

namespace {
std::atomic<uint64_t> g_allocations{0};

void* counted_new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* block = std::malloc(size == 0 ? 1 : size)) return block;
  throw std::bad_alloc();
}
}  // namespace

namespace bs::bench {
uint64_t heap_allocations() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace bs::bench

// The replaceable global forms; the aligned ones keep the library's
// defaults (nothing on the packet path asks for over-alignment).
void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void operator delete(void* block) noexcept { std::free(block); }
void operator delete[](void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t) noexcept { std::free(block); }
