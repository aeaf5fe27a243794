// Interface discovery through getifaddrs(3): one call lists every
// interface's IPv4 addresses (AF_INET entries) and its index and MAC
// (AF_PACKET entries), so no per-interface ioctls are needed.
#include "io/interfaces.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <optional>

namespace bs::io {
namespace {

struct LinkAddress {
  Ip4 address;
  int prefix_len = 0;
};

// What getifaddrs says about one interface, merged over its entries.
struct LinkFacts {
  std::string name;
  unsigned flags = 0;
  int ifindex = 0;
  std::array<uint8_t, 6> mac{};
  std::vector<LinkAddress> addresses;  // kernel order: primary first
};

// Labelled secondary addresses ("eth0:1") belong to the base interface.
std::string base_name(const char* name) {
  const std::string full(name);
  return full.substr(0, full.find(':'));
}

LinkFacts& facts_for(std::vector<LinkFacts>& all, const std::string& name) {
  auto found =
      std::find_if(all.begin(), all.end(), [&](const LinkFacts& f) { return f.name == name; });
  if (found != all.end()) return *found;
  LinkFacts& added = all.emplace_back();
  added.name = name;
  return added;
}

Ip4 ip4_of(const sockaddr* address) {
  return Ip4{ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr)};
}

void merge_entry(std::vector<LinkFacts>& all, const ifaddrs& entry) {
  if (entry.ifa_addr == nullptr) return;
  LinkFacts& facts = facts_for(all, base_name(entry.ifa_name));
  facts.flags |= entry.ifa_flags;
  if (entry.ifa_addr->sa_family == AF_INET) {
    const int prefix_len =
        entry.ifa_netmask == nullptr ? 32 : std::popcount(ip4_of(entry.ifa_netmask).value);
    facts.addresses.push_back({ip4_of(entry.ifa_addr), prefix_len});
  } else if (entry.ifa_addr->sa_family == AF_PACKET) {
    const auto* link = reinterpret_cast<const sockaddr_ll*>(entry.ifa_addr);
    facts.ifindex = link->sll_ifindex;
    if (link->sll_halen == facts.mac.size()) {
      std::copy_n(link->sll_addr, facts.mac.size(), facts.mac.begin());
    }
  }
}

tl::expected<std::vector<LinkFacts>, IoError> read_links() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    return tl::unexpected(IoError{fmt::format("getifaddrs: {}", std::strerror(errno))});
  }
  std::vector<LinkFacts> all;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    merge_entry(all, *entry);
  }
  freeifaddrs(list);
  for (LinkFacts& facts : all) {
    if (facts.ifindex == 0) facts.ifindex = static_cast<int>(if_nametoindex(facts.name.c_str()));
  }
  return all;
}

InterfaceInfo info_from(const LinkFacts& facts, const LinkAddress& address) {
  return InterfaceInfo{.ifindex = facts.ifindex,
                       .name = facts.name,
                       .address = address.address,
                       .prefix_len = address.prefix_len,
                       .mac = facts.mac};
}

tl::expected<InterfaceInfo, IoError> resolve_one(const std::vector<LinkFacts>& all,
                                                 const std::string& spec) {
  const size_t slash = spec.find('/');
  const std::string name = spec.substr(0, slash);
  auto found =
      std::find_if(all.begin(), all.end(), [&](const LinkFacts& f) { return f.name == name; });
  if (found == all.end() || found->ifindex == 0) {
    return tl::unexpected(IoError{fmt::format("interface '{}' does not exist", name)});
  }
  if (found->addresses.empty()) {
    return tl::unexpected(IoError{fmt::format("interface '{}' has no IPv4 address", name)});
  }
  if (slash == std::string::npos) return info_from(*found, found->addresses.front());
  const std::optional<Ip4> wanted = parse_ip4(std::string_view(spec).substr(slash + 1));
  if (!wanted) {
    return tl::unexpected(IoError{fmt::format("interface entry '{}': bad IPv4 address", spec)});
  }
  for (const LinkAddress& address : found->addresses) {
    if (address.address == *wanted) return info_from(*found, address);
  }
  return tl::unexpected(
      IoError{fmt::format("interface '{}' has no address {}", name, to_string(*wanted))});
}

bool usable_for_wildcard(const LinkFacts& facts) {
  return (facts.flags & IFF_UP) != 0 && (facts.flags & IFF_LOOPBACK) == 0 &&
         !facts.addresses.empty() && facts.ifindex != 0;
}

void add_unique(std::vector<InterfaceInfo>& out, InterfaceInfo info) {
  const bool seen = std::any_of(out.begin(), out.end(),
                                [&](const InterfaceInfo& i) { return i.ifindex == info.ifindex; });
  if (!seen) out.push_back(std::move(info));
}

}  // namespace

tl::expected<std::vector<InterfaceInfo>, IoError> resolve_interfaces(
    const std::vector<std::string>& specs) {
  if (specs.empty()) return tl::unexpected(IoError{"no interfaces configured"});
  auto links = read_links();
  if (!links) return tl::unexpected(links.error());
  std::vector<InterfaceInfo> out;
  for (const std::string& spec : specs) {
    if (spec == "*") {
      for (const LinkFacts& facts : *links) {
        if (usable_for_wildcard(facts)) add_unique(out, info_from(facts, facts.addresses.front()));
      }
      continue;
    }
    auto info = resolve_one(*links, spec);
    if (!info) return tl::unexpected(info.error());
    add_unique(out, std::move(*info));
  }
  if (out.empty()) {
    return tl::unexpected(
        IoError{"'*' matched no up, non-loopback interface with an IPv4 address"});
  }
  return out;
}

}  // namespace bs::io
