// Kea "subnet4" entries: prefixes, pools, reservations and relays, with the
// consistency checks (containment, overlaps, duplicates) that would otherwise
// surface at run time as two clients handed the same address.
#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "common/text.h"
#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kSubnetOwnKeys[] = {
    "id",
    "subnet",
    "pools",
    "option-data",
    "reservations",
    "relay",
    "interface",
    "valid-lifetime",
    "renew-timer",
    "rebind-timer",
    // config_classes.cpp
    "client-class",
    "client-classes",
    "require-client-classes",
    "evaluate-additional-classes",
};
// "pool-id" labels a pool in Kea's statistics; accepted, not used.
constexpr std::string_view kPoolKeys[] = {"pool",
                                          "option-data",
                                          "pool-id",
                                          "client-class",
                                          "client-classes",
                                          "require-client-classes",
                                          "evaluate-additional-classes"};
constexpr std::string_view kReservationKeys[] = {
    "hw-address",  "client-id",       "duid",           "circuit-id",
    "flex-id",     "ip-address",      "hostname",       "option-data",
    "next-server", "server-hostname", "boot-file-name", "client-classes",
};
constexpr std::string_view kIdentifierKeys[] = {"hw-address", "client-id", "duid", "circuit-id",
                                                "flex-id"};

const std::vector<std::string_view>& subnet_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> out(std::begin(kSubnetOwnKeys), std::end(kSubnetOwnKeys));
    const auto network = network_setting_keys();
    out.insert(out.end(), network.begin(), network.end());
    return out;
  }();
  return keys;
}
// "ip-address" is the single-relay form older Kea versions wrote.
constexpr std::string_view kRelayKeys[] = {"ip-addresses", "ip-address"};
BS_CONFIG_KEYS("Dhcp4.subnet4[]", subnet_keys());
BS_CONFIG_KEYS("Dhcp4.subnet4[].pools[]", kPoolKeys);
BS_CONFIG_KEYS("Dhcp4.subnet4[].reservations[], Dhcp4.reservations[]", kReservationKeys);
BS_CONFIG_KEYS("Dhcp4.subnet4[].relay", kRelayKeys);

// 0 is "no subnet" and 2^32-1 is reserved in Kea.
constexpr uint32_t kMaxSubnetId = 4294967294u;

struct Prefix {
  Ip4 network;
  int length = 0;
};

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

std::optional<Prefix> parse_prefix(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = parse_ip4(trim(text.substr(0, slash)));
  const std::string_view digits = trim(text.substr(slash + 1));
  int length = -1;
  const char* end = digits.data() + digits.size();
  const auto parsed = std::from_chars(digits.data(), end, length);
  if (!address || digits.empty() || parsed.ec != std::errc() || parsed.ptr != end || length < 1 ||
      length > 32) {
    return std::nullopt;
  }
  return Prefix{*address, length};
}

uint32_t last_address(const Prefix& prefix) {
  return prefix.network.value | ~prefix_mask(prefix.length);
}

std::string prefix_text(Ip4 network, int length) {
  return to_string(network) + "/" + std::to_string(length);
}

// A closed address range tagged with the list index it came from.
struct Span {
  uint32_t first = 0, last = 0;
  size_t index = 0;
};

// Some pair of overlapping spans as (earlier index, later index), if any.
std::optional<std::pair<size_t, size_t>> find_overlap(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.first < b.first; });
  const Span* widest = nullptr;
  for (const Span& span : spans) {
    if (widest != nullptr && span.first <= widest->last) {
      return std::pair{std::min(span.index, widest->index), std::max(span.index, widest->index)};
    }
    if (widest == nullptr || span.last > widest->last) widest = &span;
  }
  return std::nullopt;
}

// The two textual pool forms Kea accepts; nullopt when the text is neither.
std::optional<Pool> parse_pool_form(std::string_view text) {
  if (text.find('/') != std::string_view::npos) {
    const auto prefix = parse_prefix(text);
    if (!prefix || (prefix->network.value & prefix_mask(prefix->length)) != prefix->network.value) {
      return std::nullopt;
    }
    return Pool{prefix->network, Ip4{last_address(*prefix)}, {}};
  }
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto first = parse_ip4(trim(text.substr(0, dash)));
  const auto last = parse_ip4(trim(text.substr(dash + 1)));
  if (!first || !last) return std::nullopt;
  return Pool{*first, *last, {}};
}

