// Kea's "option-def" lists (global, and per client class) turned into a set
// of option definitions: name, code, type, record-types, array, space and
// encapsulate, checked with Kea's rules so a file Kea refuses is refused
// here too, with the gist of Kea's message.
#include "config/reader.h"
#include "wire/option_space.h"

namespace bs::config {
namespace {

using wire::OptionType;

constexpr std::string_view kOptionDefKeys[] = {"name",  "code",  "type",       "record-types",
                                               "array", "space", "encapsulate"};
BS_CONFIG_KEYS("option-def[]", kOptionDefKeys);

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// A string member that may be empty (Kea writes "encapsulate": "").
Result<std::string> optional_string(const Reader& reader, const Node& entry, std::string_view key,
                                    std::string fallback) {
  const auto node = entry.find(key);
  if (!node) return fallback;
  if (!node->value->is_string()) {
    return tl::unexpected(
        reader.error(*node, node->path + " must be a string, got " + describe_value(*node->value)));
  }
  return node->value->get<std::string>();
}

Result<OptionType> read_type(const Reader& reader, const Node& node, std::string_view name) {
  const auto type = wire::parse_type_name(name);
  if (type) return *type;
  const bool kea_only = name == "ipv6-prefix" || name == "internal";
  return tl::unexpected(reader.error(
      node, node.path + ": " + (kea_only ? "type " : "unknown type ") + quote(name) +
                (kea_only ? " is not supported in DHCPv4 option definitions"
                          : "; Kea's types are empty, binary, boolean, int8, int16, int32, uint8, "
                            "uint16, uint32, ipv4-address, ipv6-address, string, fqdn, tuple, "
                            "psid and record")));
}

Result<std::vector<OptionType>> read_record_types(const Reader& reader, const Node& entry) {
  std::vector<OptionType> fields;
  const auto node = entry.find("record-types");
  if (!node) return fields;
  auto text = optional_string(reader, entry, "record-types", "");
  if (!text) return tl::unexpected(text.error());
  std::string_view rest = *text;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view token = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (token.empty()) continue;
    auto type = read_type(reader, *node, token);
    if (!type) return tl::unexpected(type.error());
    if (*type == OptionType::Record) {
      return tl::unexpected(reader.error(*node, node->path + ": a record cannot hold a record"));
    }
    fields.push_back(*type);
  }
  return fields;
}

// Kea's OptionDefinition::validate rules, in its order.
std::optional<std::string> invalid_layout(const wire::CustomOptionDef& def) {
  using T = OptionType;
  const bool record = def.type == T::Record;
  if (!record && !def.fields.empty()) return "\"record-types\" is only for type \"record\"";
  if (record && def.fields.size() < 2) {
    return "a record needs at least 2 \"record-types\"; with one, use that type directly";
  }
  for (size_t i = 0; i < def.fields.size(); ++i) {
    const T field = def.fields[i];
    if ((field == T::String || field == T::Binary) && i + 1 < def.fields.size()) {
      return "string and binary fields may only be the last field of a record";
    }
    if (field == T::Empty) return "a record cannot hold an empty field";
  }
  const T element = record ? def.fields.back() : def.type;
  if (def.array && (element == T::String || element == T::Binary || element == T::Empty)) {
    return "an array of string, binary or empty values is not a valid option definition";
  }
  if (!def.encapsulate.empty()) {
    if (def.array) return "an array option may not encapsulate an option space";
    if (def.encapsulate == def.space) {
      return "an option must not encapsulate the option space it belongs to";
    }
    if (!wire::is_valid_option_name(def.encapsulate)) {
      return "invalid encapsulated option space name " + quote(def.encapsulate);
    }
  }
  return std::nullopt;
}

Status check_code(const Reader& reader, const Node& code_node, const wire::CustomOptionDef& def,
                  bool class_level) {
  const bool dhcp4 = def.space == wire::kDhcp4Space;
  if (dhcp4 && (def.code == 0 || def.code == 255)) {
    return tl::unexpected(reader.error(
        code_node, code_node.path + ": invalid option code '" + std::to_string(def.code) +
                       "': reserved for " + (def.code == 0 ? "PAD" : "END")));
  }
  // Kea lets a class define only the options it unpacks late.
  const bool deferred = dhcp4 && (def.code == 43 || (def.code >= 224 && def.code <= 254));
  if (class_level && !deferred) {
    return tl::unexpected(reader.error(
        code_node, code_node.path + ": not allowed option definition for code '" +
                       std::to_string(def.code) + "' in space '" + def.space +
                       "'; a client class may only define dhcp4 options 43 and 224-254 (as Kea)"));
  }
  return {};
}

Result<wire::CustomOptionDef> read_def(const Reader& reader, const Node& entry, bool class_level) {
  if (auto ok = reader.expect_object(entry); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(entry, Scope::OptionDef, kOptionDefKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  wire::CustomOptionDef def;
  for (const char* key : {"name", "code", "type"}) {
    if (!entry.find(key)) {
      return tl::unexpected(reader.key_error(
          entry, entry.path + " needs \"" + key + "\" (option definitions need name, code, type)"));
    }
  }
  const Node name_node = *entry.find("name");
  auto name = reader.get_string(name_node);
  if (!name) return tl::unexpected(name.error());
  if (!wire::is_valid_option_name(*name)) {
    return tl::unexpected(reader.error(name_node, name_node.path + ": invalid option name " +
                                                      quote(*name) +
                                                      " (letters, digits, '-' and '_' only)"));
  }
  def.name = *name;
  const Node code_node = *entry.find("code");
  auto code = reader.get_integer(code_node, 0, 255);
  if (!code) return tl::unexpected(code.error());
  def.code = static_cast<uint8_t>(*code);
  const Node type_node = *entry.find("type");
  auto type_name = reader.get_string(type_node);
  if (!type_name) return tl::unexpected(type_name.error());
  auto type = read_type(reader, type_node, *type_name);
  if (!type) return tl::unexpected(type.error());
  def.type = *type;
  auto fields = read_record_types(reader, entry);
  if (!fields) return tl::unexpected(fields.error());
  def.fields = std::move(*fields);
  if (const auto array = entry.find("array")) {
    auto flag = reader.get_bool(*array);
    if (!flag) return tl::unexpected(flag.error());
    def.array = *flag;
  }
  auto space = optional_string(reader, entry, "space", std::string(wire::kDhcp4Space));
  if (!space) return tl::unexpected(space.error());
  if (!wire::is_valid_option_name(*space)) {
    const Node at = entry.find("space").value_or(entry);
    return tl::unexpected(
        reader.error(at, at.path + ": invalid option space name " + quote(*space)));
  }
  def.space = *space;
  auto encapsulate = optional_string(reader, entry, "encapsulate", "");
  if (!encapsulate) return tl::unexpected(encapsulate.error());
  def.encapsulate = *encapsulate;
  if (auto ok = check_code(reader, code_node, def, class_level); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto problem = invalid_layout(def)) {
    return tl::unexpected(
        reader.error(entry, entry.path + " (option " + quote(def.name) + "): " + *problem));
  }
  return def;
}

}  // namespace

Status read_option_defs(const Reader& reader, const Node& list, wire::OptionDefinitions& into,
                        bool class_level) {
  if (auto ok = reader.expect_array(list); !ok) return ok;
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node entry = list.element(i);
    auto def = read_def(reader, entry, class_level);
    if (!def) return tl::unexpected(def.error());
    if (auto added = into.add(std::move(*def)); !added) {
      return tl::unexpected(reader.error(entry, entry.path + ": " + added.error()));
    }
  }
  return {};
}

Result<std::vector<OptionData>> read_class_option_data(const Reader& reader,
                                                       const Node& class_entry) {
  const wire::OptionDefinitions* outer = reader.option_definitions();
  wire::OptionDefinitions class_defs(outer);
  if (const auto defs = class_entry.find("option-def")) {
    if (auto ok = read_option_defs(reader, *defs, class_defs, true); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  const auto data = class_entry.find("option-data");
  if (!data) return std::vector<OptionData>{};
  reader.use_option_definitions(&class_defs);
  auto options = read_option_data(reader, *data);
  reader.use_option_definitions(outer);
  return options;
}

}  // namespace bs::config
