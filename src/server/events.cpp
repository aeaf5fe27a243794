// Names of event kinds, as shown in the API and on the status page.
#include "server/events.h"

namespace bs::server {

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::LeaseGranted:
      return "lease-granted";
    case EventKind::LeaseReleased:
      return "lease-released";
    case EventKind::Declined:
      return "declined";
    case EventKind::Nak:
      return "nak";
    case EventKind::Conflict:
      return "conflict";
    case EventKind::RogueServer:
      return "rogue-server";
    case EventKind::StorageError:
      return "storage-error";
    case EventKind::Recovery:
      return "recovery";
    case EventKind::ConfigReload:
      return "config-reload";
  }
  return "unknown";
}

}  // namespace bs::server
