// Kea "option-data" lists (global, per subnet, per reservation) turned into
// wire-ready option bytes. Options the server computes itself are refused
// here, because letting a config override them would break the protocol.
#include <unordered_map>

#include "config/reader.h"
#include "wire/option_defs.h"

namespace bs::config {
namespace {

constexpr std::string_view kOptionKeys[] = {"name",        "code",       "data", "csv-format",
                                            "always-send", "never-send", "space"};

// One option is at most 255 bytes on the wire; longer data would need
// RFC 3396 splitting, which few clients implement.
constexpr size_t kMaxOptionBytes = 255;

struct ManagedOption {
  uint8_t code;
  std::string_view name;
  std::string_view hint;
};

// Kea's names for the options blackstart sets per message or that only
// clients and relays send.
constexpr ManagedOption kManagedOptions[] = {
    {50, "dhcp-requested-address", "clients send it"},
    {51, "dhcp-lease-time", "set \"valid-lifetime\" instead"},
    {52, "dhcp-option-overload", "the server decides when to overload"},
    {53, "dhcp-message-type", "the server sets it on every reply"},
    {54, "dhcp-server-identifier", "the server uses the receiving interface's address"},
    {55, "dhcp-parameter-request-list", "clients send it"},
    {56, "dhcp-message", "the server sets it on NAKs"},
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
  uint8_t code = 0;
  const wire::OptionDef* def = nullptr;  // null for codes blackstart has no definition for
};

Result<const wire::OptionDef*> resolve_name(const Reader& reader, const Node& name_node) {
  auto name = reader.get_string(name_node);
  if (!name) return tl::unexpected(name.error());
  if (const auto* managed = find_managed(*name)) {
    return tl::unexpected(reader.error(name_node, managed_message(name_node, *managed)));
  }
  const wire::OptionDef* def = wire::find_option_def(*name);
  if (def == nullptr) {
    return tl::unexpected(reader.error(
        name_node, name_node.path + ": unknown option name " + describe_value(*name_node.value) +
                       "; for an option blackstart has no name for, give its \"code\" and "
                       "hex \"data\""));
  }
  return def;
}

Result<ResolvedOption> check_code(const Reader& reader, const Node& code_node,
                                  const wire::OptionDef* named) {
  auto number = reader.get_integer(code_node, 0, 255);
  if (!number) return tl::unexpected(number.error());
  const auto code = static_cast<uint8_t>(*number);
  if (named != nullptr && named->code != code) {
    return tl::unexpected(reader.error(
        code_node, code_node.path + " is " + std::to_string(code) + " but option \"" +
                       std::string(named->name) + "\" has code " + std::to_string(named->code)));
  }
  if (code == 0 || code == 255) {
    return tl::unexpected(reader.error(
        code_node,
        code_node.path + ": option " + std::to_string(code) + " (pad/end) cannot be configured"));
  }
  if (const auto* managed = find_managed(code)) {
    return tl::unexpected(reader.error(code_node, managed_message(code_node, *managed)));
  }
  return ResolvedOption{code, named != nullptr ? named : wire::find_option_def(code)};
}

Result<ResolvedOption> resolve_option(const Reader& reader, const Node& entry) {
  const auto name_node = entry.find("name");
  const auto code_node = entry.find("code");
  if (!name_node && !code_node) {
    return tl::unexpected(
        reader.error(entry, entry.path + " needs a \"name\" or a \"code\" to say which option"));
  }
  const wire::OptionDef* named = nullptr;
  if (name_node) {
    auto def = resolve_name(reader, *name_node);
    if (!def) return tl::unexpected(def.error());
    named = *def;
  }
  if (code_node) return check_code(reader, *code_node, named);
  return ResolvedOption{named->code, named};
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

Status check_space(const Reader& reader, const Node& entry) {
  const auto space = entry.find("space");
  if (!space) return {};
  auto name = reader.get_string(*space);
  if (!name) return tl::unexpected(name.error());
  if (*name == "dhcp4") return {};
  return tl::unexpected(reader.error(
      *space, space->path + " is \"" + *name +
                  "\": options in other spaces (vendor sub-options, \"option-def\" spaces) are "
                  "not supported yet; only \"dhcp4\" is"));
}

Result<OptionData> read_option(const Reader& reader, const Node& entry) {
  if (auto ok = reader.expect_object(entry); !ok) return tl::unexpected(ok.error());
  if (auto ok = reader.check_keys(entry, Scope::OptionData, kOptionKeys); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = check_space(reader, entry); !ok) return tl::unexpected(ok.error());
  auto option = resolve_option(reader, entry);
  if (!option) return tl::unexpected(option.error());
  auto data = read_data(reader, entry, *option);
  if (!data) return tl::unexpected(data.error());
  if (data->size() > kMaxOptionBytes) {
    return tl::unexpected(reader.error(
        entry, entry.path + ": option data is " + std::to_string(data->size()) +
                   " bytes, but one option holds at most " + std::to_string(kMaxOptionBytes)));
  }
  OptionData out{option->code, std::move(*data), false, false};
  for (auto [key, target] :
       {std::pair{"always-send", &out.always_send}, std::pair{"never-send", &out.never_send}}) {
    const auto node = entry.find(key);
    if (!node) continue;
    auto flag = reader.get_bool(*node);
    if (!flag) return tl::unexpected(flag.error());
    *target = *flag;
  }
  return out;
}

}  // namespace

Result<std::vector<OptionData>> read_option_data(const Reader& reader, const Node& list) {
  if (auto ok = reader.expect_array(list); !ok) return tl::unexpected(ok.error());
  std::vector<OptionData> options;
  std::unordered_map<uint8_t, size_t> first_index_by_code;
  for (size_t i = 0; i < list.value->size(); ++i) {
    const Node entry = list.element(i);
    auto option = read_option(reader, entry);
    if (!option) return tl::unexpected(option.error());
    const auto [it, inserted] = first_index_by_code.emplace(option->code, i);
    if (!inserted) {
      const int first_line = reader.line_of(list.element(it->second));
      return tl::unexpected(reader.error(
          entry, entry.path + ": option " + std::to_string(option->code) +
                     " is already set on line " + std::to_string(first_line) + " of this list"));
    }
    options.push_back(std::move(*option));
  }
  return options;
}

}  // namespace bs::config
