// The read-only lease commands: lease4-get, lease4-get-all, lease4-get-page
// and lease4-get-by-{hw-address,client-id,hostname}. Each copies the matching
// stored rows on the pipeline thread (cheap) and builds the JSON here, on the
// HTTP thread, so a large answer never stalls the packet loop. Offers are
// not leases and are not listed (the status page shows them).
#include <algorithm>
#include <cctype>
#include <functional>
#include <vector>

#include "common/text.h"
#include "control/command_handlers.h"
#include "control/controller.h"
#include "control/lease_json.h"

namespace bs::control {
namespace {

using Match = std::function<bool(const Lease&)>;

std::vector<Lease> rows_matching(Executor& executor, Match match) {
  auto rows =
      on_pipeline<std::vector<Lease>>(executor, [match = std::move(match)](Controller& controller) {
        std::vector<Lease> out;
        controller.server().engine().for_each_row([&](const Lease& lease) {
          if (match(lease)) out.push_back(lease);
        });
        return out;
      });
  std::sort(rows.begin(), rows.end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return rows;
}

Json lease_list(const std::vector<Lease>& rows) {
  Json leases = Json::array();
  for (const Lease& lease : rows) leases.push_back(lease_to_json(lease));
  const std::string text = std::to_string(rows.size()) + " IPv4 lease(s) found.";
  return answer(rows.empty() ? kEmpty : kSuccess, text, Json{{"leases", std::move(leases)}});
}

bool same_hw(const HwAddr& a, const HwAddr& b) { return std::ranges::equal(a.view(), b.view()); }

bool same_text_ignoring_case(const std::string& a, const std::string& b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// Kea's "identifier-type" + "identifier" (+ "subnet-id") form of lease4-get
// and lease4-del, as a row predicate.
Match identifier_match(const Json& args) {
  const std::string type = need_string(args, "identifier-type");
  const std::string identifier = need_string(args, "identifier");
  const auto subnet_id = opt_integer(args, "subnet-id", 1, UINT32_MAX);
  if (!subnet_id) throw CommandError("'subnet-id' is required with 'identifier-type'");
  const auto subnet = static_cast<uint32_t>(*subnet_id);
  if (type == "hw-address") {
    const HwAddr hw = parse_hw_argument("identifier", identifier);
    return [hw, subnet](const Lease& lease) {
      return lease.subnet_id == subnet && same_hw(lease.hw_address, hw);
    };
  }
  if (type == "client-id") {
    const Bytes id = parse_client_id_argument("identifier", identifier);
    return [id, subnet](const Lease& lease) {
      return lease.subnet_id == subnet && lease.client_id == id;
    };
  }
  throw CommandError("'identifier-type' must be \"hw-address\" or \"client-id\", got '" + type +
                     "'");
}

}  // namespace

// Shared with commands_lease_edit.cpp (lease4-del by identifier).
Match lease_identifier_match(const Json& args) { return identifier_match(args); }

Json lease4_get(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"ip-address", "identifier-type", "identifier",
                                               "subnet-id"};
  const Json args = arguments_of(request, kKeys);
  Match match;
  if (args.contains("ip-address")) {
    const Ip4 address = need_ip4(args, "ip-address");
    match = [address](const Lease& lease) { return lease.address == address; };
  } else if (args.contains("identifier-type")) {
    match = identifier_match(args);
  } else {
    throw CommandError(
        "lease4-get needs 'ip-address', or 'identifier-type', 'identifier' and "
        "'subnet-id'");
  }
  const auto rows = rows_matching(executor, std::move(match));
  if (rows.empty()) return answer(kEmpty, "Lease not found.");
  // By identifier the client's newest record is the one that counts.
  const auto newest = std::max_element(
      rows.begin(), rows.end(), [](const Lease& a, const Lease& b) { return a.cltt_s < b.cltt_s; });
  return answer(kSuccess, "IPv4 lease found.", lease_to_json(*newest));
}

Json lease4_get_all(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"subnets"};
  const Json args = arguments_of(request, kKeys);
  std::vector<uint32_t> subnets;
  if (args.contains("subnets")) {
    const Json& list = args["subnets"];
    if (!list.is_array()) throw CommandError("'subnets' must be a list of subnet ids");
    for (const Json& id : list) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > UINT32_MAX) {
        throw CommandError("'subnets' must hold subnet ids (integers), got " + id.dump());
      }
      subnets.push_back(id.get<uint32_t>());
    }
  }
  return lease_list(rows_matching(executor, [subnets](const Lease& lease) {
    return subnets.empty() ||
           std::find(subnets.begin(), subnets.end(), lease.subnet_id) != subnets.end();
  }));
}

Json lease4_get_page(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"from", "limit"};
  const Json args = arguments_of(request, kKeys);
  const std::string from_text = need_string(args, "from");
  Ip4 from;
  if (from_text != "start") {
    const auto parsed = parse_ip4(from_text);
    if (!parsed) throw CommandError("'from' must be \"start\" or an IPv4 address");
    from = *parsed;
  }
  const auto limit = opt_integer(args, "limit", 1, 1'000'000);
  if (!limit) throw CommandError("'limit' is required");
  const bool from_start = from_text == "start";
  auto rows = rows_matching(executor, [from, from_start](const Lease& lease) {
    return from_start || from < lease.address;
  });
  if (rows.size() > static_cast<size_t>(*limit)) rows.resize(static_cast<size_t>(*limit));
  Json out = lease_list(rows);
  out["arguments"]["count"] = rows.size();
  return out;
}

Json lease4_get_by_hw_address(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"hw-address"};
  const Json args = arguments_of(request, kKeys);
  const HwAddr hw = parse_hw_argument("hw-address", need_string(args, "hw-address"));
  return lease_list(
      rows_matching(executor, [hw](const Lease& lease) { return same_hw(lease.hw_address, hw); }));
}

Json lease4_get_by_client_id(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"client-id"};
  const Json args = arguments_of(request, kKeys);
  const Bytes id = parse_client_id_argument("client-id", need_string(args, "client-id"));
  return lease_list(
      rows_matching(executor, [id](const Lease& lease) { return lease.client_id == id; }));
}

Json lease4_get_by_hostname(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"hostname"};
  const Json args = arguments_of(request, kKeys);
  const std::string hostname = need_string(args, "hostname");
  if (hostname.empty()) throw CommandError("'hostname' must not be empty");
  // Matched as the API shows the name, so a name with invalid UTF-8 can be
  // looked up by the \xNN form its lease4-get answer carries.
  return lease_list(rows_matching(executor, [hostname](const Lease& lease) {
    return same_text_ignoring_case(escape_invalid_utf8(lease.hostname), hostname);
  }));
}

}  // namespace bs::control
