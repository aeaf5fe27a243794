// The lease commands that change leases: lease4-add, lease4-update,
// lease4-del and lease4-wipe. Arguments are checked here on the HTTP thread;
// the change is then made on the pipeline thread through the engine and is
// committed to the lease store before the answer says "added" or
// "deleted", the same durability rule a DHCPACK obeys. Nothing changes when
// a check fails or the store refuses.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "common/clock.h"
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

// Hostile-input checks on the lease an edit produces (Kea makes none of
// them; docs/CONTROL_API.md says why blackstart does). `before` is the row
// an update changes, nullptr for a new lease.

// The subnet's own address and its broadcast address are no host's (RFC 950);
// /31 and /32 have neither (RFC 3021).
void check_host_address(const config::Subnet& subnet, Ip4 address) {
  if (subnet.prefix_len >= 31) return;
  const uint32_t mask = prefix_mask(subnet.prefix_len);
  const uint32_t network = subnet.prefix.value & mask;
  const char* what = address.value == network             ? "network"
                     : address.value == (network | ~mask) ? "broadcast"
                                                          : nullptr;
  if (what == nullptr) return;
  throw CommandError(fmt::format("{} is the {} address of subnet {} ({}/{}), not a host address",
                                 to_string(address), what, subnet.id, to_string(subnet.prefix),
                                 subnet.prefix_len));
}

uint32_t longest_lifetime_s(const config::Config& config) {
  uint32_t longest = config.valid_lifetime_s;
  for (const config::Subnet& subnet : config.subnets) {
    longest = std::max(longest, subnet.valid_lifetime_s.value_or(config.valid_lifetime_s));
  }
  return longest;
}

// No lease may outlast what the server itself could grant: recovery mode
// after a crash ends after the longest configured lifetime, on the promise
// that every lease from before has ended by then. A little slack covers the
// clock of the machine that computed 'expire'.
void check_expiry(const config::Config& config, const Lease& lease, const Lease* before,
                  int64_t now_s) {
  constexpr int64_t kClockSlack_s = 300;
  if (before != nullptr && before->expires_at_s() == lease.expires_at_s()) return;
  const uint32_t longest_s = longest_lifetime_s(config);
  if (lease.expires_at_s() <= now_s + longest_s + kClockSlack_s) return;
  throw CommandError(fmt::format(
      "the lease would end at {} UTC, more than the longest configured valid-lifetime ({} s) "
      "from now; lower 'expire' or 'valid-lft'",
      format_utc(lease.expires_at_s(), "%Y-%m-%d %H:%M:%S"), longest_s));
}

bool same_client(const Lease& a, const Lease& b) {
  return (!a.hw_address.empty() && a.hw_address == b.hw_address) ||
         (!a.client_id.empty() && a.client_id == b.client_id);
}

// One bound lease per client (MAC or client-id) and subnet: a second one
// would hold an address the client never uses and the DHCP path never finds.
void check_one_per_client(const server::Server& server, const Lease& lease, const Lease* before,
                          int64_t now_s) {
  if (!lease.bound_at(now_s)) return;
  if (before != nullptr && before->bound_at(now_s) && before->subnet_id == lease.subnet_id &&
      before->hw_address == lease.hw_address && before->client_id == lease.client_id) {
    return;
  }
  const Lease* other = nullptr;
  server.engine().for_each_row([&](const Lease& row) {
    if (other == nullptr && row.address != lease.address && row.subnet_id == lease.subnet_id &&
        row.bound_at(now_s) && same_client(row, lease)) {
      other = &row;
    }
  });
  if (other == nullptr) return;
  const std::string who = !lease.hw_address.empty() && lease.hw_address == other->hw_address
                              ? "hw-address " + to_string(lease.hw_address)
                              : "client-id " + to_hex_colon(lease.client_id);
  throw CommandError(fmt::format(
      "{} already has lease {} in subnet {}; one lease per client and subnet (delete or "
      "update that one)",
      who, to_string(other->address), lease.subnet_id));
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
    const Lease* before = edit.update ? existing : nullptr;
    check_host_address(subnet, lease.address);
    check_expiry(server.config(), lease, before, now_s);
    check_one_per_client(server, lease, before, now_s);
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
