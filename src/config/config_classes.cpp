// Kea's client classification settings: the "client-classes" list (each
// class with its test, options, BOOTP fields and lifetimes), the class
// guards and additional-evaluation lists on subnets and pools, and the
// classes a host reservation assigns. Both spellings are read: Kea 2.2's
// ("client-class", "require-client-classes", "only-if-required") and the
// current one ("client-classes", "evaluate-additional-classes",
// "only-in-additional-list"); a scope giving both is refused, as Kea does.
#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "config/reader.h"
#include "wire/option_space.h"

namespace bs::config {
namespace {

// Bands 1-6 of the intake; 7 is for renewals (server/priority.h).
constexpr uint32_t kMaxClassPriority = 6;

constexpr std::string_view kClassKeys[] = {
    "name",
    "test",
    "option-data",
    "option-def",
    "only-if-required",
    "only-in-additional-list",
    "next-server",
    "server-hostname",
    "boot-file-name",
    "valid-lifetime",
    "min-valid-lifetime",
    "max-valid-lifetime",
};
BS_CONFIG_KEYS("Dhcp4.client-classes[]", kClassKeys);

// Kea's built-in class names and prefixes (client_class_def.cc): a config
// may define them (to attach options) but not give them a test.
constexpr std::string_view kBuiltinNames[] = {"ALL", "KNOWN", "UNKNOWN", "BOOTP"};
constexpr std::string_view kBuiltinPrefixes[] = {"VENDOR_CLASS_", "HA_", "AFTER_", "EXTERNAL_"};

bool is_builtin(std::string_view name) {
  if (std::find(std::begin(kBuiltinNames), std::end(kBuiltinNames), name) !=
      std::end(kBuiltinNames)) {
    return true;
  }
  return std::any_of(std::begin(kBuiltinPrefixes), std::end(kBuiltinPrefixes),
                     [name](std::string_view prefix) {
                       return name.size() > prefix.size() && name.starts_with(prefix);
                     });
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// Whether the expression text uses the words "known" or "unknown" outside
// quoted strings: forms that stand for member('KNOWN') / member('UNKNOWN').
bool mentions_known_keyword(std::string_view text) {
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\'') {
      quoted = !quoted;
      continue;
    }
    if (quoted || !std::isalpha(static_cast<unsigned char>(text[i]))) continue;
    size_t end = i;
    while (end < text.size() && is_word_char(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    if (word == "known" || word == "unknown") return true;
    i = end - 1;
  }
  return false;
}

class ClassReader {
 public:
  ClassReader(const Reader& reader, Config& config) : reader_(reader), config_(config) {}

  Status read(const Node& entry) {
    if (auto ok = reader_.expect_object(entry); !ok) return ok;
    if (auto ok = reader_.check_keys(entry, Scope::ClientClass, kClassKeys); !ok) return ok;
    if (auto ok = check_context(entry); !ok) return ok;
    ClientClass out;
    if (auto ok = read_name(entry, out); !ok) return ok;
    if (auto ok = read_flags(entry, out); !ok) return ok;
    if (auto ok = read_test(entry, out); !ok) return ok;
    // The class's own option-def (Kea allows 43 and 224-254) on top of the
    // global ones, then its option-data read against both.
    auto options = read_class_option_data(reader_, entry);
    if (!options) return tl::unexpected(options.error());
    out.options = std::move(*options);
    if (auto ok = read_boot(entry, out); !ok) return ok;
    if (auto ok = read_lifetime(entry, out); !ok) return ok;
    if (auto ok = read_priority(entry, out); !ok) return ok;
    config_.client_classes.push_back(std::move(out));
    return {};
  }

 private:
  // blackstart's priority, kept in the class's user-context (see config.h).
  Status read_priority(const Node& entry, ClientClass& out) const {
    const auto context = entry.find("user-context");
    if (!context) return {};
    const auto priority = context->find("blackstart-priority");
    if (!priority) return {};
    auto value = reader_.get_u32(*priority, 1, kMaxClassPriority);
    if (!value) return tl::unexpected(value.error());
    if (out.only_if_required) {
      return tl::unexpected(reader_.error(
          *priority, priority->path + ": a class evaluated only when required cannot have a "
                                      "priority (priorities are decided when a packet arrives)"));
    }
    out.priority = static_cast<uint8_t>(*value);
    return {};
  }

  // Kea: "user-context" must be a map; "comment" is text.
  Status check_context(const Node& entry) const {
    if (const auto context = entry.find("user-context"); context && !context->value->is_object()) {
      return tl::unexpected(reader_.error(
          *context, context->path + " must be an object, got " + describe_value(*context->value)));
    }
    if (const auto comment = entry.find("comment"); comment && !comment->value->is_string()) {
      return tl::unexpected(reader_.error(
          *comment, comment->path + " must be a string, got " + describe_value(*comment->value)));
    }
    return {};
  }

  Status read_name(const Node& entry, ClientClass& out) {
    const auto name = entry.find("name");
    if (!name) return tl::unexpected(reader_.error(entry, entry.path + " needs a \"name\""));
    auto text = reader_.get_string(*name);
    if (!text) return tl::unexpected(text.error());
    const auto [it, inserted] = first_line_.emplace(*text, reader_.line_of(*name));
    if (!inserted) {
      return tl::unexpected(
          reader_.error(*name, name->path + " " + quote(*text) + " is already defined on line " +
                                   std::to_string(it->second) + "; class names must be unique"));
    }
    out.name = std::move(*text);
    return {};
  }

  Status read_flags(const Node& entry, ClientClass& out) const {
    const auto old_form = entry.find("only-if-required");
    const auto new_form = entry.find("only-in-additional-list");
    if (old_form && new_form) {
      return tl::unexpected(reader_.key_error(
          *new_form, entry.path + " has both \"only-if-required\" (Kea 2.2) and "
                                  "\"only-in-additional-list\" (its newer name); keep one"));
    }
    if (const auto flag_node = old_form ? old_form : new_form) {
      auto flag = reader_.get_bool(*flag_node);
      if (!flag) return tl::unexpected(flag.error());
      out.only_if_required = *flag;
      if (*flag && (is_builtin(out.name) || out.name == classify::kDrop)) {
        return tl::unexpected(reader_.error(
            *flag_node, flag_node->path + ": the built-in class " + quote(out.name) +
                            " is assigned before any subnet is chosen, so it cannot be "
                            "evaluated only on request"));
      }
    }
    return {};
  }

  // member('X') may only name built-in classes and classes defined above
  // (Kea's rule, which rules out loops); a class depending on KNOWN or
  // UNKNOWN, directly or through another class, waits for the host lookup.
  Status read_test(const Node& entry, ClientClass& out) const {
    const auto test = entry.find("test");
    if (!test) return {};
    if (!test->value->is_string()) {
      return tl::unexpected(reader_.error(
          *test, test->path + " must be a string, got " + describe_value(*test->value)));
    }
    const std::string& text = test->value->get_ref<const std::string&>();
    if (text.empty()) return {};  // Kea: an empty test is no test
    if (is_builtin(out.name)) {
      return tl::unexpected(
          reader_.error(*test, test->path + ": the built-in class " + quote(out.name) +
                                   " is assigned by the server and cannot have a test"));
    }
    bool depends_on_known = mentions_known_keyword(text);
    classify::ParseContext context;
    context.class_known = [this, &depends_on_known](std::string_view name) {
      if (name == classify::kKnown || name == classify::kUnknown) depends_on_known = true;
      if (is_builtin(name)) return true;
      const ClientClass* earlier = config_.find_class(name);
      if (earlier != nullptr && earlier->depends_on_known) depends_on_known = true;
      return earlier != nullptr;
    };
    // option[NAME] resolves against the file's option-def and blackstart's
    // built-ins (120, 150) as well as Kea's table; .text of a string option
    // gives its bytes, as in Kea.
    const wire::OptionDefinitions* defs = reader_.option_definitions();
    if (defs != nullptr) {
      context.option_code = [defs](std::string_view name) -> std::optional<uint8_t> {
        const wire::OptionDef* def = defs->find(wire::kDhcp4Space, name);
        if (def == nullptr) return std::nullopt;
        return def->code;
      };
      context.option_is_string = [defs](uint8_t code) {
        const wire::OptionDef* def = defs->find(wire::kDhcp4Space, code);
        return def != nullptr && def->type == wire::OptionType::String && !def->array;
      };
    }
    auto parsed = classify::parse_expression(text, context);
    if (!parsed) {
      return tl::unexpected(reader_.error(
          *test, test->path + ": " + parsed.error().message + " at column " +
                     std::to_string(parsed.error().position + 1) + " of " + quote(text)));
    }
    out.test = std::move(*parsed);
    out.depends_on_known = depends_on_known;
    return {};
  }

  // Kea treats 0.0.0.0 and empty strings as "not set" on a class, so a
  // class cannot blank a subnet's value.
  Status read_boot(const Node& entry, ClientClass& out) const {
    if (auto ok = read_boot_fields(reader_, entry, out.boot); !ok) return ok;
    BootFields& boot = out.boot;
    if (boot.next_server && boot.next_server->is_zero()) boot.next_server.reset();
    if (boot.next_server && *boot.next_server == Ip4{0xffffffffu}) {
      const Node node = *entry.find("next-server");
      return tl::unexpected(reader_.error(node, node.path + " must not be the broadcast address"));
    }
    if (boot.server_hostname && boot.server_hostname->empty()) boot.server_hostname.reset();
    if (boot.boot_file_name && boot.boot_file_name->empty()) boot.boot_file_name.reset();
    return {};
  }

  // Kea's triplet: a missing bound takes the default, a missing default
  // the single bound given; min and max without a default are refused.
  Status read_lifetime(const Node& entry, ClientClass& out) const {
    std::optional<uint32_t> values[3];
    constexpr std::string_view kKeys[] = {"valid-lifetime", "min-valid-lifetime",
                                          "max-valid-lifetime"};
    for (size_t i = 0; i < 3; ++i) {
      const auto node = entry.find(kKeys[i]);
      if (!node) continue;
      auto seconds = reader_.get_u32(*node, 1);
      if (!seconds) return tl::unexpected(seconds.error());
      values[i] = *seconds;
    }
    const auto& [valid, min, max] = values;
    if (!valid && !min && !max) return {};
    if (!valid && min && max) {
      return tl::unexpected(
          reader_.error(entry, entry.path + " has min-valid-lifetime and max-valid-lifetime but no "
                                            "valid-lifetime; Kea needs the default too"));
    }
    const uint32_t value = valid.value_or(min.value_or(max.value_or(0)));
    LifetimeTriplet triplet{value, min.value_or(value), max.value_or(value)};
    if (triplet.min_s > triplet.valid_s || triplet.valid_s > triplet.max_s) {
      return tl::unexpected(reader_.error(
          entry, entry.path + ": valid-lifetime " + std::to_string(triplet.valid_s) +
                     " must lie between min-valid-lifetime " + std::to_string(triplet.min_s) +
                     " and max-valid-lifetime " + std::to_string(triplet.max_s)));
    }
    out.lifetime = triplet;
    return {};
  }

  const Reader& reader_;
  Config& config_;
  std::unordered_map<std::string, int> first_line_;
};

// A list of class names: non-empty strings.
Result<std::vector<std::string>> read_name_list(const Reader& reader, const Node& list) {
  if (auto ok = reader.expect_array(list); !ok) return tl::unexpected(ok.error());
  std::vector<std::string> names;
  for (size_t i = 0; i < list.value->size(); ++i) {
    auto name = reader.get_string(list.element(i));
    if (!name) return tl::unexpected(name.error());
    if (std::find(names.begin(), names.end(), *name) == names.end()) {
      names.push_back(std::move(*name));
    }
  }
  return names;
}

// One of two spellings of the same setting; both at once is an error.
Result<std::optional<Node>> one_of(const Reader& reader, const Node& scope,
                                   std::string_view old_key, std::string_view new_key) {
  const auto old_node = scope.find(old_key);
  const auto new_node = scope.find(new_key);
  if (old_node && new_node) {
    return tl::unexpected(reader.key_error(
        *new_node, scope.path + " has both " + quote(old_key) + " and " + quote(new_key) +
                       " (the same setting under Kea 2.2's and the newer name); keep one"));
  }
  return old_node ? old_node : new_node;
}

}  // namespace

namespace {

// Whether `key` appears in `value` at any depth (the reader has bounded the
// nesting already).
bool mentions_key(const nlohmann::json& value, std::string_view key) {
  if (value.is_object()) {
    for (const auto& [name, member] : value.items()) {
      if (name == key || mentions_key(member, key)) return true;
    }
  } else if (value.is_array()) {
    for (const auto& element : value) {
      if (mentions_key(element, key)) return true;
    }
  }
  return false;
}

}  // namespace

Status read_client_classes(const Reader& reader, const Node& dhcp4, Config& config) {
  config.additional_classes_pool_first = mentions_key(*dhcp4.value, "evaluate-additional-classes");
  const auto list = dhcp4.find("client-classes");
  if (!list) return {};
  if (auto ok = reader.expect_array(*list); !ok) return ok;
  if (list->value->size() > classify::ClassSet::kMaxClasses - 8) {
    return tl::unexpected(
        reader.error(*list, list->path + " defines " + std::to_string(list->value->size()) +
                                " classes; blackstart supports at most " +
                                std::to_string(classify::ClassSet::kMaxClasses - 8)));
  }
  ClassReader classes(reader, config);
  for (size_t i = 0; i < list->value->size(); ++i) {
    if (auto ok = classes.read(list->element(i)); !ok) return ok;
  }
  return {};
}

Status read_class_guard(const Reader& reader, const Node& scope, ClassGuard& guard,
                        std::vector<std::string>& required) {
  auto guard_node = one_of(reader, scope, "client-class", "client-classes");
  if (!guard_node) return tl::unexpected(guard_node.error());
  if (const auto& node = *guard_node; node && scope.find("client-class")) {
    // Kea 2.2: one name; an empty string lets every client in.
    if (!node->value->is_string()) {
      return tl::unexpected(reader.error(
          *node, node->path + " must be a class name, got " + describe_value(*node->value)));
    }
    const std::string& name = node->value->get_ref<const std::string&>();
    if (!name.empty()) guard.classes = {name};
  } else if (node) {
    auto names = read_name_list(reader, *node);
    if (!names) return tl::unexpected(names.error());
    guard.classes = std::move(*names);
  }
  auto required_node =
      one_of(reader, scope, "require-client-classes", "evaluate-additional-classes");
  if (!required_node) return tl::unexpected(required_node.error());
  if (*required_node) {
    auto names = read_name_list(reader, **required_node);
    if (!names) return tl::unexpected(names.error());
    required = std::move(*names);
  }
  return {};
}

Status read_host_classes(const Reader& reader, const Node& entry, Reservation& out) {
  const auto node = entry.find("client-classes");
  if (!node) return {};
  auto names = read_name_list(reader, *node);
  if (!names) return tl::unexpected(names.error());
  out.client_classes = std::move(*names);
  return {};
}

// Kea accepts a guard naming a class nobody defined; such a subnet, pool or
// shared network then serves no one, so blackstart says so.
void warn_unknown_classes(const Reader& reader, const Node& dhcp4, std::span<const Node> nodes,
                          const Config& config) {
  auto check = [&](const Node& scope, const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      if (is_builtin(name) || name == classify::kDrop || config.find_class(name) != nullptr) {
        continue;
      }
      reader.warn(scope, scope.path + " names the client class " + quote(name) +
                             ", which no \"client-classes\" entry defines");
    }
  };
  if (const auto networks = dhcp4.find("shared-networks")) {
    for (size_t i = 0; i < config.shared_networks.size() && i < networks->value->size(); ++i) {
      check(networks->element(i), config.shared_networks[i].client_classes.classes);
      check(networks->element(i), config.shared_networks[i].required_classes);
    }
  }
  for (size_t i = 0; i < config.subnets.size() && i < nodes.size(); ++i) {
    const Node& subnet_node = nodes[i];
    const Subnet& subnet = config.subnets[i];
    check(subnet_node, subnet.client_classes.classes);
    check(subnet_node, subnet.required_classes);
    const auto pools = subnet_node.find("pools");
    for (size_t p = 0; pools && p < subnet.pools.size(); ++p) {
      check(pools->element(p), subnet.pools[p].client_classes.classes);
      check(pools->element(p), subnet.pools[p].required_classes);
    }
  }
}

}  // namespace bs::config
