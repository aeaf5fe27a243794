// dhcpd's lexical rules as its conflex.c applies them to strings: \t \r \n
// \b, octal \NNN (one to three digits, at most 255), hex \xHH (one or two
// digits), and a backslash before any other character keeps the character.
#include "import/dhcpd_lexer.h"

#include <fmt/format.h>

#include "common/text.h"

namespace bs::import {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
bool is_punct(char c) { return c == ';' || c == '{' || c == '}' || c == '=' || c == ','; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

char Lexer::advance() {
  const char c = text_[pos_++];
  if (c == '\n') {
    ++line_;
    column_ = 1;
  } else {
    ++column_;
  }
  return c;
}

void Lexer::skip_space_and_comments() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (is_space(c)) {
      advance();
    } else if (c == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') advance();
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skip_space_and_comments();
  Token token;
  token.line = line_;
  token.column = column_;
  if (pos_ >= text_.size()) return token;
  const char c = text_[pos_];
  if (c == '"') return read_string(std::move(token));
  if (is_punct(c)) {
    advance();
    token.kind = c == ';'   ? TokenKind::Semi
                 : c == '{' ? TokenKind::Open
                 : c == '}' ? TokenKind::Close
                 : c == '=' ? TokenKind::Equals
                            : TokenKind::Comma;
    token.text = std::string(1, c);
    return token;
  }
  return read_word(std::move(token));
}

Token Lexer::read_word(Token token) {
  const size_t begin = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (is_space(c) || is_punct(c) || c == '"' || c == '#') break;
    advance();
  }
  if (pos_ - begin > kMaxTokenBytes) {
    token.kind = TokenKind::Invalid;
    token.text = fmt::format("word longer than {} bytes", kMaxTokenBytes);
    return token;
  }
  token.kind = TokenKind::Word;
  token.text = std::string(text_.substr(begin, pos_ - begin));
  return token;
}

bool Lexer::read_escape(std::string& out, std::string& error) {
  if (pos_ >= text_.size()) return true;  // the caller reports the open string
  const char c = text_[pos_];
  if (is_octal(c)) {
    unsigned value = 0;
    for (int digits = 0; digits < 3 && pos_ < text_.size() && is_octal(text_[pos_]); ++digits) {
      value = value * 8 + static_cast<unsigned>(advance() - '0');
    }
    if (value > 255) {
      error = fmt::format("octal escape \\{:o} is more than 255", value);
      return false;
    }
    out.push_back(static_cast<char>(value));
    return true;
  }
  advance();
  switch (c) {
    case 't':
      out.push_back('\t');
      return true;
    case 'r':
      out.push_back('\r');
      return true;
    case 'n':
      out.push_back('\n');
      return true;
    case 'b':
      out.push_back('\b');
      return true;
    case 'x': {
      int value = -1;
      for (int digits = 0; digits < 2 && pos_ < text_.size(); ++digits) {
        const int digit = hex_value(text_[pos_]);
        if (digit < 0) break;
        advance();
        value = (value < 0 ? 0 : value * 16) + digit;
      }
      if (value < 0) {
        error = "\\x without hex digits";
        return false;
      }
      out.push_back(static_cast<char>(value));
      return true;
    }
    default:
      out.push_back(c);
      return true;
  }
}

Token Lexer::read_string(Token token) {
  advance();  // the opening quote
  std::string bytes, error;
  while (pos_ < text_.size()) {
    const char c = advance();
    if (c == '"') {
      if (!error.empty()) {
        token.kind = TokenKind::Invalid;
        token.text = error;
      } else if (bytes.size() > kMaxTokenBytes) {
        token.kind = TokenKind::Invalid;
        token.text = fmt::format("string longer than {} bytes", kMaxTokenBytes);
      } else {
        token.kind = TokenKind::String;
        token.text = std::move(bytes);
      }
      return token;
    }
    if (c == '\\') {
      std::string this_error;
      if (!read_escape(bytes, this_error) && error.empty()) error = this_error;
    } else {
      bytes.push_back(c);
    }
    // Past the bound the bytes are not kept, only scanned to the quote.
    if (bytes.size() > kMaxTokenBytes + 1) bytes.resize(kMaxTokenBytes + 1);
  }
  token.kind = TokenKind::Invalid;
  token.text = "string not terminated (no closing quote before the end of the file)";
  return token;
}

std::string skip_block(Lexer& lexer, const Token& open) {
  int depth = 1;
  std::string error;
  while (true) {
    const Token token = lexer.next();
    if (token.kind == TokenKind::End) {
      return fmt::format("block opened at {} is not closed before the end of the file",
                         where(open));
    }
    if (token.kind == TokenKind::Open && ++depth > kMaxBlockDepth && error.empty()) {
      error = fmt::format("blocks nested deeper than {} (at {})", kMaxBlockDepth, where(token));
    }
    if (token.kind == TokenKind::Close && --depth == 0) return error;
  }
}

Statement read_statement(Lexer& lexer, Token first, bool stop_at_open) {
  Statement statement;
  Token token = std::move(first);
  while (true) {
    switch (token.kind) {
      case TokenKind::Semi:
      case TokenKind::Close:
      case TokenKind::End:
        statement.end = token.kind == TokenKind::Semi    ? StatementEnd::Semi
                        : token.kind == TokenKind::Close ? StatementEnd::Parent
                                                         : StatementEnd::Eof;
        statement.terminator = std::move(token);
        return statement;
      case TokenKind::Open:
        statement.terminator = token;
        if (stop_at_open) {
          statement.end = StatementEnd::Open;
          return statement;
        }
        statement.end = StatementEnd::Block;
        if (auto error = skip_block(lexer, token); !error.empty() && statement.ok()) {
          statement.error = std::move(error);
          statement.error_at = token;
        }
        return statement;
      case TokenKind::Invalid:
        if (statement.ok()) {
          statement.error = token.text;
          statement.error_at = token;
        }
        break;
      default:
        if (statement.tokens.size() < kMaxStatementTokens) {
          statement.tokens.push_back(std::move(token));
        } else if (statement.ok()) {
          statement.error = fmt::format("statement longer than {} tokens", kMaxStatementTokens);
          statement.error_at = token;
        }
    }
    token = lexer.next();
  }
}

std::string where(const Token& token) { return fmt::format("{}:{}", token.line, token.column); }

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::End:
      return "end of file";
    case TokenKind::String: {
      constexpr size_t kShown = 40;
      std::string shown = escape_for_terminal(token.text.substr(0, kShown));
      return "\"" + shown + (token.text.size() > kShown ? "...\"" : "\"");
    }
    case TokenKind::Word: {
      constexpr size_t kShown = 40;
      std::string shown = escape_for_terminal(token.text.substr(0, kShown));
      return "'" + shown + (token.text.size() > kShown ? "...'" : "'");
    }
    default:
      return "'" + token.text + "'";
  }
}

}  // namespace bs::import
