// The live status page, one self-contained HTML file (web/status.html) with
// its CSS and JavaScript inline and no external resources: the machine that
// shows it may have no internet. Compiled in by cmake/embed_page.cmake.
#pragma once

#include <string_view>

namespace bs::control {

extern const std::string_view kStatusPageHtml;

}  // namespace bs::control
