// Shared pieces of the Kea-style command handlers: the answer shape, the
// result codes, and typed access to "arguments" that turns every missing or
// mistyped value into a clear CommandError. Handlers run on an HTTP thread
// and may throw CommandError (or nlohmann's exceptions); Dispatcher::handle
// catches everything and answers with result 1, so nothing escapes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/types.h"

namespace bs::control {

using Json = nlohmann::json;

// Kea's control result codes.
enum Result : int {
  kSuccess = 0,
  kError = 1,
  kUnsupported = 2,
  kEmpty = 3,  // nothing found
};

// `text` may hold any bytes; invalid UTF-8 in it is shown as \xNN.
Json answer(int result, std::string_view text);
Json answer(int result, std::string_view text, Json arguments);

struct CommandError : std::runtime_error {
  explicit CommandError(const std::string& text, int code = kError)
      : std::runtime_error(text), result(code) {}
  int result;
};

// The request's "arguments" object; an empty object when absent. Rejects
// members not in `allowed`, naming them, so a typo is not silently ignored.
Json arguments_of(const Json& request, std::span<const std::string_view> allowed);

std::optional<std::string> opt_string(const Json& args, std::string_view key);
std::string need_string(const Json& args, std::string_view key);
std::optional<int64_t> opt_integer(const Json& args, std::string_view key, int64_t min,
                                   int64_t max);
std::optional<bool> opt_bool(const Json& args, std::string_view key);
Ip4 need_ip4(const Json& args, std::string_view key);
HwAddr parse_hw_argument(std::string_view key, const std::string& text);
Bytes parse_client_id_argument(std::string_view key, const std::string& text);

}  // namespace bs::control
