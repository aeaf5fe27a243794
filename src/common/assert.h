// BS_ASSERT: a check for states that cannot happen unless the code is wrong.
// It stays on in release builds because the daemon's answer to a broken lease
// table is to stop and restart from the durable store, never to carry on.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace bs::detail {

[[noreturn]] inline void assert_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace bs::detail

#define BS_ASSERT(condition)                                       \
  do {                                                             \
    if (!(condition)) [[unlikely]] {                               \
      ::bs::detail::assert_failed(#condition, __FILE__, __LINE__); \
    }                                                              \
  } while (false)
