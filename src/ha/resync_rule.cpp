// The resync's conflict rule (resync_rule.h).
#include "ha/resync_rule.h"

namespace bs::ha {
namespace {

bool same_client(const Lease& a, const Lease& b) {
  if (!a.client_id.empty() || !b.client_id.empty()) return a.client_id == b.client_id;
  return !a.hw_address.empty() && a.hw_address == b.hw_address;
}

// Two readings of the same lease end, each from ages: equal within this.
constexpr int64_t kSameEndS = 1;

}  // namespace

Keep resolve_conflict(const std::optional<Lease>& mine, const std::optional<Lease>& theirs,
                      bool i_own_address, int64_t now_s) {
  const Keep owner = i_own_address ? Keep::Mine : Keep::Theirs;
  const bool mine_bound = mine && mine->bound_at(now_s);
  const bool theirs_bound = theirs && theirs->bound_at(now_s);
  // A client still uses the bound one, whoever granted it; the other
  // version (released, expired, deleted) protects nobody.
  if (mine_bound != theirs_bound) return mine_bound ? Keep::Mine : Keep::Theirs;
  if (!mine_bound || !same_client(*mine, *theirs)) return owner;
  const int64_t difference_s = mine->expires_at_s() - theirs->expires_at_s();
  if (difference_s > kSameEndS) return Keep::Mine;
  if (difference_s < -kSameEndS) return Keep::Theirs;
  return owner;
}

}  // namespace bs::ha
