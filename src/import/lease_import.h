// From dhcpd's leases to blackstart's: which of the blocks a lease file
// holds become leases (the active ones that have not ended and name a
// client), how their times map (Kea's cltt + valid lifetime from dhcpd's
// cltt/starts and ends), which subnet each belongs to, and writing them into
// a lease store next to the leases already there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "alloc/lease.h"
#include "config/config.h"
#include "import/dhcpd_leases.h"
#include "store/lease_store.h"

namespace bs::import {

struct ImportCounts {
  size_t imported = 0;
  size_t expired = 0;          // active in the file, but ended before now
  size_t free = 0;             // binding state free
  size_t backup = 0;           // binding state backup (failover peer's pool)
  size_t released = 0;         // released, expired, abandoned or reset
  size_t no_client = 0;        // active without hardware address or uid
  size_t outside_subnets = 0;  // in none of the config's subnets
  size_t conflicts = 0;        // the store has a live lease of another client there
  size_t newer_in_store = 0;   // the store has this client's lease there, ending later
  size_t replaced = 0;         // of imported: the store had a lease there already
};

struct ImportPlan {
  std::vector<Lease> leases;
  ImportCounts counts;
  std::vector<Diagnostic> notes;  // one per skipped active lease, bounded
};

// `config` null: no subnets known, every lease gets subnet id 0.
ImportPlan plan_import(const LeaseFile& file, const config::Config* config, int64_t now_s);

// Writes the plan's leases into `store` in batches. A live lease of another
// client at the same address wins over the imported one (counted as a
// conflict), and so does the same client's lease that ends later (an
// import run again after the server renewed it); any other existing row is
// replaced.
tl::expected<ImportCounts, store::StoreError> write_import(const ImportPlan& plan,
                                                           store::LeaseStore& store, int64_t now_s);

// The report's summary lines, e.g. "imported: 3".
std::string format_counts(const ImportCounts& counts);

}  // namespace bs::import
