// Names of lease states, as Kea prints them where Kea has the state.
#include "alloc/lease.h"

namespace bs {

const char* to_string(LeaseState state) {
  switch (state) {
    case LeaseState::Assigned:
      return "default";
    case LeaseState::Declined:
      return "declined";
    case LeaseState::Reclaimed:
      return "expired-reclaimed";
    case LeaseState::Offered:
      return "offered";
  }
  return "unknown";
}

}  // namespace bs
