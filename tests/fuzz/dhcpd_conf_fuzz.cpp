// libFuzzer target for the dhcpd.conf translator (src/import/dhcpd_conf.h):
// any bytes are a dhcpd.conf. Never a crash or a hang; the output is always
// JSON; each untranslated line is a line of the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "import/dhcpd_conf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxInputBytes = size_t{64} * 1024;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  uint32_t lines = 1;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  const auto translation = bs::import::translate_dhcpd_conf(text);
  if (!nlohmann::json::accept(translation.json)) {
    std::fprintf(stderr, "dhcpd_conf_fuzz: output is not JSON\n");
    std::abort();
  }
  for (const auto& line : translation.untranslated) {
    if (line.line < 1 || line.line > lines || line.message.empty()) {
      std::fprintf(stderr, "dhcpd_conf_fuzz: untranslated line %u outside the input\n", line.line);
      std::abort();
    }
  }
  return 0;
}
