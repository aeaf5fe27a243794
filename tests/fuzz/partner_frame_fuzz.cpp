// libFuzzer target for the HA partner link's frames (server/partner_link.h):
// arbitrary bytes are one frame's body, as a partner (or anything that
// reached the partner port) might send it. Never a crash, never an
// allocation beyond the frame's own size; a frame that decodes encodes
// back to a body that decodes to the same encoding (ages are whole
// seconds, so the round trip is exact at a fixed clock).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "server/partner_link.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kNowS = 1'700'000'000;
  const std::span<const uint8_t> body(data, size);
  auto frame = bs::server::decode_frame(body, kNowS);
  if (!frame) return 0;
  bs::Bytes once;
  bs::server::encode_frame(*frame, kNowS, once);
  auto again = bs::server::decode_frame(std::span<const uint8_t>(once).subspan(4), kNowS);
  if (!again) std::abort();
  bs::Bytes twice;
  bs::server::encode_frame(*again, kNowS, twice);
  if (once != twice) std::abort();
  return 0;
}
