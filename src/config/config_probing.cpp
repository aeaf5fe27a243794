// "conflict-probing", blackstart's own Dhcp4 key: when to ask the link
// whether an address is already in use before handing it out, and the
// bounds that keep probing from stalling other clients. Absent, it means
// {"mode": "uncertain"}: probing is what keeps a restart after a power cut
// from handing out an address twice, so it is on unless turned off.
#include <array>
#include <string_view>

#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kProbingKeys[] = {"mode", "timeout-ms", "max-pending"};
BS_CONFIG_KEYS("Dhcp4.conflict-probing", kProbingKeys);

// A reply waits this long at most; clients retransmit after about 4 s.
constexpr uint32_t kMaxTimeout_ms = 2000;
constexpr uint32_t kMaxPending = 65536;

Result<ProbeMode> read_mode(const Reader& reader, const Node& node) {
  auto text = reader.get_string(node);
  if (!text) return tl::unexpected(text.error());
  if (*text == "off") return ProbeMode::Off;
  if (*text == "uncertain") return ProbeMode::Uncertain;
  if (*text == "always") return ProbeMode::Always;
  return tl::unexpected(reader.error(
      node, node.path + " must be \"off\", \"uncertain\" or \"always\", got " + quote(*text)));
}

}  // namespace

Status read_conflict_probing(const Reader& reader, const Node& node, Config& config) {
  if (auto ok = reader.expect_object(node); !ok) return ok;
  if (auto ok = reader.check_keys(node, Scope::ConflictProbing, kProbingKeys); !ok) return ok;
  if (const auto mode = node.find("mode")) {
    auto value = read_mode(reader, *mode);
    if (!value) return tl::unexpected(value.error());
    config.probing.mode = *value;
  }
  if (const auto timeout = node.find("timeout-ms")) {
    auto value = reader.get_u32(*timeout, 10, kMaxTimeout_ms);
    if (!value) return tl::unexpected(value.error());
    config.probing.timeout_ms = *value;
  }
  if (const auto pending = node.find("max-pending")) {
    auto value = reader.get_u32(*pending, 1, kMaxPending);
    if (!value) return tl::unexpected(value.error());
    config.probing.max_pending = *value;
  }
  return {};
}

}  // namespace bs::config
