// The tokenizer shared by the dhcpd.leases parser and the dhcpd.conf
// translator. ISC dhcpd's files are a sequence of words, quoted strings and
// the punctuation ; { } = , with # comments. The input is untrusted (a lease
// file may have been written by anyone who could reach it, and
// CVE-2021-25217 was an overflow in dhcpd's own reader), so every token is
// bounded and a malformed one comes back as an Invalid token carrying the
// reason, never as an exception; the lexer always makes progress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bs::import {

// Longest word or decoded string accepted; anything longer is Invalid.
inline constexpr size_t kMaxTokenBytes = size_t{64} * 1024;

enum class TokenKind : uint8_t {
  Word,     // a run of characters that are not space, punctuation, quote or #
  String,   // a quoted string; text holds the bytes after escapes are decoded
  Semi,     // ;
  Open,     // {
  Close,    // }
  Equals,   // =
  Comma,    // ,
  Invalid,  // a malformed token; text says why
  End,      // end of input
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  uint32_t line = 1;    // 1-based, where the token begins
  uint32_t column = 1;  // 1-based byte column
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  Token next();

 private:
  void skip_space_and_comments();
  Token read_word(Token token);
  Token read_string(Token token);
  // Decodes one escape; pos_ is just past the backslash. False when invalid.
  bool read_escape(std::string& out, std::string& error);
  char advance();

  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
};

// Blocks nested deeper than this are an error (the block is still skipped).
inline constexpr int kMaxBlockDepth = 32;
// Tokens kept of one statement; the rest are read and dropped.
inline constexpr size_t kMaxStatementTokens = 256;

// How a statement ended.
enum class StatementEnd : uint8_t {
  Semi,    // at its ';'
  Block,   // with a { ... } block, which was skipped
  Open,    // at a '{' left unread (read_statement with stop_at_open)
  Parent,  // at a '}' that closes the enclosing block (consumed)
  Eof,     // at the end of the input
};

struct Statement {
  std::vector<Token> tokens;  // without the terminator
  StatementEnd end = StatementEnd::Eof;
  Token terminator;   // the ; { } or end token that ended it
  std::string error;  // the first Invalid token's reason, a too-deep block, ...
  Token error_at;     // where that error is
  bool ok() const { return error.empty(); }
};

// The statement that begins with `first`: its tokens up to a ';', a
// '{ ... }' block (skipped, or left for the caller with stop_at_open), a
// '}' of the enclosing block, or the end of the input.
Statement read_statement(Lexer& lexer, Token first, bool stop_at_open);
// Skips to the '}' matching an '{' already read. Returns an error message
// (empty if none): the end of input came first, or the nesting was too deep.
std::string skip_block(Lexer& lexer, const Token& open);

// "LINE:COLUMN" of a token, for messages.
std::string where(const Token& token);
// How a token is shown in a message: its text, cut and escaped, or a name
// for punctuation and the end of input.
std::string describe(const Token& token);

}  // namespace bs::import
