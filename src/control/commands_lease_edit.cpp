// The lease commands that change leases: lease4-add, lease4-update,
// lease4-del and lease4-wipe. Arguments are checked here on the HTTP thread;
// the change is then made on the pipeline thread through the engine and is
// committed to the lease store before the answer says "added" or
// "deleted", the same durability rule a DHCPACK obeys. Nothing changes when
// a check fails or the store refuses.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "common/text.h"
#include "control/command_handlers.h"
#include "control/controller.h"

namespace bs::control {
namespace {

// What lease4-add/update were given; empty fields were not.
struct LeaseEdit {
  Ip4 address;
  std::optional<HwAddr> hw_address;
  std::optional<Bytes> client_id;
  std::optional<uint32_t> subnet_id;
  std::optional<uint32_t> valid_lifetime_s;
  std::optional<int64_t> expire_s;
  std::optional<std::string> hostname;
  std::optional<LeaseState> state;
  bool update = false;        // lease4-update: the lease must exist unless force_create
  bool force_create = false;  // lease4-update's "force-create"
};

constexpr std::string_view kEditKeys[] = {
    "ip-address", "hw-address", "client-id", "subnet-id", "valid-lft",    "expire",
    "hostname",   "state",      "fqdn-fwd",  "fqdn-rev",  "force-create",
};

LeaseEdit read_edit(const Json& request, bool update) {
  const Json args = arguments_of(request, kEditKeys);
  LeaseEdit edit;
  edit.update = update;
  edit.address = need_ip4(args, "ip-address");
  if (edit.address.is_zero()) throw CommandError("'ip-address' must not be 0.0.0.0");
  if (auto hw = opt_string(args, "hw-address"))
    edit.hw_address = parse_hw_argument("hw-address", *hw);
  if (auto id = opt_string(args, "client-id")) {
    edit.client_id = parse_client_id_argument("client-id", *id);
  }
  if (auto id = opt_integer(args, "subnet-id", 1, UINT32_MAX)) {
    edit.subnet_id = static_cast<uint32_t>(*id);
  }
  if (auto lft = opt_integer(args, "valid-lft", 0, UINT32_MAX)) {
    edit.valid_lifetime_s = static_cast<uint32_t>(*lft);
  }
  edit.expire_s = opt_integer(args, "expire", 0, INT64_MAX / 2);
  edit.hostname = opt_string(args, "hostname");
  if (edit.hostname && edit.hostname->size() > kMaxHostnameBytes) {
    throw CommandError("'hostname' is longer than 255 characters");
  }
  if (auto state = opt_integer(args, "state", 0, 2)) edit.state = static_cast<LeaseState>(*state);
  for (std::string_view key : {"fqdn-fwd", "fqdn-rev"}) {
    if (opt_bool(args, key).value_or(false)) {
      throw CommandError("'" + std::string(key) +
                         "' must be false: blackstart does no DNS updates");
    }
  }
  edit.force_create = opt_bool(args, "force-create").value_or(false);
  if (!update && edit.force_create) throw CommandError("'force-create' belongs to lease4-update");
  if (!update && !edit.hw_address) throw CommandError("'hw-address' is required");
  return edit;
}

const config::Subnet& subnet_for(const config::Config& config, const LeaseEdit& edit,
                                 const Lease* existing) {
  std::optional<uint32_t> wanted = edit.subnet_id;
  if (!wanted && existing != nullptr) wanted = existing->subnet_id;
  if (wanted) {
    const config::Subnet* subnet = config.find_subnet(*wanted);
    if (subnet == nullptr) throw CommandError(fmt::format("no subnet with id {}", *wanted));
    if (!subnet->contains(edit.address)) {
      throw CommandError(fmt::format("{} is not in subnet {} ({}/{})", to_string(edit.address),
                                     subnet->id, to_string(subnet->prefix), subnet->prefix_len));
    }
    return *subnet;
  }
  for (const config::Subnet& subnet : config.subnets) {
    if (subnet.contains(edit.address)) return subnet;
  }
  throw CommandError(to_string(edit.address) + " is in no configured subnet");
}

// A reservation is a promise to one device; a lease may not break it.
void check_reservation(const config::Subnet& subnet, const Lease& lease) {
  for (const config::Reservation& reservation : subnet.reservations) {
    if (reservation.ip_address != lease.address) continue;
    const bool hw_ok = reservation.hw_address && *reservation.hw_address == lease.hw_address;
    const bool id_ok = !reservation.client_id.empty() && reservation.client_id == lease.client_id;
    if (hw_ok || id_ok) return;
    const std::string owner = reservation.hw_address ? to_string(*reservation.hw_address)
                                                     : to_hex_colon(reservation.client_id);
    throw CommandError(
        fmt::format("{} is reserved for {}{}", to_string(lease.address), owner,
                    reservation.hostname.empty() ? "" : " (" + reservation.hostname + ")"));
  }
}

bool in_use(const Lease& lease, int64_t now_s) {
  return lease.state != LeaseState::Reclaimed && lease.expires_at_s() > now_s;
}

// The lease the edit asks for, merged onto the existing row for an update.
Lease build_lease(const config::Config& config, const config::Subnet& subnet, const LeaseEdit& edit,
                  const Lease* existing, int64_t now_s) {
  Lease lease = existing != nullptr && edit.update ? *existing : Lease{};
  lease.address = edit.address;
  lease.subnet_id = subnet.id;
  if (edit.hw_address) lease.hw_address = *edit.hw_address;
  if (edit.client_id) lease.client_id = *edit.client_id;
  if (edit.hostname) lease.hostname = *edit.hostname;
  if (edit.state) lease.state = *edit.state;
  if (edit.valid_lifetime_s) {
    lease.valid_lifetime_s = *edit.valid_lifetime_s;
  } else if (existing == nullptr || !edit.update) {
    lease.valid_lifetime_s = subnet.valid_lifetime_s.value_or(config.valid_lifetime_s);
  }
  if (edit.expire_s) {
    lease.cltt_s = *edit.expire_s - lease.valid_lifetime_s;
  } else if (existing == nullptr || !edit.update || edit.valid_lifetime_s) {
    lease.cltt_s = now_s;
  }
  if (lease.hw_address.empty() && lease.client_id.empty()) {
    throw CommandError("a lease needs 'hw-address' or 'client-id'");
  }
  return lease;
}

// Pipeline thread: validates against the running state, changes, commits.
Json apply_edit(Controller& controller, const LeaseEdit& edit) {
  server::Server& server = controller.server();
  const int64_t now_s = controller.now_s();
  const Lease* existing = server.engine().find_row(edit.address);
  if (!edit.update && existing != nullptr && in_use(*existing, now_s)) {
    return answer(kError, "IPv4 lease already exists for " + to_string(edit.address) +
                              " (use lease4-update to change it)");
  }
  if (edit.update && existing == nullptr && !edit.force_create) {
    return answer(kEmpty, "no IPv4 lease for " + to_string(edit.address) +
                              " to update; set 'force-create' to add it");
  }
  try {
    const config::Subnet& subnet = subnet_for(server.config(), edit, existing);
    const Lease lease = build_lease(server.config(), subnet, edit, existing, now_s);
    check_reservation(subnet, lease);
    const LeaseChange change = server.admin_engine().put_lease(lease, now_s);
    if (auto stored = server.commit_admin({&change, 1}); !stored) {
      return answer(kError,
                    "the lease store refused the change, nothing changed: " + stored.error());
    }
    const bool added = existing == nullptr || !edit.update;
    return answer(kSuccess,
                  fmt::format("IPv4 lease for {} in subnet {} {}.", to_string(lease.address),
                              lease.subnet_id, added ? "added" : "updated"));
  } catch (const CommandError& e) {
    return answer(e.result, e.what());
  }
}

Json edit_lease(Executor& executor, const Json& request, bool update) {
  const LeaseEdit edit = read_edit(request, update);
  return on_pipeline<Json>(executor,
                           [edit](Controller& controller) { return apply_edit(controller, edit); });
}

// Pipeline thread: removes every row `match` selects in one commit.
Json remove_rows(Controller& controller, const std::function<bool(const Lease&)>& match,
                 size_t& removed) {
  server::Server& server = controller.server();
  std::vector<Ip4> doomed;
  server.engine().for_each_row([&](const Lease& lease) {
    if (match(lease)) doomed.push_back(lease.address);
  });
  std::vector<LeaseChange> changes;
  changes.reserve(doomed.size());
  for (Ip4 address : doomed) {
    auto change = server.admin_engine().remove_lease(address, controller.now_s());
    if (change) changes.push_back(std::move(*change));
  }
  if (auto stored = server.commit_admin(changes); !stored) {
    return answer(kError, "the lease store refused the change, nothing changed: " + stored.error());
  }
  removed = changes.size();
  return nullptr;
}

}  // namespace

Json lease4_add(Executor& executor, const Json& request) {
  return edit_lease(executor, request, false);
}

Json lease4_update(Executor& executor, const Json& request) {
  return edit_lease(executor, request, true);
}

Json lease4_del(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"ip-address", "identifier-type", "identifier",
                                               "subnet-id"};
  const Json args = arguments_of(request, kKeys);
  std::function<bool(const Lease&)> match;
  if (args.contains("ip-address")) {
    const Ip4 address = need_ip4(args, "ip-address");
    match = [address](const Lease& lease) { return lease.address == address; };
  } else if (args.contains("identifier-type")) {
    match = lease_identifier_match(args);
  } else {
    throw CommandError(
        "lease4-del needs 'ip-address', or 'identifier-type', 'identifier' and 'subnet-id'");
  }
  return on_pipeline<Json>(executor, [match](Controller& controller) {
    size_t removed = 0;
    Json failed = remove_rows(controller, match, removed);
    if (!failed.is_null()) return failed;
    if (removed == 0) return answer(kEmpty, "IPv4 lease not found.");
    return answer(kSuccess, "IPv4 lease deleted.");
  });
}

Json lease4_wipe(Executor& executor, const Json& request) {
  static constexpr std::string_view kKeys[] = {"subnet-id"};
  const Json args = arguments_of(request, kKeys);
  const auto subnet_id = opt_integer(args, "subnet-id", 1, UINT32_MAX);
  return on_pipeline<Json>(executor, [subnet_id](Controller& controller) {
    const auto match = [subnet_id](const Lease& lease) {
      return !subnet_id || lease.subnet_id == static_cast<uint32_t>(*subnet_id);
    };
    size_t removed = 0;
    Json failed = remove_rows(controller, match, removed);
    if (!failed.is_null()) return failed;
    const std::string where = subnet_id ? fmt::format("subnet {}", *subnet_id) : "all subnets";
    return answer(removed == 0 ? kEmpty : kSuccess,
                  fmt::format("Deleted {} IPv4 lease(s) from {}.", removed, where));
  });
}

}  // namespace bs::control
