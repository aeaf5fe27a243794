// Kea's file inclusion, <?include "PATH"?>: a textual splice done before the
// JSON is parsed, with a map from each line of the combined text back to the
// file and line it came from, so errors still say FILE:LINE of the file the
// administrator has to edit.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <vector>

#include "config/config.h"

namespace bs::config {

struct LineOrigin {
  std::string file;
  int line = 0;
};

struct ExpandedText {
  std::string text;
  std::vector<LineOrigin> origins;  // origins[n - 1] is where combined line n came from
};

// Expands the includes in `text`, read from `path`. PATH is absolute or
// relative to the working directory, as in Kea; nesting stops at 10 levels.
tl::expected<ExpandedText, ConfigError> expand_includes(const std::string& path,
                                                        const std::string& text);

// Points `error` (a line of the combined text) back at its own file.
void map_to_origin(const ExpandedText& expanded, ConfigError& error);

}  // namespace bs::config
