// Credentials for the control API: HTTP basic (Kea's "clients") and bearer
// tokens (blackstart's extension). Comparisons take the same time whatever
// the input, so a wrong guess reveals nothing about the right one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace bs::control {

std::optional<std::string> base64_decode(std::string_view text);
bool constant_time_equal(std::string_view a, std::string_view b);

// True if the Authorization header value satisfies `socket` (always true
// when the socket requires no credentials).
bool authorized(const config::ControlSocket& socket, std::string_view header);

}  // namespace bs::control
