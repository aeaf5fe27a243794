// micro_bench [--tiny] [Google Benchmark flags]
//   --tiny  small pool (4,096 addresses) for the allocation benchmarks; what
//           `make test` runs, together with --benchmark_min_time=0.01.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "micro_bench.h"

int main(int argc, char** argv) {
  bs::bench::Sizes sizes;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], "--tiny") == 0) {
      sizes.tiny = true;
      sizes.pool_size = 4096;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  rest.push_back(nullptr);
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  bs::bench::register_wire_benchmarks(sizes);
  bs::bench::register_alloc_benchmarks(sizes);
  bs::bench::register_store_benchmarks(sizes);
  bs::bench::register_memfile_benchmarks(sizes);
  bs::bench::register_classify_benchmarks(sizes);
  bs::bench::register_server_benchmarks(sizes);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
