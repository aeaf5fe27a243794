// libFuzzer entry point for the configuration loader: arbitrary bytes go
// through the JSON reader and every section parser. The loader must return an
// error or a config for any input, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Real configs are a few KiB; bigger inputs only slow the search down.
  constexpr size_t kMaxInputBytes = 64 * 1024;
  if (size > kMaxInputBytes) return -1;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto config = bs::config::parse_config(text, "fuzz.json");
  if (!config) {
    // Formatting the error exercises the message paths too.
    volatile size_t length = config.error().to_string().size();
    (void)length;
  }
  return 0;
}
