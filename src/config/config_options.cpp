// Kea "option-data" lists (global, per subnet, per pool, per reservation)
// turned into wire-ready option bytes. Options of other spaces (custom
// "option-def" spaces, "vendor-NNNN") are packed into the dhcp4 option that
// carries them (one whose definition encapsulates the space, or 125) here,
// at load time, so no reply ever encodes a sub-option. Options the server
// computes itself are refused, because overriding them breaks the protocol.
#include <algorithm>
#include <map>

#include "config/reader.h"
#include "wire/option_defs.h"
#include "wire/option_space.h"

namespace bs::config {
namespace {

constexpr std::string_view kOptionKeys[] = {"name",        "code",       "data", "csv-format",
                                            "always-send", "never-send", "space"};
BS_CONFIG_KEYS("option-data[]", kOptionKeys);

// One option is at most 255 bytes on the wire; longer data would need
// RFC 3396 splitting, which few clients implement.
constexpr size_t kMaxOptionBytes = 255;

struct ManagedOption {
  uint8_t code;
  std::string_view name;
  std::string_view hint;
};

// Kea's names for the options blackstart sets per message or that only
// clients and relays send. "dhcp-message" (56) is not among them: as in Kea
// a configured text goes into OFFERs and ACKs that ask for it, while a NAK
// always carries the server's own reason.
constexpr ManagedOption kManagedOptions[] = {
    {50, "dhcp-requested-address", "clients send it"},
    {51, "dhcp-lease-time", "set \"valid-lifetime\" instead"},
    {52, "dhcp-option-overload", "the server decides when to overload"},
    {53, "dhcp-message-type", "the server sets it on every reply"},
    {54, "dhcp-server-identifier", "the server uses the receiving interface's address"},
    {55, "dhcp-parameter-request-list", "clients send it"},
    {57, "dhcp-max-message-size", "clients send it"},
    {58, "dhcp-renewal-time", "set \"renew-timer\" instead"},
    {59, "dhcp-rebinding-time", "set \"rebind-timer\" instead"},
    {61, "dhcp-client-identifier", "clients send it"},
    {82, "dhcp-agent-options", "relay agents add it"},
};

const ManagedOption* find_managed(uint8_t code) {
  for (const auto& option : kManagedOptions) {
    if (option.code == code) return &option;
  }
  return nullptr;
}

const ManagedOption* find_managed(std::string_view name) {
  for (const auto& option : kManagedOptions) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

std::string managed_message(const Node& node, const ManagedOption& option) {
  return node.path + ": option " + std::to_string(option.code) + " (" + std::string(option.name) +
         ") is managed by the server and cannot be configured; " + std::string(option.hint);
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

struct ResolvedOption {
  std::string space{wire::kDhcp4Space};
  uint8_t code = 0;
  const wire::OptionDef* def = nullptr;  // null for codes blackstart has no definition for
};

const wire::OptionDef* lookup(const Reader& reader, std::string_view space, auto key) {
  const wire::OptionDefinitions* defs = reader.option_definitions();
  return defs != nullptr ? defs->find(space, key) : wire::find_builtin_def(space, key);
}

Result<const wire::OptionDef*> resolve_name(const Reader& reader, const Node& name_node,
                                            std::string_view space) {
  auto name = reader.get_string(name_node);
  if (!name) return tl::unexpected(name.error());
  const bool dhcp4 = space == wire::kDhcp4Space;
  if (const auto* managed = dhcp4 ? find_managed(*name) : nullptr) {
    return tl::unexpected(reader.error(name_node, managed_message(name_node, *managed)));
  }
  const wire::OptionDef* def = lookup(reader, space, std::string_view(*name));
  if (def == nullptr) {
    const std::string where = dhcp4 ? "" : " in option space \"" + std::string(space) + "\"";
    return tl::unexpected(reader.error(
        name_node, name_node.path + ": unknown option name " + describe_value(*name_node.value) +
                       where +
                       "; define it with \"option-def\", or give its \"code\" and hex \"data\""));
  }
  return def;
}

Result<ResolvedOption> check_code(const Reader& reader, const Node& code_node,
                                  const wire::OptionDef* named, std::string_view space) {
  auto number = reader.get_integer(code_node, 0, 255);
  if (!number) return tl::unexpected(number.error());
  const auto code = static_cast<uint8_t>(*number);
  if (named != nullptr && named->code != code) {
    return tl::unexpected(reader.error(
        code_node, code_node.path + " is " + std::to_string(code) + " but option \"" +
                       std::string(named->name) + "\" has code " + std::to_string(named->code)));
  }
  const bool dhcp4 = space == wire::kDhcp4Space;
  if (dhcp4 && (code == 0 || code == 255)) {
    return tl::unexpected(reader.error(
        code_node,
        code_node.path + ": option " + std::to_string(code) + " (pad/end) cannot be configured"));
  }
  if (const auto* managed = dhcp4 ? find_managed(code) : nullptr) {
    return tl::unexpected(reader.error(code_node, managed_message(code_node, *managed)));
  }
  return ResolvedOption{std::string(space), code,
                        named != nullptr ? named : lookup(reader, space, code)};
}

Result<ResolvedOption> resolve_option(const Reader& reader, const Node& entry,
                                      std::string_view space) {
  const auto name_node = entry.find("name");
  const auto code_node = entry.find("code");
  if (!name_node && !code_node) {
    return tl::unexpected(
        reader.error(entry, entry.path + " needs a \"name\" or a \"code\" to say which option"));
  }
  const wire::OptionDef* named = nullptr;
  if (name_node) {
    auto def = resolve_name(reader, *name_node, space);
    if (!def) return tl::unexpected(def.error());
    named = *def;
  }
  if (code_node) return check_code(reader, *code_node, named, space);
  return ResolvedOption{std::string(space), named->code, named};
}

Result<Bytes> decode_hex(const Reader& reader, const Node& at, std::string_view text) {
  const std::string_view digits = trim(text);
  if (digits.empty()) return Bytes{};  // Kea allows options without content
  auto bytes = parse_hex(digits);
  if (!bytes) {
    return tl::unexpected(
        reader.error(at, at.path + " must be hex (e.g. \"0A0B0C\" or \"0a:0b:0c\"), got " +
                             describe_value(*at.value)));
  }
  return std::move(*bytes);
}

Result<Bytes> encode_csv(const Reader& reader, const Node& entry, const std::optional<Node>& data,
                         const wire::OptionDef& def) {
  // Kea reads a missing "data" as empty text, which only these accept.
  const bool may_be_empty = def.type == wire::OptionType::Empty ||
                            def.type == wire::OptionType::Binary || !def.encapsulate.empty();
  if (!data && may_be_empty) return Bytes{};
  if (!data) {
    return tl::unexpected(reader.error(
        entry, entry.path + " (option \"" + std::string(def.name) + "\") needs \"data\""));
  }
  auto bytes = wire::encode_option_text(def, data->value->get_ref<const std::string&>());
  if (!bytes) {
    return tl::unexpected(reader.error(*data, data->path + " is not valid for option \"" +
                                                  std::string(def.name) + "\": " + bytes.error()));
  }
  return std::move(*bytes);
}

Result<Bytes> read_data(const Reader& reader, const Node& entry, const ResolvedOption& option) {
  const auto data = entry.find("data");
  if (data && !data->value->is_string()) {
    return tl::unexpected(
        reader.error(*data, data->path + " must be a string, got " + describe_value(*data->value)));
  }
  bool csv = true;
  const auto csv_node = entry.find("csv-format");
  if (csv_node) {
    auto flag = reader.get_bool(*csv_node);
    if (!flag) return tl::unexpected(flag.error());
    csv = *flag;
    if (csv && option.def == nullptr) {
      return tl::unexpected(
          reader.error(*csv_node, csv_node->path + ": blackstart has no definition for option " +
                                      std::to_string(option.code) +
                                      ", so its data must be hex (\"csv-format\": false)"));
    }
  }
  // As in Kea, data for an option without a definition is always hex.
  if (csv && option.def != nullptr) return encode_csv(reader, entry, data, *option.def);
  if (!data) return Bytes{};
  return decode_hex(reader, *data, data->value->get_ref<const std::string&>());
}

Result<std::string> read_space(const Reader& reader, const Node& entry) {
  const auto space = entry.find("space");
  if (!space) return std::string(wire::kDhcp4Space);
  auto name = reader.get_string(*space);
  if (!name) return tl::unexpected(name.error());
  if (!wire::is_valid_option_name(*name)) {
    return tl::unexpected(
        reader.error(*space, space->path + ": invalid option space name " + quote(*name)));
  }
  return *name;
}

// One entry of the list before the options of other spaces are packed into
// the options that carry them.
struct ParsedOption {
  std::string space;
  const wire::OptionDef* def = nullptr;
  OptionData option;
  Node entry;
};

Result<ParsedOption> read_option(const Reader& reader, const Node& entry) {
  if (auto ok = reader.expect_object(entry); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(entry, Scope::OptionData, kOptionKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  auto space = read_space(reader, entry);
  if (!space) return tl::unexpected(space.error());
  auto option = resolve_option(reader, entry, *space);
  if (!option) return tl::unexpected(option.error());
  auto data = read_data(reader, entry, *option);
  if (!data) return tl::unexpected(data.error());
  ParsedOption out{
      std::move(*space), option->def, {option->code, std::move(*data), false, false}, entry};
  for (auto [key, target] : {std::pair{"always-send", &out.option.always_send},
                             std::pair{"never-send", &out.option.never_send}}) {
    const auto node = entry.find(key);
    if (!node) continue;
    auto flag = reader.get_bool(*node);
    if (!flag) return tl::unexpected(flag.error());
    *target = *flag;
  }
  return out;
}

// Packs the options of other spaces into the options that carry them. Each
// space is packed once per list and kept (its bytes do not depend on which
// option carries it), so nesting costs one pass per space, and a space met
// again while it is being packed is a loop in the definitions.
class Packer {
 public:
  Packer(const Reader& reader, const std::vector<ParsedOption>& list)
      : reader_(reader), list_(list) {}

  // The option's own bytes followed by those of the space it carries.
  Result<Bytes> with_suboptions(const ParsedOption& parent) {
    if (parent.def == nullptr) return parent.option.data;
    if (parent.def->type == wire::OptionType::Vivso && parent.space == wire::kDhcp4Space &&
        parent.option.data.size() == 5) {
      return vivso(parent);
    }
    if (parent.def->encapsulate.empty()) return parent.option.data;
    auto subs = pack_space(parent, std::string(parent.def->encapsulate), false);
    if (!subs) return subs;
    Bytes out = parent.option.data;
    out.insert(out.end(), subs->begin(), subs->end());
    return out;
  }

 private:
  // The options of `space` in this list as code-length-data, in code order
  // as Kea packs them. Vendor spaces take only "always-send" options: Kea
  // 2.2 puts the others in option 125 only when a DOCSIS modem's ORO asks.
  Result<Bytes> pack_space(const ParsedOption& carrier, const std::string& space,
                           bool always_send_only) {
    if (const auto done = packed_.find(space); done != packed_.end()) return done->second;
    if (std::find(in_progress_.begin(), in_progress_.end(), space) != in_progress_.end()) {
      return tl::unexpected(
          reader_.error(carrier.entry, carrier.entry.path +
                                           ": option spaces encapsulate each other in a loop "
                                           "(through \"" +
                                           space + "\")"));
    }
    in_progress_.push_back(space);
    auto out = pack_members(space, always_send_only);
    in_progress_.pop_back();
    if (out) packed_.emplace(space, *out);
    return out;
  }

  Result<Bytes> pack_members(std::string_view space, bool always_send_only) {
    std::vector<const ParsedOption*> members;
    for (const ParsedOption& option : list_) {
      if (option.space != space) continue;
      if (always_send_only && !option.option.always_send) {
        reader_.warn(option.entry, option.entry.path + ": not sent: an option of vendor space \"" +
                                       option.space +
                                       "\" goes into option 125 only with \"always-send\" (as in "
                                       "Kea 2.2; DOCSIS ORO requests are not honoured)");
        continue;
      }
      members.push_back(&option);
    }
    std::stable_sort(members.begin(), members.end(),
                     [](const auto* a, const auto* b) { return a->option.code < b->option.code; });
    Bytes out;
    for (const ParsedOption* member : members) {
      auto data = with_suboptions(*member);
      if (!data) return data;
      if (auto ok = wire::append_tlv(out, member->option.code, *data); !ok) {
        return tl::unexpected(reader_.error(member->entry, member->entry.path + ": " + ok.error()));
      }
    }
    return out;
  }

  // RFC 3925: enterprise number, length, then the vendor space's options.
  Result<Bytes> vivso(const ParsedOption& parent) {
    const Bytes& data = parent.option.data;
    const uint32_t enterprise =
        (uint32_t{data[0]} << 24) | (uint32_t{data[1]} << 16) | (uint32_t{data[2]} << 8) | data[3];
    const std::string space = std::string(wire::kVendorSpacePrefix) + std::to_string(enterprise);
    auto subs = pack_space(parent, space, true);
    if (!subs) return subs;
    if (subs->size() > UINT8_MAX) {
      return tl::unexpected(reader_.error(
          parent.entry, parent.entry.path + ": the options of \"" + space + "\" take " +
                            std::to_string(subs->size()) + " bytes; RFC 3925 allows 255"));
    }
    Bytes out(data.begin(), data.begin() + 4);
    out.push_back(static_cast<uint8_t>(subs->size()));
    out.insert(out.end(), subs->begin(), subs->end());
    return out;
  }

  const Reader& reader_;
  const std::vector<ParsedOption>& list_;
  std::map<std::string, Bytes, std::less<>> packed_;
  std::vector<std::string> in_progress_;
};

Status check_duplicates(const Reader& reader, const Node& list,
                        const std::vector<ParsedOption>& parsed) {
  for (size_t i = 0; i < parsed.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (parsed[j].space != parsed[i].space || parsed[j].option.code != parsed[i].option.code) {
        continue;
      }
      const std::string where =
          parsed[i].space == wire::kDhcp4Space ? "" : " of space \"" + parsed[i].space + "\"";
      return tl::unexpected(reader.error(
          parsed[i].entry, parsed[i].entry.path + ": option " +
                               std::to_string(parsed[i].option.code) + where +
                               " is already set on line " +
                               std::to_string(reader.line_of(list.element(j))) + " of this list"));
    }
  }
  return {};
}

}  // namespace

Result<std::vector<OptionData>> read_option_data(const Reader& reader, const Node& list) {
  if (auto ok = reader.expect_array(list); !ok) return tl::unexpected(ok.error());
  std::vector<ParsedOption> parsed;
  for (size_t i = 0; i < list.value->size(); ++i) {
    auto option = read_option(reader, list.element(i));
    if (!option) return tl::unexpected(option.error());
    parsed.push_back(std::move(*option));
  }
  if (auto ok = check_duplicates(reader, list, parsed); !ok) return tl::unexpected(ok.error());
  // Packed once here, so a reply copies the finished bytes of 43 or 125.
  Packer packer(reader, parsed);
  std::vector<OptionData> options;
  for (const ParsedOption& option : parsed) {
    if (option.space != wire::kDhcp4Space) continue;
    auto data = packer.with_suboptions(option);
    if (!data) return tl::unexpected(data.error());
    if (data->size() > kMaxOptionBytes) {
      return tl::unexpected(reader.error(option.entry, option.entry.path + ": option data is " +
                                                           std::to_string(data->size()) +
                                                           " bytes, but one option holds at most " +
                                                           std::to_string(kMaxOptionBytes)));
    }
    options.push_back(OptionData{option.option.code, std::move(*data), option.option.always_send,
                                 option.option.never_send});
  }
  return options;
}

}  // namespace bs::config
