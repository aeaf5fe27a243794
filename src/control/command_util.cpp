// Answer construction and typed argument access for the command handlers.
#include "control/command_util.h"

#include <algorithm>
#include <limits>

#include "common/text.h"

namespace bs::control {
namespace {

std::string key_name(std::string_view key) { return "'" + std::string(key) + "'"; }

std::string type_name(const Json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_array()) return "a list";
  if (value.is_object()) return "a map";
  return "null";
}

const Json* member(const Json& args, std::string_view key) {
  const auto it = args.find(key);
  return it == args.end() ? nullptr : &*it;
}

}  // namespace

Json answer(int result, std::string_view text) {
  // Texts quote what they were given (a parser's "last read" bytes, a
  // hostname), so they are escaped like any client string.
  return Json{{"result", result}, {"text", escape_invalid_utf8(text)}};
}

Json answer(int result, std::string_view text, Json arguments) {
  Json out = answer(result, text);
  out["arguments"] = std::move(arguments);
  return out;
}

Json arguments_of(const Json& request, std::span<const std::string_view> allowed) {
  const Json* args = member(request, "arguments");
  if (args == nullptr) return Json::object();
  if (!args->is_object()) {
    throw CommandError("'arguments' must be a map, got " + type_name(*args));
  }
  for (const auto& item : args->items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) != allowed.end()) continue;
    std::string known;
    for (std::string_view key : allowed) known += (known.empty() ? "" : ", ") + std::string(key);
    throw CommandError("unknown argument " + key_name(item.key()) +
                       (known.empty() ? "; this command takes none" : " (known: " + known + ")"));
  }
  return *args;
}

std::optional<std::string> opt_string(const Json& args, std::string_view key) {
  const Json* value = member(args, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    throw CommandError(key_name(key) + " must be a string, got " + type_name(*value));
  }
  return value->get<std::string>();
}

std::string need_string(const Json& args, std::string_view key) {
  auto value = opt_string(args, key);
  if (!value) throw CommandError(key_name(key) + " is required");
  return *value;
}

std::optional<int64_t> opt_integer(const Json& args, std::string_view key, int64_t min,
                                   int64_t max) {
  const Json* value = member(args, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) {
    throw CommandError(key_name(key) + " must be an integer, got " + type_name(*value));
  }
  const bool too_big =
      value->is_number_unsigned() &&
      value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const int64_t number = too_big ? std::numeric_limits<int64_t>::max() : value->get<int64_t>();
  if (too_big || number < min || number > max) {
    throw CommandError(key_name(key) + " must be between " + std::to_string(min) + " and " +
                       std::to_string(max) + ", got " + value->dump());
  }
  return number;
}

std::optional<bool> opt_bool(const Json& args, std::string_view key) {
  const Json* value = member(args, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    throw CommandError(key_name(key) + " must be true or false, got " + type_name(*value));
  }
  return value->get<bool>();
}

Ip4 need_ip4(const Json& args, std::string_view key) {
  const std::string text = need_string(args, key);
  const auto address = parse_ip4(text);
  if (!address) throw CommandError(key_name(key) + " must be an IPv4 address, got '" + text + "'");
  return *address;
}

HwAddr parse_hw_argument(std::string_view key, const std::string& text) {
  const auto hw = parse_hwaddr(text);
  if (!hw) {
    throw CommandError(key_name(key) + " must be a hardware address like 02:00:5e:10:00:01, got '" +
                       text + "'");
  }
  return *hw;
}

Bytes parse_client_id_argument(std::string_view key, const std::string& text) {
  const auto bytes = parse_hex(text);
  constexpr size_t kMaxClientIdBytes = 255;  // option 61's length byte
  if (!bytes || bytes->empty() || bytes->size() > kMaxClientIdBytes) {
    throw CommandError(key_name(key) + " must be hex bytes like 01:02:00:5e:10:00:01, got '" +
                       text + "'");
  }
  return *bytes;
}

}  // namespace bs::control
