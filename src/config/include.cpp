// <?include "PATH"?> expansion. The scanner knows strings and the three
// comment styles, so a directive quoted or commented out is left alone.
// Each included file starts on a line of its own and the including file
// resumes on a new line, so every combined line has one origin.
#include "config/include.h"

#include "common/file_read.h"

namespace bs::config {
namespace {

// Kea's limit, which also stops a file including itself.
constexpr int kMaxIncludeDepth = 10;
constexpr std::string_view kDirective = "<?include";

class Expander {
 public:
  tl::expected<void, ConfigError> expand(const std::string& path, const std::string& text,
                                         int depth) {
    int line = 1;
    start_line(path, line);
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t plain = skip_plain(text, pos, path, line);
      if (plain >= text.size()) break;
      auto next = splice(path, text, plain, line, depth);
      if (!next) return tl::unexpected(next.error());
      pos = *next;
    }
    return {};
  }

  ExpandedText take() { return std::move(out_); }

 private:
  void start_line(const std::string& file, int line) {
    out_.origins.push_back(LineOrigin{file, line});
  }

  void put(char c, const std::string& file, int& line) {
    out_.text.push_back(c);
    if (c == '\n') start_line(file, ++line);
  }

  // Copies text up to the next directive outside strings and comments;
  // returns its position (or the end).
  size_t skip_plain(const std::string& text, size_t pos, const std::string& file, int& line) {
    enum class In { Code, String, LineComment, BlockComment } in = In::Code;
    while (pos < text.size()) {
      const char c = text[pos];
      const char next = pos + 1 < text.size() ? text[pos + 1] : '\0';
      if (in == In::Code && text.compare(pos, kDirective.size(), kDirective) == 0) return pos;
      if (in == In::Code) {
        if (c == '"') in = In::String;
        if (c == '#' || (c == '/' && next == '/')) in = In::LineComment;
        if (c == '/' && next == '*') {
          put(c, file, line);
          put(next, file, line);
          pos += 2;
          in = In::BlockComment;
          continue;
        }
      } else if (in == In::String) {
        if (c == '\\' && next != '\0') {
          put(c, file, line);
          put(next, file, line);
          pos += 2;
          continue;
        }
        if (c == '"' || c == '\n') in = In::Code;
      } else if (in == In::LineComment) {
        if (c == '\n') in = In::Code;
      } else if (c == '*' && next == '/') {
        put(c, file, line);
        put(next, file, line);
        pos += 2;
        in = In::Code;
        continue;
      }
      put(c, file, line);
      ++pos;
    }
    return pos;
  }

  tl::expected<size_t, ConfigError> splice(const std::string& path, const std::string& text,
                                           size_t pos, int& line, int depth) {
    auto fail = [&](std::string message) {
      return tl::unexpected(ConfigError{path, line, std::move(message)});
    };
    size_t cursor = pos + kDirective.size();
    while (cursor < text.size() && (text[cursor] == ' ' || text[cursor] == '\t')) ++cursor;
    const size_t name_end = cursor < text.size() && text[cursor] == '"' ? text.find('"', cursor + 1)
                                                                        : std::string::npos;
    const size_t close = name_end == std::string::npos ? name_end : text.find("?>", name_end);
    if (close == std::string::npos || text.find_first_not_of(" \t", name_end + 1) != close) {
      return fail("malformed include: write <?include \"PATH\"?>");
    }
    const std::string included = text.substr(cursor + 1, name_end - cursor - 1);
    if (depth >= kMaxIncludeDepth) {
      return fail("include " + quote_path(included) + " is nested more than " +
                  std::to_string(kMaxIncludeDepth) + " levels deep (does a file include itself?)");
    }
    auto content = read_bounded_file(included, kMaxConfigFileBytes);
    if (!content) return fail("cannot include " + quote_path(included) + ": " + content.error());
    out_.text.push_back('\n');
    if (auto ok = expand(included, *content, depth + 1); !ok) return tl::unexpected(ok.error());
    out_.text.push_back('\n');
    start_line(path, line);
    return close + 2;
  }

  static std::string quote_path(const std::string& path) { return "\"" + path + "\""; }

  ExpandedText out_;
};

}  // namespace

tl::expected<ExpandedText, ConfigError> expand_includes(const std::string& path,
                                                        const std::string& text) {
  Expander expander;
  if (auto ok = expander.expand(path, text, 0); !ok) return tl::unexpected(ok.error());
  return expander.take();
}

void map_to_origin(const ExpandedText& expanded, ConfigError& error) {
  if (error.line <= 0 || static_cast<size_t>(error.line) > expanded.origins.size()) return;
  const LineOrigin& origin = expanded.origins[static_cast<size_t>(error.line) - 1];
  error.file = origin.file;
  error.line = origin.line;
}

}  // namespace bs::config
