// Typed, position-aware access to the parsed configuration document. All the
// wording of type and range errors lives here so every section reads alike.
#include "config/reader.h"

#include <algorithm>

#include "common/assert.h"

namespace bs::config {
namespace {

constexpr size_t kMaxQuotedChars = 40;

bool is_ignored_key(std::string_view key) { return key == "comment" || key == "user-context"; }

// Edit distance, for "did you mean" hints on misspelt keys.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view key, std::span<const std::string_view> allowed) {
  constexpr size_t kMaxKeyChars = 64;  // longer strings are not typos of a key
  if (key.size() > kMaxKeyChars) return "";
  std::string_view best;
  size_t best_distance = 3;
  for (std::string_view candidate : allowed) {
    const size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? "" : " (did you mean \"" + std::string(best) + "\"?)";
}

bool is_unsupported(Scope scope, std::string_view key) {
  const auto table = unsupported_kea_key_table();
  return std::any_of(table.begin(), table.end(),
                     [&](const KeaKey& entry) { return entry.scope == scope && entry.key == key; });
}

}  // namespace

std::string quote(std::string_view text) {
  if (text.size() > kMaxQuotedChars)
    return "\"" + std::string(text.substr(0, kMaxQuotedChars)) + "...\"";
  return "\"" + std::string(text) + "\"";
}

std::optional<Node> Node::find(std::string_view key) const {
  if (!value->is_object()) return std::nullopt;
  const auto it = value->find(key);
  if (it == value->end()) return std::nullopt;
  return Node{&*it, pointer + "/" + json_pointer_escape(key),
              path.empty() ? std::string(key) : path + "." + std::string(key)};
}

Node Node::element(size_t index) const {
  const std::string number = std::to_string(index);
  return Node{&(*value)[index], pointer + "/" + number, path + "[" + number + "]"};
}

std::string describe_value(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      return "the string " + quote(text);
    }
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    default:
      return "the number " + value.dump();
  }
}

bool is_valid_interface_name(std::string_view name) {
  constexpr size_t kMaxInterfaceChars = 15;  // IFNAMSIZ minus the NUL
  if (name.empty() || name.size() > kMaxInterfaceChars || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return c == '/' || c <= ' ' || c == 0x7f; });
}

ConfigError Reader::error(const Node& node, std::string message) const {
  return ConfigError{file_name_, document_.value_line(node.pointer), std::move(message)};
}

ConfigError Reader::key_error(const Node& node, std::string message) const {
  return ConfigError{file_name_, document_.key_line(node.pointer), std::move(message)};
}

void Reader::warn(const Node& node, std::string message) const {
  warnings_.push_back(key_error(node, std::move(message)));
}

Status Reader::expect_object(const Node& node) const {
  if (node.value->is_object()) return {};
  return tl::unexpected(
      error(node, node.path + " must be an object {...}, got " + describe_value(*node.value)));
}

Status Reader::expect_array(const Node& node) const {
  if (node.value->is_array()) return {};
  return tl::unexpected(
      error(node, node.path + " must be a list [...], got " + describe_value(*node.value)));
}

Result<std::string> Reader::get_string(const Node& node) const {
  if (!node.value->is_string()) {
    return tl::unexpected(
        error(node, node.path + " must be a string, got " + describe_value(*node.value)));
  }
  const auto& text = node.value->get_ref<const std::string&>();
  if (text.empty()) return tl::unexpected(error(node, node.path + " must not be empty"));
  return text;
}

Result<bool> Reader::get_bool(const Node& node) const {
  if (node.value->is_boolean()) return node.value->get<bool>();
  return tl::unexpected(
      error(node, node.path + " must be true or false, got " + describe_value(*node.value)));
}

Result<uint64_t> Reader::get_integer(const Node& node, uint64_t min, uint64_t max) const {
  if (!node.value->is_number_integer()) {
    return tl::unexpected(
        error(node, node.path + " must be an integer, got " + describe_value(*node.value)));
  }
  const bool negative = !node.value->is_number_unsigned() && node.value->get<int64_t>() < 0;
  const uint64_t value = negative ? 0 : node.value->get<uint64_t>();
  if (negative || value < min || value > max) {
    return tl::unexpected(error(node, node.path + " must be between " + std::to_string(min) +
                                          " and " + std::to_string(max) + ", got " +
                                          node.value->dump()));
  }
  return value;
}

Result<uint32_t> Reader::get_u32(const Node& node, uint32_t min, uint32_t max) const {
  return get_integer(node, min, max).map([](uint64_t value) {
    return static_cast<uint32_t>(value);
  });
}

Result<double> Reader::get_real(const Node& node) const {
  if (node.value->is_number()) return node.value->get<double>();
  return tl::unexpected(
      error(node, node.path + " must be a number, got " + describe_value(*node.value)));
}

Result<Ip4> Reader::get_ip4(const Node& node) const {
  auto text = get_string(node);
  if (!text) return tl::unexpected(text.error());
  const auto address = parse_ip4(*text);
  if (!address) {
    return tl::unexpected(
        error(node, node.path + " must be an IPv4 address, got " + describe_value(*node.value)));
  }
  return *address;
}

Status Reader::check_keys(const Node& object, Scope scope,
                          std::span<const std::string_view> allowed) const {
  // Unregistered, the list's keys would be missing from blackstart.json(5).
  BS_ASSERT(is_registered_key_list(allowed));
  // Members are stored sorted, so look for the first offender in file order.
  std::optional<Node> first;
  std::string_view first_key;
  for (const auto& item : object.value->items()) {
    const std::string& key = item.key();
    if (is_ignored_key(key) || std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
      continue;
    }
    Node member = *object.find(key);
    if (!first || document_.key_line(member.pointer) < document_.key_line(first->pointer)) {
      first = std::move(member);
      first_key = key;
    }
  }
  if (!first) return {};
  const std::string where = object.path.empty() ? "at the top level" : "in " + object.path;
  if (is_unsupported(scope, first_key)) {
    return tl::unexpected(key_error(*first, quote(first_key) + " " + where +
                                                " is a Kea setting that blackstart does not "
                                                "support yet"));
  }
  return tl::unexpected(key_error(
      *first, "unknown key " + quote(first_key) + " " + where + suggestion(first_key, allowed)));
}

}  // namespace bs::config
