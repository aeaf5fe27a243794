// The "starvation-guard" section: a blackstart extension with no Kea
// equivalent (Kea files never contain it), read into Config::starvation_guard.
// It caps the share of each subnet's pool that one relay port or one link
// may hold (server/starvation_guard.h); absent or 0 means off.
#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kGuardKeys[] = {"max-pool-share-percent"};
BS_CONFIG_KEYS("Dhcp4.starvation-guard", kGuardKeys);

}  // namespace

Status read_starvation_guard(const Reader& reader, const Node& dhcp4, Config& config) {
  const auto node = dhcp4.find("starvation-guard");
  if (!node) return {};
  if (auto ok = reader.expect_object(*node); !ok) return ok;
  if (auto ok = reader.check_keys(*node, Scope::StarvationGuard, kGuardKeys); !ok) return ok;
  const auto share = node->find("max-pool-share-percent");
  if (!share) {
    return tl::unexpected(reader.error(
        *node, node->path + " needs \"max-pool-share-percent\" (1 to 100; 0 turns it off)"));
  }
  auto percent = reader.get_u32(*share, 0, 100);
  if (!percent) return tl::unexpected(percent.error());
  config.starvation_guard.max_pool_share_percent = *percent;
  return {};
}

}  // namespace bs::config
