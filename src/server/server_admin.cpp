// Durable administrative lease changes (the control API's lease4-add,
// -update, -del and -wipe). They obey the rule the packet path obeys: a
// change exists only once the store has committed it. The control module
// makes the changes through admin_engine() on the pipeline thread between
// batches, then hands them here.
#include <fmt/format.h>

#include "server/server.h"

namespace bs::server {

tl::expected<void, std::string> Server::commit_admin(std::span<const LeaseChange> changes) {
  if (changes.empty()) return {};
  settle_in_flight();  // admin_engine() did already; the store is ours alone now
  const int64_t now_s = clock_.now_s();
  auto committed = store_.commit(changes);
  note_commit(committed);
  if (!committed) {
    revert_newest_first(*engine_, changes);
    ++counters_.commit_failures;
    Event failure;
    failure.at_s = now_s;
    failure.kind = EventKind::StorageError;
    failure.text = "administrative change not stored: " + committed.error().message;
    events_.add(std::move(failure));
    return tl::unexpected(committed.error().message);
  }
  ++counters_.commits;
  counters_.leases_committed += changes.size();
  for (const LeaseChange& change : changes) {
    if (change.after) {
      record_change_event(change, now_s);
      continue;
    }
    const Lease& gone = *change.before;
    events_.add(Event{.at_s = now_s,
                      .kind = EventKind::LeaseReleased,
                      .address = gone.address,
                      .hw_address = gone.hw_address,
                      .client_id = gone.client_id,
                      .text = "lease deleted by an administrator"});
  }
  return {};
}

}  // namespace bs::server
