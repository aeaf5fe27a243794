// The status page's data: snapshots, filtered events, lease search and one
// client's history. History comes from the in-memory event ring (the most
// recent few thousand events), not from the lease store.
#include "control/api_views.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/text.h"
#include "control/command_handlers.h"
#include "control/controller.h"
#include "control/lease_json.h"
#include "control/metrics.h"
#include "control/status_json.h"

namespace bs::control {
namespace {

StatusSnapshot take_snapshot(Executor& executor) {
  return on_pipeline<StatusSnapshot>(executor,
                                     [](Controller& controller) { return controller.snapshot(); });
}

std::string normalized(std::string text) {
  for (char& c : text) {
    c = c == '-' ? ':' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

bool lease_matches(const Lease& lease, const std::string& query) {
  if (query.empty()) return true;
  for (const std::string& field :
       {to_string(lease.address), to_string(lease.hw_address), to_hex_colon(lease.client_id),
        escape_invalid_utf8(lease.hostname)}) {
    if (normalized(field).find(query) != std::string::npos) return true;
  }
  return false;
}

// Matches a client by MAC or by client id, whichever `client` parses as.
struct ClientKey {
  std::optional<HwAddr> hw;
  std::optional<Bytes> client_id;

  bool matches(const HwAddr& hw_address, const Bytes& id) const {
    const bool hw_hit =
        hw && !hw_address.empty() && std::ranges::equal(hw->view(), hw_address.view());
    return hw_hit || (client_id && !id.empty() && *client_id == id);
  }
};

struct History {
  std::vector<Lease> leases;
  std::vector<server::Event> events;
};

}  // namespace

Json api_status(Executor& executor) {
  const StatusSnapshot snapshot = take_snapshot(executor);
  Json out = status_to_json(snapshot);
  out["subnets"] = subnets_to_json(snapshot);
  return out;
}

Json api_subnets(Executor& executor) { return subnets_to_json(take_snapshot(executor)); }

Json api_events(Executor& executor, std::vector<std::string> kinds, size_t limit) {
  const auto events = on_pipeline<std::vector<server::Event>>(
      executor, [kinds = std::move(kinds), limit](Controller& controller) {
        std::vector<server::Event> out;
        const auto& all = controller.server().events().all();
        for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it) {
          const std::string kind = server::to_string(it->kind);
          if (kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) {
            out.push_back(*it);
          }
        }
        return out;
      });
  Json list = Json::array();
  for (const server::Event& event : events) list.push_back(event_to_json(event));
  return Json{{"events", std::move(list)}};
}

Json api_leases(Executor& executor, std::string query, size_t limit) {
  query = normalized(std::move(query));
  struct Found {
    std::vector<Lease> leases;
    size_t matched = 0;
    size_t total = 0;
  };
  Found found = on_pipeline<Found>(executor, [query](Controller& controller) {
    Found out;
    controller.server().engine().for_each_lease([&](const Lease& lease) {
      ++out.total;
      if (!lease_matches(lease, query)) return;
      ++out.matched;
      out.leases.push_back(lease);
    });
    return out;
  });
  std::sort(found.leases.begin(), found.leases.end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  if (found.leases.size() > limit) found.leases.resize(limit);
  Json list = Json::array();
  for (const Lease& lease : found.leases) list.push_back(lease_to_json(lease));
  return Json{{"leases", std::move(list)}, {"matched", found.matched}, {"total", found.total}};
}

Json api_history(Executor& executor, const std::string& client) {
  ClientKey key{parse_hwaddr(client), parse_hex(client)};
  if (!key.hw && !key.client_id) {
    throw std::invalid_argument("'client' must be a MAC address or a client id in hex");
  }
  const History history = on_pipeline<History>(executor, [key](Controller& controller) {
    History out;
    controller.server().engine().for_each_lease([&](const Lease& lease) {
      if (key.matches(lease.hw_address, lease.client_id)) out.leases.push_back(lease);
    });
    const auto& all = controller.server().events().all();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (key.matches(it->hw_address, it->client_id)) out.events.push_back(*it);
    }
    return out;
  });
  Json leases = Json::array();
  for (const Lease& lease : history.leases) leases.push_back(lease_to_json(lease));
  Json events = Json::array();
  for (const server::Event& event : history.events) events.push_back(event_to_json(event));
  return Json{{"client", client}, {"leases", std::move(leases)}, {"events", std::move(events)}};
}

std::string api_metrics(Executor& executor) { return format_metrics(take_snapshot(executor)); }

}  // namespace bs::control