Result<Pool> parse_pool_text(const Reader& reader, const Node& node, const Subnet& subnet) {
  auto text = reader.get_string(node);
  if (!text) return tl::unexpected(text.error());
  const auto parsed = parse_pool_form(*text);
  if (!parsed) {
    return tl::unexpected(
        reader.error(node, node.path +
                               " must be \"FIRST - LAST\" or a network \"ADDRESS/LENGTH\" of IPv4 "
                               "addresses, got " +
                               describe_value(*node.value)));
  }
  const Pool& pool = *parsed;
  if (pool.first > pool.last) {
    return tl::unexpected(
        reader.error(node, node.path + ": the first address is after the last one"));
  }
  if (!subnet.contains(pool.first) || !subnet.contains(pool.last)) {
    return tl::unexpected(reader.error(node, node.path + " " + quote(*text) +
                                                 " is not inside the subnet " +
                                                 prefix_text(subnet.prefix, subnet.prefix_len)));
  }
  return pool;
}

Result<Pool> read_pool(const Reader& reader, const Node& entry, const Subnet& subnet) {
  if (auto ok = reader.expect_object(entry); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(entry, Scope::Pool, kPoolKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  const auto text = entry.find("pool");
  if (!text) return tl::unexpected(reader.error(entry, entry.path + " needs a \"pool\""));
  auto pool = parse_pool_text(reader, *text, subnet);
  if (!pool) return pool;
  if (const auto options = entry.find("option-data")) {
    auto list = read_option_data(reader, *options);
    if (!list) return tl::unexpected(list.error());
    pool->options = std::move(*list);
  }
  if (auto ok = read_class_guard(reader, entry, pool->client_classes, pool->required_classes);
      !ok) {
    return tl::unexpected(ok.error());
  }
  return pool;
}

Status read_pools(const Reader& reader, const Node& list, Subnet& subnet) {
  if (auto ok = reader.expect_array(list); !ok) return tl::unexpected(ok.error());
  std::vector<Span> spans;
  for (size_t i = 0; i < list.value->size(); ++i) {
    auto pool = read_pool(reader, list.element(i), subnet);
    if (!pool) return tl::unexpected(pool.error());
    spans.push_back({pool->first.value, pool->last.value, i});
    subnet.pools.push_back(*pool);
  }
  if (const auto overlap = find_overlap(std::move(spans))) {
    const Node earlier = *list.element(overlap->first).find("pool");
    const Node later = *list.element(overlap->second).find("pool");
    return tl::unexpected(reader.error(
        later, later.path + " overlaps " + earlier.path + " " +
                   quote(earlier.value->get_ref<const std::string&>()) + " (line " +
                   std::to_string(reader.line_of(earlier)) + "); pools must not overlap"));
  }
  return {};
}

// Kea's identifier text: hex ("01:aa:bb" or "01aabb"), or literal text in
// single quotes.
Result<Bytes> read_identifier_bytes(const Reader& reader, const Node& node) {
  auto text = reader.get_string(node);
  if (!text) return tl::unexpected(text.error());
  std::optional<Bytes> bytes;
  if (text->size() >= 3 && text->front() == '\'' && text->back() == '\'') {
    bytes = Bytes(text->begin() + 1, text->end() - 1);
  } else {
    bytes = parse_hex(*text);
  }
  if (!bytes || bytes->empty() || bytes->size() > 255) {
    return tl::unexpected(reader.error(
        node, node.path +
                  " must be hex like \"01:aa:bb:cc:dd:ee:ff\" or 'text' in single quotes, "
                  "got " +
                  describe_value(*node.value)));
  }
  return std::move(*bytes);
}

// Kea allows one identifier per reservation; blackstart has always accepted
// a hw-address together with a client-id, and keeps doing so.
Status read_identifier(const Reader& reader, const Node& node, std::string_view key,
                       Reservation& out) {
  if (key == "hw-address") {
    auto text = reader.get_string(node);
    if (!text) return tl::unexpected(text.error());
    out.hw_address = parse_hwaddr(*text);
    if (!out.hw_address) {
      return tl::unexpected(reader.error(
          node,
          node.path + " must be like \"aa:bb:cc:dd:ee:ff\", got " + describe_value(*node.value)));
    }
    return {};
  }
  auto bytes = read_identifier_bytes(reader, node);
  if (!bytes) return tl::unexpected(bytes.error());
  if (key == "client-id") {
    out.client_id = std::move(*bytes);
  } else if (key == "duid") {
    out.duid = std::move(*bytes);
  } else if (key == "circuit-id") {
    out.circuit_id = std::move(*bytes);
  } else {
    reader.warn(node, node.path +
                          ": flex-id reservations need Kea's flex_id hook, which blackstart "
                          "does not have; as in Kea without the hook, this one never matches");
  }
  return {};
}

Status read_identifiers(const Reader& reader, const Node& entry, Reservation& out) {
  bool any = false;
  for (std::string_view key : kIdentifierKeys) {
    const auto node = entry.find(key);
    if (!node) continue;
    any = true;
    if (auto ok = read_identifier(reader, *node, key, out); !ok) return ok;
  }
  if (any) return {};
  return tl::unexpected(reader.error(
      entry, entry.path + " needs an identifier: \"hw-address\", \"client-id\", \"duid\", "
                          "\"circuit-id\" or \"flex-id\""));
}

Status read_reservation_details(const Reader& reader, const Node& entry, const Subnet* subnet,
                                Reservation& out) {
  if (const auto ip = entry.find("ip-address")) {
    auto address = reader.get_ip4(*ip);
    if (!address) return tl::unexpected(address.error());
    if (subnet != nullptr && !address->is_zero() && !subnet->contains(*address)) {
      return tl::unexpected(reader.error(*ip, ip->path + " " + to_string(*address) +
                                                  " is not inside the subnet " +
                                                  prefix_text(subnet->prefix, subnet->prefix_len)));
    }
    out.ip_address = *address;
  }
  if (const auto hostname = entry.find("hostname")) {
    if (!hostname->value->is_string() ||
        hostname->value->get_ref<const std::string&>().size() > kMaxHostnameBytes) {
      return tl::unexpected(reader.error(
          *hostname, hostname->path + " must be a host name of at most 255 characters, got " +
                         describe_value(*hostname->value)));
    }
    out.hostname = hostname->value->get<std::string>();
  }
  if (const auto options = entry.find("option-data")) {
    auto list = read_option_data(reader, *options);
    if (!list) return tl::unexpected(list.error());
    out.options = std::move(*list);
  }
  if (auto ok = read_host_classes(reader, entry, out); !ok) return ok;
  return read_boot_fields(reader, entry, out.boot);
}

}  // namespace

Result<Reservation> read_reservation(const Reader& reader, const Node& entry,
                                     const Subnet* subnet) {
  if (auto ok = reader.expect_object(entry); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(entry, Scope::Reservation, kReservationKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  Reservation out;
  if (auto ok = read_identifiers(reader, entry, out); !ok) return tl::unexpected(ok.error());
  if (auto ok = read_reservation_details(reader, entry, subnet, out); !ok) {
    return tl::unexpected(ok.error());
  }
  return out;
}

namespace {

// Remembers the first use of each value so a repeat can name both places.
class DuplicateFinder {
 public:
  // Where `value` was first used, or nothing when this is its first use.
  std::optional<Node> seen(const std::string& value, const Node& where) {
    const auto [it, inserted] = first_use_.emplace(value, where);
    if (inserted) return std::nullopt;
    return it->second;
  }

 private:
  std::unordered_map<std::string, Node> first_use_;
};

Status read_reservations(const Reader& reader, const Node& list, Subnet& subnet) {
  if (auto ok = reader.expect_array(list); !ok) return tl::unexpected(ok.error());
  DuplicateFinder addresses, identifiers;
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node entry = list.element(i);
    auto reservation = read_reservation(reader, entry, &subnet);
    if (!reservation) return tl::unexpected(reservation.error());
    std::vector<std::pair<std::optional<Node>, std::string>> clashes;
    if (!reservation->ip_address.is_zero()) {
      clashes.emplace_back(addresses.seen(to_string(reservation->ip_address), entry), "ip-address");
    }
    if (reservation->hw_address) {
      clashes.emplace_back(identifiers.seen("hw:" + to_string(*reservation->hw_address), entry),
                           "hw-address");
    }
    const std::pair<const Bytes*, std::string_view> others[] = {
        {&reservation->client_id, "client-id"},
        {&reservation->duid, "duid"},
        {&reservation->circuit_id, "circuit-id"},
    };
    for (const auto& [bytes, key] : others) {
      if (bytes->empty()) continue;
      clashes.emplace_back(identifiers.seen(std::string(key) + ":" + to_hex_colon(*bytes), entry),
                           key);
    }
    for (const auto& [earlier, key] : clashes) {
      if (!earlier) continue;
      const Node value = *entry.find(key);
      return tl::unexpected(
          reader.error(value, value.path + " is the same as in " + earlier->path + " (line " +
                                  std::to_string(reader.line_of(*earlier)) + ") of this subnet"));
    }
    subnet.reservations.push_back(std::move(*reservation));
  }
  return {};
}

Status read_relay(const Reader& reader, const Node& relay, Subnet& subnet) {
  if (auto ok = reader.expect_object(relay); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(relay, Scope::Relay, kRelayKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  if (const auto single = relay.find("ip-address")) {
    auto address = reader.get_ip4(*single);
    if (!address) return tl::unexpected(address.error());
    subnet.relay_addresses.push_back(*address);
  }
  const auto list = relay.find("ip-addresses");
  if (!list) return {};
  if (auto ok = reader.expect_array(*list); !ok) return tl::unexpected(ok.error());
  for (size_t i = 0; i < list->value->size(); ++i) {
    const Node element = list->element(i);
    auto address = reader.get_ip4(element);
    if (!address) return tl::unexpected(address.error());
    subnet.relay_addresses.push_back(*address);
  }
  return {};
}

Status read_prefix(const Reader& reader, const Node& entry, Subnet& subnet) {
  const auto node = entry.find("subnet");
  if (!node) {
    return tl::unexpected(
        reader.error(entry, entry.path + " needs a \"subnet\", e.g. \"198.18.1.0/24\""));
  }
  auto text = reader.get_string(*node);
  if (!text) return tl::unexpected(text.error());
  const auto prefix = parse_prefix(*text);
  if (!prefix) {
    return tl::unexpected(reader.error(
        *node, node->path + " must be \"ADDRESS/LENGTH\" with a length of 1 to 32, got " +
                   describe_value(*node->value)));
  }
  const Ip4 network{prefix->network.value & prefix_mask(prefix->length)};
  if (network != prefix->network) {
    return tl::unexpected(reader.error(*node, node->path + " " + *text +
                                                  " is not a network address; did you mean " +
                                                  prefix_text(network, prefix->length) + "?"));
  }
  subnet.prefix = network;
  subnet.prefix_len = prefix->length;
  return {};
}

// Without "id" the subnet stays 0 here and number_subnets assigns one.
Status read_subnet_id(const Reader& reader, const Node& entry, Subnet& subnet) {
  const auto node = entry.find("id");
  if (!node) return {};
  auto id = reader.get_u32(*node, 1, kMaxSubnetId);
  if (!id) return tl::unexpected(id.error());
  subnet.id = *id;
  return {};
}

Status read_subnet_timers(const Reader& reader, const Node& entry, Subnet& subnet) {
  const std::pair<std::string_view, std::optional<uint32_t>*> timers[] = {
      {"valid-lifetime", &subnet.valid_lifetime_s},
      {"renew-timer", &subnet.renew_timer_s},
      {"rebind-timer", &subnet.rebind_timer_s},
  };
  for (const auto& [key, target] : timers) {
    const auto node = entry.find(key);
    if (!node) continue;
    auto seconds = reader.get_u32(*node, 1);
    if (!seconds) return tl::unexpected(seconds.error());
    *target = *seconds;
  }
  return {};
}

Status read_subnet_interface(const Reader& reader, const Node& entry, Subnet& subnet) {
  const auto node = entry.find("interface");
  if (!node) return {};
  auto name = reader.get_string(*node);
  if (!name) return tl::unexpected(name.error());
  if (!is_valid_interface_name(*name)) {
    return tl::unexpected(reader.error(
        *node, node->path + " is not a valid interface name: " + describe_value(*node->value)));
  }
  subnet.interface = *name;
  return {};
}

Status read_subnet_network(const Reader& reader, const Node& entry, Subnet& subnet) {
  NetworkSettings settings;
  if (auto ok = read_network_settings(reader, entry, settings); !ok) return ok;
  subnet.min_valid_lifetime_s = settings.min_valid_lifetime_s;
  subnet.max_valid_lifetime_s = settings.max_valid_lifetime_s;
  subnet.tee = settings.tee;
  subnet.match_client_id = settings.match_client_id;
  subnet.authoritative = settings.authoritative;
  subnet.reservations_global = settings.reservations_global;
  subnet.reservations_in_subnet = settings.reservations_in_subnet;
  subnet.reservations_out_of_pool = settings.reservations_out_of_pool;
  subnet.boot = settings.boot;
  return {};
}

}  // namespace

Status read_subnet_settings(const Reader& reader, const Node& entry, Subnet& out) {
  for (auto step : {read_subnet_timers, read_subnet_interface, read_subnet_network}) {
    if (auto ok = step(reader, entry, out); !ok) return ok;
  }
  if (const auto relay = entry.find("relay")) return read_relay(reader, *relay, out);
  return {};
}

Result<Subnet> read_subnet(const Reader& reader, const Node& entry) {
  if (auto ok = reader.expect_object(entry); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(entry, Scope::Subnet, subnet_keys()); !ok) {
    return tl::unexpected(ok.error());
  }
  Subnet subnet;
  for (auto step : {read_subnet_id, read_prefix, read_subnet_settings}) {
    if (auto ok = step(reader, entry, subnet); !ok) return tl::unexpected(ok.error());
  }
  if (auto ok = read_class_guard(reader, entry, subnet.client_classes, subnet.required_classes);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (const auto pools = entry.find("pools")) {
    if (auto ok = read_pools(reader, *pools, subnet); !ok) return tl::unexpected(ok.error());
  }
  if (const auto options = entry.find("option-data")) {
    auto list = read_option_data(reader, *options);
    if (!list) return tl::unexpected(list.error());
    subnet.options = std::move(*list);
  }
  if (const auto reservations = entry.find("reservations")) {
    if (auto ok = read_reservations(reader, *reservations, subnet); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return subnet;
}

namespace {

Status check_subnets_distinct(const Reader& reader, std::span<const Node> nodes,
                              const std::vector<Subnet>& subnets) {
  std::unordered_map<uint32_t, size_t> index_by_id;
  std::vector<Span> spans;
  for (size_t i = 0; i < subnets.size(); ++i) {
    const auto [it, inserted] = index_by_id.emplace(subnets[i].id, i);
    if (!inserted) {
      // An explicit id clashing with one Kea 2.2 would have numbered.
      const Node& earlier_entry = nodes[it->second];
      const Node& entry = nodes[i];
      const Node earlier = earlier_entry.find("id").value_or(earlier_entry);
      const Node id = entry.find("id").value_or(entry);
      const bool numbered = !earlier_entry.find("id") || !entry.find("id");
      return tl::unexpected(reader.error(
          id, id.path + " " + std::to_string(subnets[i].id) + " is already used by " +
                  earlier.path + " (line " + std::to_string(reader.line_of(earlier)) + ")" +
                  (numbered ? "; subnets without \"id\" are numbered 1, 2, ... in file order "
                              "(those in shared-networks first), as Kea 2.2 does"
                            : "")));
    }
    const Prefix prefix{subnets[i].prefix, subnets[i].prefix_len};
    spans.push_back({prefix.network.value, last_address(prefix), i});
  }
  if (const auto overlap = find_overlap(std::move(spans))) {
    const Node earlier = *nodes[overlap->first].find("subnet");
    const Node later = *nodes[overlap->second].find("subnet");
    return tl::unexpected(reader.error(
        later, later.path + " " + quote(later.value->get_ref<const std::string&>()) + " overlaps " +
                   earlier.path + " " + quote(earlier.value->get_ref<const std::string&>()) +
                   " (line " + std::to_string(reader.line_of(earlier)) +
                   "); subnets must not overlap"));
  }
  return {};
}

}  // namespace

Result<std::vector<Subnet>> read_subnets(const Reader& reader, const Node& list) {
  if (auto ok = reader.expect_array(list); !ok) return tl::unexpected(ok.error());
  std::vector<Subnet> subnets;
  for (size_t i = 0; i < list.value->size(); ++i) {
    auto subnet = read_subnet(reader, list.element(i));
    if (!subnet) return tl::unexpected(subnet.error());
    subnets.push_back(std::move(*subnet));
  }
  return subnets;
}

Status finish_subnets(const Reader& reader, const Node& warn_at, std::span<const Node> nodes,
                      std::vector<Subnet>& subnets) {
  if (auto ok = number_subnets(reader, warn_at, subnets); !ok) return ok;
  return check_subnets_distinct(reader, nodes, subnets);
}

// Kea 2.2 gives every subnet without "id" the next value of a counter that
// starts at 1 on each (re)configuration and counts only such subnets, in
// parse order (the subnets of "shared-networks" first, then "subnet4"); explicit ids do not move
// it, and a clash is an error (Kea: "ID of the new IPv4 subnet is already in use"). Leases are
// stored by subnet id, so the numbering must be exactly Kea's for a Kea lease file to fit.
Status number_subnets(const Reader& reader, const Node& list, std::vector<Subnet>& subnets) {
  uint32_t next_id = 1;
  bool numbered = false;
  for (Subnet& subnet : subnets) {
    if (subnet.id != 0) continue;
    subnet.id = next_id++;
    numbered = true;
  }
  if (numbered) {
    reader.warn(list, list.path +
                          ": subnets without \"id\" are numbered from 1 in file order (those "
                          "in shared-networks first), as Kea 2.2 does; leases are stored by subnet "
                          "id, so inserting a subnet moves "
                          "the ids of the ones after it. Give each subnet an \"id\"");
  }
  return {};
}

}  // namespace bs::config
