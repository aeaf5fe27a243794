// Option definitions beyond the standard dhcp4 table: the built-in DOCSIS
// vendor space and the sets a config builds from "option-def". Lookups are
// linear over a few dozen entries at most and happen only while a config is
// loaded; nothing here runs per packet.
#include "wire/option_space.h"

#include <algorithm>
#include <charconv>

namespace bs::wire {
namespace {

using T = OptionType;

// CableLabs' DOCSIS 3.0 vendor options (CL-SP-CANN-DHCP-Reg), which Kea
// defines in both of these spaces.
constexpr OptionDef kDocsisDefs[] = {
    {"oro", 1, T::U8, true},
    {"tftp-servers", 2, T::Ip4, true},
};
constexpr std::string_view kDocsisSpaces[] = {"vendor-4491", "docsis3-v4"};

bool is_docsis_space(std::string_view space) {
  return std::find(std::begin(kDocsisSpaces), std::end(kDocsisSpaces), space) !=
         std::end(kDocsisSpaces);
}

// Options Kea defines in dhcp4 that blackstart's table leaves out because
// the server or the client sets them; they are standard all the same.
struct ManagedName {
  uint8_t code;
  std::string_view name;
};
constexpr ManagedName kManaged[] = {
    {50, "dhcp-requested-address"}, {52, "dhcp-option-overload"},        {53, "dhcp-message-type"},
    {54, "dhcp-server-identifier"}, {55, "dhcp-parameter-request-list"}, {56, "dhcp-message"},
    {57, "dhcp-max-message-size"},  {61, "dhcp-client-identifier"},      {82, "dhcp-agent-options"},
};

bool is_managed(uint8_t code, std::string_view name) {
  return std::any_of(std::begin(kManaged), std::end(kManaged), [&](const ManagedName& managed) {
    return managed.code == code || managed.name == name;
  });
}

struct TypeName {
  std::string_view name;
  OptionType type;
};
constexpr TypeName kTypeNames[] = {
    {"empty", T::Empty}, {"binary", T::Binary},    {"boolean", T::Boolean},  {"int8", T::I8},
    {"int16", T::I16},   {"int32", T::I32},        {"uint8", T::U8},         {"uint16", T::U16},
    {"uint32", T::U32},  {"ipv4-address", T::Ip4}, {"ipv6-address", T::Ip6}, {"string", T::String},
    {"fqdn", T::Fqdn},   {"tuple", T::Tuple},      {"psid", T::Psid},        {"record", T::Record},
};

std::string quoted(std::string_view text) {
  std::string out;
  out.append(1, '\'').append(text).append(1, '\'');
  return out;
}

}  // namespace

std::optional<OptionType> parse_type_name(std::string_view name) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

bool is_valid_option_name(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.front() == '_' || name.back() == '-' ||
      name.back() == '_') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::optional<uint32_t> vendor_space_id(std::string_view space) {
  if (!space.starts_with(kVendorSpacePrefix)) return std::nullopt;
  const std::string_view digits = space.substr(kVendorSpacePrefix.size());
  uint32_t id = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return id;
}

const OptionDef* find_builtin_def(std::string_view space, std::string_view name) {
  if (space == kDhcp4Space) return find_option_def(name);
  if (!is_docsis_space(space)) return nullptr;
  for (const OptionDef& def : kDocsisDefs) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

const OptionDef* find_builtin_def(std::string_view space, uint8_t code) {
  if (space == kDhcp4Space) return find_option_def(code);
  if (!is_docsis_space(space)) return nullptr;
  for (const OptionDef& def : kDocsisDefs) {
    if (def.code == code) return &def;
  }
  return nullptr;
}

const OptionDefinitions::Entry* OptionDefinitions::own(std::string_view space, uint8_t code) const {
  for (const auto& entry : entries_) {
    if (entry->owned.space == space && entry->owned.code == code) return entry.get();
  }
  return nullptr;
}

const OptionDef* OptionDefinitions::find_custom(std::string_view space, uint8_t code) const {
  if (const Entry* entry = own(space, code)) return &entry->view;
  return parent_ != nullptr ? parent_->find_custom(space, code) : nullptr;
}

const OptionDef* OptionDefinitions::find_custom(std::string_view space,
                                                std::string_view name) const {
  for (const auto& entry : entries_) {
    if (entry->owned.space == space && entry->owned.name == name) return &entry->view;
  }
  return parent_ != nullptr ? parent_->find_custom(space, name) : nullptr;
}

const OptionDef* OptionDefinitions::find(std::string_view space, uint8_t code) const {
  if (const OptionDef* custom = find_custom(space, code)) return custom;
  return find_builtin_def(space, code);
}

const OptionDef* OptionDefinitions::find(std::string_view space, std::string_view name) const {
  if (const OptionDef* custom = find_custom(space, name)) return custom;
  const OptionDef* builtin = find_builtin_def(space, name);
  // A config that defines option 150 itself has replaced blackstart's own.
  if (builtin != nullptr && find_custom(space, builtin->code) != nullptr) return nullptr;
  return builtin;
}

tl::expected<void, std::string> OptionDefinitions::add(CustomOptionDef def) {
  const std::string code_text = std::to_string(def.code);
  for (const auto& entry : entries_) {
    if (entry->owned.space != def.space) continue;
    if (entry->owned.code == def.code) {
      return tl::unexpected("option definition with code " + quoted(code_text) +
                            " already exists in option space " + quoted(def.space));
    }
    if (entry->owned.name == def.name) {
      return tl::unexpected("option definition with name " + quoted(def.name) +
                            " already exists in option space " + quoted(def.space));
    }
  }
  const bool dhcp4 = def.space == kDhcp4Space;
  const OptionDef* by_code = find_builtin_def(def.space, def.code);
  const OptionDef* by_name = find_builtin_def(def.space, def.name);
  for (const auto& [builtin, what] :
       {std::pair{by_code, code_text}, std::pair{by_name, def.name}}) {
    if (builtin != nullptr && (!dhcp4 || is_kea_standard(builtin->code))) {
      return tl::unexpected("unable to override definition of option " + quoted(what) +
                            " in standard option space " + quoted(def.space));
    }
  }
  if (dhcp4 && is_managed(def.code, def.name)) {
    return tl::unexpected("unable to override definition of option " + quoted(code_text) + " (" +
                          def.name + ") in standard option space 'dhcp4'");
  }
  auto entry = std::make_unique<Entry>();
  entry->owned = std::move(def);
  const CustomOptionDef& owned = entry->owned;
  entry->view =
      OptionDef{owned.name, owned.code, owned.type, owned.array, owned.fields, owned.encapsulate};
  entries_.push_back(std::move(entry));
  return {};
}

tl::expected<void, std::string> append_tlv(Bytes& out, uint8_t code,
                                           std::span<const uint8_t> data) {
  constexpr size_t kMaxOptionBytes = 255;
  if (data.size() > kMaxOptionBytes) {
    return tl::unexpected("option " + std::to_string(code) + " would carry " +
                          std::to_string(data.size()) + " bytes; one option holds at most " +
                          std::to_string(kMaxOptionBytes));
  }
  out.push_back(code);
  out.push_back(static_cast<uint8_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
  return {};
}

}  // namespace bs::wire
