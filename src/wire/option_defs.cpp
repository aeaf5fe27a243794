// The table of standard DHCPv4 options blackstart knows by name: every option
// Kea defines by name in its std_option_defs.h (2.2 and the current release),
// with Kea's type for each, so a Kea config's "option-data" carries over.
// The text encoders live in option_text.cpp.
#include "wire/option_defs.h"

#include <algorithm>
#include <array>

namespace bs::wire {
namespace {

using T = OptionType;

// Record layouts (Kea's RECORD_DECL lists).
constexpr T kDirectoryAgent[] = {T::Boolean, T::Ip4};
constexpr T kServiceScope[] = {T::Boolean, T::String};
constexpr T kFqdn[] = {T::U8, T::U8, T::U8, T::Fqdn};
constexpr T kClientNdi[] = {T::U8, T::U8, T::U8};
constexpr T kUuidGuid[] = {T::U8, T::Binary};
constexpr T kVivco[] = {T::U32, T::Binary};
constexpr T kRdnssSelect[] = {T::U8, T::Ip4, T::Ip4, T::Fqdn};
constexpr T kStatusCode[] = {T::U8, T::String};
constexpr T kPortParams[] = {T::U8, T::Psid};
constexpr T kSixRd[] = {T::U8, T::U8, T::Ip6, T::Ip4};

constexpr bool kArray = true;

// In code order. The options the server sets itself or only clients and
// relays send (50, 52-55, 57, 61, 82) are left out: they cannot be configured.
// dhcp-message (56) is in, as in Kea: a configured text is sent when asked.
constexpr OptionDef kOptionDefs[] = {
    {"subnet-mask", 1, T::Ip4},
    {"time-offset", 2, T::I32},
    {"routers", 3, T::Ip4, kArray},
    {"time-servers", 4, T::Ip4, kArray},
    {"name-servers", 5, T::Ip4, kArray},
    {"domain-name-servers", 6, T::Ip4, kArray},
    {"log-servers", 7, T::Ip4, kArray},
    {"cookie-servers", 8, T::Ip4, kArray},
    {"lpr-servers", 9, T::Ip4, kArray},
    {"impress-servers", 10, T::Ip4, kArray},
    {"resource-location-servers", 11, T::Ip4, kArray},
    {"host-name", 12, T::String},
    {"boot-size", 13, T::U16},
    {"merit-dump", 14, T::String},
    {"domain-name", 15, T::String},
    {"swap-server", 16, T::Ip4},
    {"root-path", 17, T::String},
    {"extensions-path", 18, T::String},
    {"ip-forwarding", 19, T::Boolean},
    {"non-local-source-routing", 20, T::Boolean},
    {"policy-filter", 21, T::Ip4, kArray},
    {"max-dgram-reassembly", 22, T::U16},
    {"default-ip-ttl", 23, T::U8},
    {"path-mtu-aging-timeout", 24, T::U32},
    {"path-mtu-plateau-table", 25, T::U16, kArray},
    {"interface-mtu", 26, T::U16},
    {"all-subnets-local", 27, T::Boolean},
    {"broadcast-address", 28, T::Ip4},
    {"perform-mask-discovery", 29, T::Boolean},
    {"mask-supplier", 30, T::Boolean},
    {"router-discovery", 31, T::Boolean},
    {"router-solicitation-address", 32, T::Ip4},
    {"static-routes", 33, T::Ip4, kArray},
    {"trailer-encapsulation", 34, T::Boolean},
    {"arp-cache-timeout", 35, T::U32},
    {"ieee802-3-encapsulation", 36, T::Boolean},
    {"default-tcp-ttl", 37, T::U8},
    {"tcp-keepalive-interval", 38, T::U32},
    {"tcp-keepalive-garbage", 39, T::Boolean},
    {"nis-domain", 40, T::String},
    {"nis-servers", 41, T::Ip4, kArray},
    {"ntp-servers", 42, T::Ip4, kArray},
    // Kea's "last resort" definition: no data of its own, the options of
    // "vendor-encapsulated-options-space" inside. blackstart also takes hex
    // data here (Kea's examples write the sub-options as hex), and an
    // "option-def" for 43 (per class or global) replaces this one.
    {"vendor-encapsulated-options", 43, T::Binary, false, {}, "vendor-encapsulated-options-space"},
    {"netbios-name-servers", 44, T::Ip4, kArray},
    {"netbios-dd-server", 45, T::Ip4, kArray},
    {"netbios-node-type", 46, T::U8},
    {"netbios-scope", 47, T::String},
    {"font-servers", 48, T::Ip4, kArray},
    {"x-display-manager", 49, T::Ip4, kArray},
    {"dhcp-lease-time", 51, T::U32},
    {"dhcp-message", 56, T::String},
    {"dhcp-renewal-time", 58, T::U32},
    {"dhcp-rebinding-time", 59, T::U32},
    {"vendor-class-identifier", 60, T::String},
    {"nwip-domain-name", 62, T::String},
    {"nwip-suboptions", 63, T::Binary},
    {"nisplus-domain-name", 64, T::String},
    {"nisplus-servers", 65, T::Ip4, kArray},
    {"tftp-server-name", 66, T::String},
    {"boot-file-name", 67, T::String},
    {"mobile-ip-home-agent", 68, T::Ip4, kArray},
    {"smtp-server", 69, T::Ip4, kArray},
    {"pop-server", 70, T::Ip4, kArray},
    {"nntp-server", 71, T::Ip4, kArray},
    {"www-server", 72, T::Ip4, kArray},
    {"finger-server", 73, T::Ip4, kArray},
    {"irc-server", 74, T::Ip4, kArray},
    {"streettalk-server", 75, T::Ip4, kArray},
    {"streettalk-directory-assistance-server", 76, T::Ip4, kArray},
    {"user-class", 77, T::Binary},
    {"slp-directory-agent", 78, T::Record, kArray, kDirectoryAgent},
    {"slp-service-scope", 79, T::Record, false, kServiceScope},
    {"fqdn", 81, T::Record, false, kFqdn},
    {"nds-servers", 85, T::Ip4, kArray},
    {"nds-tree-name", 86, T::String},
    {"nds-context", 87, T::String},
    {"bcms-controller-names", 88, T::Fqdn, kArray},
    {"bcms-controller-address", 89, T::Ip4, kArray},
    {"authenticate", 90, T::Binary},
    {"client-last-transaction-time", 91, T::U32},
    {"associated-ip", 92, T::Ip4, kArray},
    {"client-system", 93, T::U16, kArray},
    {"client-ndi", 94, T::Record, false, kClientNdi},
    {"uuid-guid", 97, T::Record, false, kUuidGuid},
    {"uap-servers", 98, T::String},
    {"geoconf-civic", 99, T::Binary},
    {"pcode", 100, T::String},
    {"tcode", 101, T::String},
    {"v6-only-preferred", 108, T::U32},
    {"netinfo-server-address", 112, T::Ip4, kArray},
    {"netinfo-server-tag", 113, T::String},
    {"v4-captive-portal", 114, T::String},
    {"auto-config", 116, T::U8},
    {"name-service-search", 117, T::U16, kArray},
    {"subnet-selection", 118, T::Ip4},
    {"domain-search", 119, T::Fqdn, kArray},
    // Not defined by Kea; blackstart's own (phones ask for it).
    {"sip-server", 120, T::SipServers},
    {"classless-static-route", 121, T::ClasslessRoutes},
    {"cablelabs-client-conf", 122, T::Empty},
    {"vivco-suboptions", 124, T::Record, false, kVivco},
    {"vivso-suboptions", 125, T::Vivso},
    {"pana-agent", 136, T::Ip4, kArray},
    {"v4-lost", 137, T::Fqdn},
    {"capwap-ac-v4", 138, T::Ip4, kArray},
    {"sip-ua-cs-domains", 141, T::Fqdn, kArray},
    {"v4-sztp-redirect", 143, T::Tuple, kArray},
    {"rdnss-selection", 146, T::Record, kArray, kRdnssSelect},
    // Not defined by Kea; blackstart's own: Cisco's TFTP server list (RFC 5859).
    {"tftp-server-address", 150, T::Ip4, kArray},
    {"status-code", 151, T::Record, false, kStatusCode},
    {"base-time", 152, T::U32},
    {"start-time-of-state", 153, T::U32},
    {"query-start-time", 154, T::U32},
    {"query-end-time", 155, T::U32},
    {"dhcp-state", 156, T::U8},
    {"data-source", 157, T::U8},
    {"v4-portparams", 159, T::Record, false, kPortParams},
    {"option-6rd", 212, T::Record, kArray, kSixRd},
    {"v4-access-domain", 213, T::Fqdn},
};

constexpr bool sorted_by_code() {
  for (size_t i = 1; i < std::size(kOptionDefs); ++i) {
    if (kOptionDefs[i - 1].code >= kOptionDefs[i].code) return false;
  }
  return true;
}
static_assert(sorted_by_code(), "kOptionDefs must be in strictly increasing code order");

}  // namespace

std::span<const OptionDef> option_defs() { return kOptionDefs; }

bool is_kea_standard(uint8_t code) { return code != 43 && code != 120 && code != 150; }

const OptionDef* find_option_def(std::string_view name) {
  const auto* it = std::find_if(std::begin(kOptionDefs), std::end(kOptionDefs),
                                [name](const OptionDef& def) { return def.name == name; });
  return it == std::end(kOptionDefs) ? nullptr : it;
}

const OptionDef* find_option_def(uint8_t code) {
  const auto* it =
      std::lower_bound(std::begin(kOptionDefs), std::end(kOptionDefs), code,
                       [](const OptionDef& def, uint8_t wanted) { return def.code < wanted; });
  return it != std::end(kOptionDefs) && it->code == code ? it : nullptr;
}

}  // namespace bs::wire
