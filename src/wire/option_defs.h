// Definitions of the standard DHCPv4 options as Kea names and types them (its
// std_option_defs.h, 2.2 and later), and conversion of Kea's textual "data"
// into wire bytes. Pure: used by the config loader and by tools that print
// options.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "common/types.h"

namespace bs::wire {

// Kea's option data types (option_data_types.h), those DHCPv4 uses.
enum class OptionType : uint8_t {
  Ip4,
  String,  // text, no terminating NUL
  U8,
  U16,
  U32,
  I8,
  I16,
  I32,
  Boolean,  // "true"/"false"/"1"/"0"
  Binary,   // hex only
  Fqdn,     // a domain name in DNS wire format
  Empty,    // no data
  Record,   // fixed fields, see OptionDef::fields
  Psid,     // RFC 7618 "PSID/LENGTH"
  Tuple,    // a length-prefixed string (2-byte length, RFC 8572)
  Ip6,      // only inside records (option-6rd)
  // Kea's own parsers for one option each:
  ClasslessRoutes,  // RFC 3442 "10.0.0.0/8 - 198.18.0.1, ..."
  Vivso,            // RFC 3925 "ENTERPRISE-ID" with no sub-options
  SipServers,       // RFC 3361: an encoding byte, then names (0) or addresses (1)
};

struct OptionDef {
  std::string_view name;
  uint8_t code;
  OptionType type;
  bool array = false;                    // one or more values, comma separated
  std::span<const OptionType> fields{};  // the record's fields (type Record)
  // The option space whose options this one carries after its own data
  // (Kea's "encapsulate"); empty when none.
  std::string_view encapsulate{};
};

const OptionDef* find_option_def(std::string_view name);
const OptionDef* find_option_def(uint8_t code);
// Every definition, in code order (for tests and documentation).
std::span<const OptionDef> option_defs();
// False for the options of the table Kea itself leaves undefined in the
// dhcp4 space (43, 120, 150): a config's "option-def" may define those.
bool is_kea_standard(uint8_t code);

// Kea's "csv-format": true text for a defined option, e.g. "198.18.0.1, 198.18.0.2".
// Values are separated by commas ("\," is a comma inside a value) and
// trimmed; integers may be hex ("0xf0").
tl::expected<Bytes, std::string> encode_option_text(const OptionDef& def, std::string_view data);

}  // namespace bs::wire
