// dhcpd keeps a lease's start (starts), last transaction (cltt, written
// since 3.1) and end (ends); Kea keeps cltt and the valid lifetime. The
// lifetime is ends - cltt, so the imported lease ends exactly when dhcpd's
// would have, and the client's next renewal finds it bound.
#include "import/lease_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "common/text.h"

namespace bs::import {
namespace {

// Kea's infinite lifetime, for dhcpd's "ends never".
constexpr uint32_t kInfiniteLifetime_s = std::numeric_limits<uint32_t>::max();
// Changes per store commit: each commit is one fsync.
constexpr size_t kBatchSize = 4096;

void note(ImportPlan& plan, const DhcpdLease& lease, std::string message) {
  if (plan.notes.size() < kMaxDiagnosticsKept)
    plan.notes.push_back({lease.line, 1, std::move(message)});
}

bool wants_import(const DhcpdLease& lease, ImportCounts& counts, int64_t now_s) {
  switch (lease.binding) {
    // Files older than dhcpd 3 have no binding state (Missing); dhcpd
    // treats a lease that has not ended as active.
    case BindingState::Active:
    case BindingState::Bootp:
    case BindingState::Missing:
      break;
    case BindingState::Free:
      ++counts.free;
      return false;
    case BindingState::Backup:
      ++counts.backup;
      return false;
    default:
      ++counts.released;
      return false;
  }
  if (!lease.ends_never && (!lease.ends_s || *lease.ends_s <= now_s)) {
    ++counts.expired;
    return false;
  }
  return true;
}

Lease to_lease(const DhcpdLease& lease, int64_t now_s) {
  Lease out;
  out.address = lease.address;
  if (lease.hw_address) out.hw_address = *lease.hw_address;
  out.client_id = lease.uid;
  out.hostname = capped_hostname(lease.hostname);
  out.state = LeaseState::Assigned;
  int64_t cltt_s = lease.cltt_s ? *lease.cltt_s : lease.starts_s ? *lease.starts_s : now_s;
  if (lease.ends_never) {
    out.cltt_s = std::min(cltt_s, now_s);
    out.valid_lifetime_s = kInfiniteLifetime_s;
    return out;
  }
  const int64_t ends_s = *lease.ends_s;
  if (cltt_s >= ends_s) cltt_s = now_s;  // a clock jump in dhcpd's past; keep the end
  // A lifetime past Kea's 32 bits is shortened; it still outlives the file.
  const int64_t valid_s = std::min<int64_t>(ends_s - cltt_s, int64_t{kInfiniteLifetime_s} - 1);
  out.cltt_s = ends_s - valid_s;
  out.valid_lifetime_s = static_cast<uint32_t>(valid_s);
  return out;
}

bool same_client(const Lease& a, const Lease& b) {
  if (!a.client_id.empty() && !b.client_id.empty()) return a.client_id == b.client_id;
  return a.hw_address == b.hw_address;
}

}  // namespace

ImportPlan plan_import(const LeaseFile& file, const config::Config* config, int64_t now_s) {
  ImportPlan plan;
  for (const DhcpdLease& lease : file.leases) {
    if (!wants_import(lease, plan.counts, now_s)) continue;
    if (!lease.hw_address && lease.uid.empty()) {
      ++plan.counts.no_client;
      note(plan, lease,
           fmt::format("active lease of {} has no hardware address or uid; skipped",
                       to_string(lease.address)));
      continue;
    }
    Lease out = to_lease(lease, now_s);
    if (config != nullptr) {
      const auto subnet =
          std::find_if(config->subnets.begin(), config->subnets.end(),
                       [&](const config::Subnet& s) { return s.contains(out.address); });
      if (subnet == config->subnets.end()) {
        ++plan.counts.outside_subnets;
        note(plan, lease,
             fmt::format("{} is in none of the config's subnets; skipped",
                         to_string(lease.address)));
        continue;
      }
      out.subnet_id = subnet->id;
    }
    plan.leases.push_back(std::move(out));
  }
  return plan;
}

tl::expected<ImportCounts, store::StoreError> write_import(const ImportPlan& plan,
                                                           store::LeaseStore& store,
                                                           int64_t now_s) {
  ImportCounts counts = plan.counts;
  auto existing = store.load_all();
  if (!existing) return tl::make_unexpected(existing.error());
  std::unordered_map<uint32_t, const Lease*> by_address;
  for (const Lease& lease : *existing) by_address[lease.address.value] = &lease;
  std::vector<LeaseChange> batch;
  const auto flush = [&]() -> tl::expected<void, store::StoreError> {
    if (batch.empty()) return {};
    auto committed = store.commit(batch);
    batch.clear();
    return committed;
  };
  for (const Lease& lease : plan.leases) {
    LeaseChange change{lease.address, std::nullopt, lease};
    if (const auto it = by_address.find(lease.address.value); it != by_address.end()) {
      const Lease& old = *it->second;
      if (old.bound_at(now_s) && !same_client(old, lease)) {
        ++counts.conflicts;
        continue;
      }
      if (old.bound_at(now_s) && old.expires_at_s() >= lease.expires_at_s()) {
        ++counts.newer_in_store;
        continue;
      }
      change.before = old;
      ++counts.replaced;
    }
    batch.push_back(std::move(change));
    ++counts.imported;
    if (batch.size() >= kBatchSize) {
      if (auto done = flush(); !done) return tl::make_unexpected(done.error());
    }
  }
  if (auto done = flush(); !done) return tl::make_unexpected(done.error());
  return counts;
}

std::string format_counts(const ImportCounts& c) {
  std::string out = fmt::format("imported: {}", c.imported);
  if (c.replaced > 0) out += fmt::format(" ({} replacing a lease the store had)", c.replaced);
  out += fmt::format(
      "\nskipped: {} expired, {} free, {} backup, {} released/expired/abandoned/reset, "
      "{} without a client, {} outside the subnets, {} conflicting with a live lease, "
      "{} older than the store's\n",
      c.expired, c.free, c.backup, c.released, c.no_client, c.outside_subnets, c.conflicts,
      c.newer_in_store);
  return out;
}

}  // namespace bs::import
