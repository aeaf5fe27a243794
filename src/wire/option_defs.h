// Definitions of the standard DHCPv4 options an office uses (RFC 2132 names as
// Kea spells them) and conversion of Kea's textual "data" into wire bytes.
// Pure: used by the config loader and by tools that print options.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "common/types.h"

namespace bs::wire {

enum class OptionType : uint8_t {
  Ip4,      // one address
  Ip4List,  // one or more addresses, comma separated
  String,   // text, no terminating NUL
  U8,
  U16,
  U32,
  Boolean,  // "true"/"false"/"1"/"0"
  Binary,   // hex only
  I32,      // signed, sent as 32-bit two's complement (time-offset)
};

struct OptionDef {
  std::string_view name;
  uint8_t code;
  OptionType type;
};

const OptionDef* find_option_def(std::string_view name);
const OptionDef* find_option_def(uint8_t code);

// Kea's "csv-format": true text for a defined option, e.g. "198.18.0.1, 198.18.0.2".
tl::expected<Bytes, std::string> encode_option_text(const OptionDef& def, std::string_view data);

}  // namespace bs::wire
