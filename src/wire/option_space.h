// Option spaces and the definitions a config adds with Kea's "option-def":
// the standard dhcp4 table (option_defs.h), the built-in DOCSIS vendor space
// (vendor-4491, also spelt docsis3-v4) and any number of custom spaces whose
// options are carried inside another option ("encapsulate", e.g. option 43)
// or inside option 125 (RFC 3925, space "vendor-ENTERPRISE"). A set of
// definitions may sit on a parent set: a client class's definitions are
// looked up before the global ones, which come before the built-in ones.
// Pure data and text rules; the config loader does the parsing around it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "wire/option_defs.h"

namespace bs::wire {

inline constexpr std::string_view kDhcp4Space = "dhcp4";
inline constexpr std::string_view kVendorSpacePrefix = "vendor-";

// Kea's type names for "type" and "record-types" (option_data_types.cc).
std::optional<OptionType> parse_type_name(std::string_view name);
// Kea's rule for option and space names: letters, digits, '-' and '_', not
// empty, not starting or ending with '-' or '_'.
bool is_valid_option_name(std::string_view name);
// The enterprise number of a "vendor-NNNN" space.
std::optional<uint32_t> vendor_space_id(std::string_view space);

// One "option-def" entry as the config gives it.
struct CustomOptionDef {
  std::string name;
  uint8_t code = 0;
  OptionType type = OptionType::Binary;
  bool array = false;
  std::vector<OptionType> fields;  // type Record only
  std::string space{kDhcp4Space};
  std::string encapsulate;  // empty: carries no sub-options
};

class OptionDefinitions {
 public:
  explicit OptionDefinitions(const OptionDefinitions* parent = nullptr) : parent_(parent) {}
  OptionDefinitions(const OptionDefinitions&) = delete;
  OptionDefinitions& operator=(const OptionDefinitions&) = delete;
  OptionDefinitions(OptionDefinitions&&) = default;
  OptionDefinitions& operator=(OptionDefinitions&&) = default;
  ~OptionDefinitions() = default;

  // Refuses, with Kea's wording, a second definition of a code or name in
  // one space of this set and any change to a standard definition.
  tl::expected<void, std::string> add(CustomOptionDef def);

  // This set, then its parents, then the built-in definitions. A built-in
  // dhcp4 option that a config defines itself (43, 120, 150) is hidden.
  const OptionDef* find(std::string_view space, std::string_view name) const;
  const OptionDef* find(std::string_view space, uint8_t code) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    CustomOptionDef owned;
    OptionDef view;  // points into `owned`
  };
  const OptionDef* find_custom(std::string_view space, std::string_view name) const;
  const OptionDef* find_custom(std::string_view space, uint8_t code) const;
  const Entry* own(std::string_view space, uint8_t code) const;

  const OptionDefinitions* parent_;
  // unique_ptr: the OptionDef views point into the entry's strings.
  std::vector<std::unique_ptr<Entry>> entries_;
};

// The space an option belongs to is kept by the finders' callers; these
// look up only the built-in sets (for tests and documentation).
const OptionDef* find_builtin_def(std::string_view space, std::string_view name);
const OptionDef* find_builtin_def(std::string_view space, uint8_t code);

// Appends one option as code, length, data (sub-options of an
// encapsulating option, or a top-level option); data over 255 bytes fails.
tl::expected<void, std::string> append_tlv(Bytes& out, uint8_t code, std::span<const uint8_t> data);

}  // namespace bs::wire
