// Parser for Kea's classification expressions (doc/sphinx/arm/classify.rst,
// grammar in Kea's src/lib/eval/parser.yy): a hand-written lexer and a
// recursive-descent parser that emits the flat postfix program of
// expression_program.h. Kea's grammar is small and LALR-free of surprises,
// so a parser generator would add a build step and exceptions for nothing;
// recursive descent also gives us the 0-based error positions directly.
//
// Types are checked while parsing, as Kea's grammar does: and/or/not take
// booleans, == and the functions take strings, a class test is boolean.
#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "classify/expression_program.h"
#include "wire/option_defs.h"

namespace bs::classify {
namespace {

enum class Tok : uint8_t { End, String, Hex, Int, Ip, Word, Name, Punct, Equal };

struct Token {
  Tok kind = Tok::End;
  size_t pos = 0;
  std::string_view text;  // the token as written (strings without quotes)
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_word(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }

enum class Type : uint8_t { Bool, String };

class Parser {
 public:
  Parser(std::string_view text, const ParseContext& context, Expression::Impl& out)
      : text_(text), context_(context), out_(out) {}

  tl::expected<void, ExprError> run(bool want_boolean) {
    if (text_.size() > kMaxExpressionBytes) {
      return fail(kMaxExpressionBytes, "expression longer than 4096 bytes");
    }
    if (!advance()) return tl::unexpected(error_);
    const size_t start = tok_.pos;
    auto type = parse_or();
    if (!type) return tl::unexpected(error_);
    if (tok_.kind != Tok::End) return fail(tok_.pos, "unexpected '" + std::string(tok_.text) + "'");
    const Type wanted = want_boolean ? Type::Bool : Type::String;
    if (*type != wanted) {
      return fail(start, want_boolean ? "a class test must be a boolean expression"
                                      : "expected a string expression");
    }
    out_.boolean = want_boolean;
    return {};
  }

 private:
  // ---- errors -------------------------------------------------------------
  tl::unexpected<ExprError> fail(size_t pos, std::string message) {
    if (!failed_) error_ = ExprError{pos, std::move(message)};
    failed_ = true;
    return tl::unexpected(error_);
  }
  std::nullopt_t failn(size_t pos, std::string message) {
    (void)fail(pos, std::move(message));
    return std::nullopt;
  }

  // ---- lexer --------------------------------------------------------------
  bool advance() {
    size_t i = next_;
    while (i < text_.size() && is_blank(text_[i])) ++i;
    tok_ = Token{Tok::End, i, {}};
    if (i >= text_.size()) {
      next_ = i;
      return true;
    }
    const char c = text_[i];
    if (c == '\'') return lex_string(i);
    if (c == '=' && i + 1 < text_.size() && text_[i + 1] == '=')
      return emit_token(Tok::Equal, i, 2);
    if (std::strchr("()[].,*+", c) != nullptr) return emit_token(Tok::Punct, i, 1);
    if (auto n = ip6_length(i)) return emit_token(Tok::Ip, i, n);
    if (c == '0' && i + 2 < text_.size() && (text_[i + 1] == 'x' || text_[i + 1] == 'X') &&
        is_hex(text_[i + 2])) {
      size_t j = i + 2;
      while (j < text_.size() && is_hex(text_[j])) ++j;
      return emit_token(Tok::Hex, i, j - i);
    }
    if (is_digit(c) || (c == '-' && i + 1 < text_.size() && is_digit(text_[i + 1]))) {
      return lex_number(i);
    }
    if (is_alpha(c)) return lex_word(i);
    (void)fail(i, std::string("unknown character '") + c + "'");
    return false;
  }
  bool emit_token(Tok kind, size_t pos, size_t length) {
    tok_ = Token{kind, pos, text_.substr(pos, length)};
    next_ = pos + length;
    return true;
  }
  bool lex_string(size_t i) {
    const size_t close = text_.find_first_of("'\n", i + 1);
    if (close == std::string_view::npos || text_[close] != '\'') {
      (void)fail(i, "unterminated string");
      return false;
    }
    tok_ = Token{Tok::String, i, text_.substr(i + 1, close - i - 1)};
    next_ = close + 1;
    return true;
  }
  // An IPv6 literal: hex digits then ':' (Kea's addr6 pattern).
  size_t ip6_length(size_t i) const {
    size_t j = i;
    while (j < text_.size() && is_hex(text_[j])) ++j;
    if (j >= text_.size() || text_[j] != ':') return 0;
    while (j < text_.size() && (is_hex(text_[j]) || text_[j] == ':' || text_[j] == '.')) ++j;
    return j - i;
  }
  bool lex_number(size_t i) {
    size_t j = i + 1;
    while (j < text_.size() && is_digit(text_[j])) ++j;
    // d.d.d.d is an IPv4 literal (Kea's addr4 pattern).
    size_t k = j;
    int dots = 0;
    while (dots < 3 && text_[i] != '-' && k + 1 < text_.size() && text_[k] == '.' &&
           is_digit(text_[k + 1])) {
      ++k;
      while (k < text_.size() && is_digit(text_[k])) ++k;
      ++dots;
    }
    if (dots == 3) return emit_token(Tok::Ip, i, k - i);
    return emit_token(Tok::Int, i, j - i);
  }
  // A word directly followed by ']' is an option name (Kea's OPTION_NAME
  // rule wins there); anything else must be a keyword.
  bool lex_word(size_t i) {
    size_t j = i;
    while (j < text_.size() && is_word(text_[j])) ++j;
    size_t k = j;
    while (k < text_.size() && is_blank(text_[k])) ++k;
    const bool name = k < text_.size() && text_[k] == ']';
    return emit_token(name ? Tok::Name : Tok::Word, i, j - i);
  }

  bool is(std::string_view word) const {
    return (tok_.kind == Tok::Word || tok_.kind == Tok::Punct) && tok_.text == word;
  }
  bool expect(std::string_view what) {
    if (!is(what)) {
      const std::string got =
          tok_.kind == Tok::End ? "end of expression" : "'" + std::string(tok_.text) + "'";
      (void)fail(tok_.pos, "expected '" + std::string(what) + "', got " + got);
      return false;
    }
    return advance();
  }

  // ---- emission -----------------------------------------------------------
  void emit(Instr instr, int stack_effect) {
    out_.code.push_back(instr);
    depth_ += stack_effect;
    if (depth_ > 0 && static_cast<size_t>(depth_) > out_.max_stack) out_.max_stack = depth_;
  }
  void push_const(std::string_view bytes) {
    Instr in{.op = Op::PushConst};
    in.a = static_cast<uint32_t>(out_.consts.size());
    in.b = static_cast<uint32_t>(bytes.size());
    out_.consts.append(bytes);
    emit(in, 1);
  }
  void patch_to_here(size_t at) { out_.code[at].a = static_cast<uint32_t>(out_.code.size()); }

  // ---- grammar ------------------------------------------------------------
  struct Depth {
    explicit Depth(int& d) : d_(d) { ++d_; }
    ~Depth() { --d_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;
    int& d_;
  };

  std::optional<Type> parse_or() { return parse_binary("or", Op::JumpIfTrueKeep); }
  std::optional<Type> parse_and() { return parse_binary("and", Op::JumpIfFalseKeep); }

  // `left OP right`, short-circuited: the left value decides or is dropped.
  std::optional<Type> parse_binary(std::string_view word, Op jump) {
    const size_t start = tok_.pos;
    auto left = word == "or" ? parse_and() : parse_not();
    if (!left) return std::nullopt;
    while (is(word)) {
      if (*left != Type::Bool)
        return failn(start, "'" + std::string(word) + "' needs a boolean on its left");
      const size_t at = out_.code.size();
      emit(Instr{.op = jump}, -1);
      if (!advance()) return std::nullopt;
      const size_t right_pos = tok_.pos;
      auto right = word == "or" ? parse_and() : parse_not();
      if (!right) return std::nullopt;
      if (*right != Type::Bool)
        return failn(right_pos, "'" + std::string(word) + "' needs a boolean on its right");
      patch_to_here(at);
    }
    return left;
  }

  std::optional<Type> parse_not() {
    if (!is("not")) return parse_compare();
    Depth depth(nesting_);
    if (nesting_ > kMaxNestingDepth)
      return failn(tok_.pos, "expression nested deeper than 64 levels");
    if (!advance()) return std::nullopt;
    const size_t pos = tok_.pos;
    auto operand = parse_not();
    if (!operand) return std::nullopt;
    if (*operand != Type::Bool) return failn(pos, "'not' needs a boolean");
    emit(Instr{.op = Op::Not}, 0);
    return Type::Bool;
  }

  std::optional<Type> parse_compare() {
    const size_t start = tok_.pos;
    auto left = parse_sum();
    if (!left || tok_.kind != Tok::Equal) return left;
    if (*left != Type::String) return failn(start, "'==' compares strings, not booleans");
    if (!advance()) return std::nullopt;
    const size_t pos = tok_.pos;
    auto right = parse_sum();
    if (!right) return std::nullopt;
    if (*right != Type::String) return failn(pos, "'==' compares strings, not booleans");
    emit(Instr{.op = Op::Equal}, -1);
    return Type::Bool;
  }

  // `a + b`: Kea's infix concat, left-associative, binding tighter than ==.
  std::optional<Type> parse_sum() {
    const size_t start = tok_.pos;
    auto left = parse_atom();
    while (left && is("+")) {
      if (*left != Type::String) return failn(start, "'+' concatenates strings, not booleans");
      if (!advance()) return std::nullopt;
      const size_t pos = tok_.pos;
      auto right = parse_atom();
      if (!right) return std::nullopt;
      if (*right != Type::String) return failn(pos, "'+' concatenates strings, not booleans");
      emit(Instr{.op = Op::Concat}, -1);
    }
    return left;
  }

  std::optional<Type> parse_atom() {
    Depth depth(nesting_);
    if (nesting_ > kMaxNestingDepth)
      return failn(tok_.pos, "expression nested deeper than 64 levels");
    const Token t = tok_;
    switch (t.kind) {
      case Tok::End:
        return failn(t.pos, "unexpected end of expression");
      case Tok::String:
        push_const(t.text);
        break;
      case Tok::Hex:
        push_const(hex_literal(t.text));
        break;
      case Tok::Int: {
        auto v = integer(t, 0, UINT32_MAX);
        if (!v) return std::nullopt;
        const uint32_t u = static_cast<uint32_t>(*v);
        const char be[4] = {char(u >> 24), char(u >> 16), char(u >> 8), char(u)};
        push_const(std::string_view(be, 4));
        break;
      }
      case Tok::Ip: {
        auto bytes = ip_literal(t);
        if (!bytes) return std::nullopt;
        push_const(*bytes);
        break;
      }
      case Tok::Equal:
        return failn(t.pos, "unexpected '=='");
      case Tok::Name:
        return failn(t.pos, "unexpected option name '" + std::string(t.text) + "'");
      case Tok::Punct:
        if (t.text != "(") return failn(t.pos, "unexpected '" + std::string(t.text) + "'");
        return parse_parens();
      case Tok::Word:
        return parse_word();
    }
    if (!advance()) return std::nullopt;
    return Type::String;
  }

  std::optional<Type> parse_parens() {
    if (!advance()) return std::nullopt;
    auto inner = parse_or();
    if (!inner || !expect(")")) return std::nullopt;
    return inner;
  }

  std::optional<Type> parse_word();
  std::optional<Type> parse_function(std::string_view name, size_t pos);
  std::optional<Type> parse_option_chain(Op op, size_t pos, bool allow_name);
  std::optional<Type> parse_vendor(bool vendor_class, size_t pos);
  std::optional<Type> parse_pkt(bool pkt4, size_t pos);
  std::optional<Type> parse_member(size_t pos);
  std::optional<Type> finish_repr(Instr in, size_t pos);
  bool arg(Type want, std::string_view function);
  std::optional<int64_t> int_arg(int64_t min, int64_t max);

  std::optional<int64_t> integer(const Token& t, int64_t min, int64_t max) {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc{} || end != t.text.data() + t.text.size() || v < min || v > max) {
      return failn(t.pos, "integer " + std::string(t.text) + " out of range " +
                              std::to_string(min) + ".." + std::to_string(max));
    }
    return v;
  }

  // Kea drops the 0x and pads an odd number of digits with a leading 0.
  static std::string hex_literal(std::string_view text) {
    std::string digits(text.substr(2));
    if (digits.size() % 2 != 0) digits.insert(0, "0");
    std::string bytes;
    auto nibble = [](char c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; i < digits.size(); i += 2) {
      bytes.push_back(static_cast<char>(nibble(digits[i]) << 4 | nibble(digits[i + 1])));
    }
    return bytes;
  }

  std::optional<std::string> ip_literal(const Token& t) {
    const std::string text(t.text);
    unsigned char buf[16];
    if (inet_pton(AF_INET, text.c_str(), buf) == 1)
      return std::string(reinterpret_cast<char*>(buf), 4);
    if (inet_pton(AF_INET6, text.c_str(), buf) == 1)
      return std::string(reinterpret_cast<char*>(buf), 16);
    return failn(t.pos, "'" + text + "' is not an IP address");
  }

  std::string_view text_;
  const ParseContext& context_;
  Expression::Impl& out_;
  Token tok_;
  size_t next_ = 0;
  int depth_ = 0;    // value stack depth of the code emitted so far
  int nesting_ = 0;  // recursion depth, bounded by kMaxNestingDepth
  bool failed_ = false;
  ExprError error_;
};

// ---- keywords ---------------------------------------------------------------
// Everything that starts with a word: option/relay4/vendor accessors, packet
// fields, member(), known/unknown and the functions.

std::optional<Type> Parser::parse_word() {
  const Token t = tok_;
  const std::string_view w = t.text;
  if (!advance()) return std::nullopt;
  if (w == "option") return parse_option_chain(Op::PushOption, t.pos, true);
  if (w == "relay4") return parse_option_chain(Op::PushRelay4, t.pos, false);
  if (w == "vendor") return parse_vendor(false, t.pos);
  if (w == "vendor-class") return parse_vendor(true, t.pos);
  if (w == "pkt4") return parse_pkt(true, t.pos);
  if (w == "pkt") return parse_pkt(false, t.pos);
  if (w == "member") return parse_member(t.pos);
  if (w == "known" || w == "unknown") {
    // Kea's documentation: shorthands for member('KNOWN') and not member('KNOWN').
    Instr in{.op = Op::PushMember, .d = w == "unknown" ? 1 : 0};
    in.a = static_cast<uint32_t>(out_.consts.size());
    in.b = static_cast<uint32_t>(kKnown.size());
    out_.consts.append(kKnown);
    emit(in, 1);
    return Type::Bool;
  }
  if (w == "pkt6" || w == "relay6") {
    return failn(t.pos, "'" + std::string(w) + "' is DHCPv6 only");
  }
  return parse_function(w, t.pos);
}

// option[CODE|NAME](.option[CODE])*.(hex|text|exists); relay4[CODE]... is
// the same path rooted inside option 82.
std::optional<Type> Parser::parse_option_chain(Op op, size_t pos, bool allow_name) {
  Instr in{.op = op};
  in.a = static_cast<uint32_t>(out_.paths.size());
  bool first = true;
  for (;;) {
    if (!expect("[")) return std::nullopt;
    const Token code_tok = tok_;
    uint8_t code = 0;
    if (code_tok.kind == Tok::Int) {
      auto v = integer(code_tok, 0, 255);
      if (!v) return std::nullopt;
      code = static_cast<uint8_t>(*v);
    } else if (code_tok.kind == Tok::Name && allow_name && first) {
      std::optional<uint8_t> found;
      if (context_.option_code) found = context_.option_code(code_tok.text);
      if (!found) {
        if (const auto* def = wire::find_option_def(code_tok.text)) found = def->code;
      }
      if (!found)
        return failn(code_tok.pos, "unknown option name '" + std::string(code_tok.text) + "'");
      code = *found;
    } else {
      return failn(code_tok.pos, "expected an option code");
    }
    out_.paths.push_back(code);
    if (!advance() || !expect("]") || !expect(".")) return std::nullopt;
    first = false;
    if (is("option")) {
      if (!advance()) return std::nullopt;
      continue;
    }
    break;
  }
  in.b = static_cast<uint32_t>(out_.paths.size() - in.a);
  if (op == Op::PushOption && in.b == 1) {
    const uint8_t code = out_.paths[in.a];
    const auto* def = wire::find_option_def(code);
    in.text_is_string = context_.option_is_string
                            ? context_.option_is_string(code)
                            : def != nullptr && def->type == wire::OptionType::String;
  }
  return finish_repr(in, pos);
}

// The ".hex" / ".text" / ".exists" at the end of an option path.
std::optional<Type> Parser::finish_repr(Instr in, size_t pos) {
  const Token t = tok_;
  if (is("hex")) {
    in.repr = static_cast<uint8_t>(Repr::Hex);
  } else if (is("text")) {
    in.repr = static_cast<uint8_t>(Repr::Text);
  } else if (is("exists")) {
    in.repr = static_cast<uint8_t>(Repr::Exists);
  } else {
    return failn(t.pos, "expected 'hex', 'text', 'exists' or 'option' after the option at " +
                            std::to_string(pos));
  }
  if (!advance()) return std::nullopt;
  emit(in, 1);
  return in.repr == static_cast<uint8_t>(Repr::Exists) ? Type::Bool : Type::String;
}

// vendor.enterprise, vendor[ID].exists, vendor[ID].enterprise,
// vendor[ID].option[CODE]....(hex|text|exists); vendor-class.enterprise,
// vendor-class[ID].exists, .enterprise, .data, .data[INDEX]. ID is a number
// or '*' (any; Kea also treats 0 as any).
std::optional<Type> Parser::parse_vendor(bool vendor_class, size_t pos) {
  Instr in{.op = vendor_class ? Op::PushVendorClass : Op::PushVendor};
  if (is(".")) {
    if (!advance() || !expect("enterprise")) return std::nullopt;
    in.field = static_cast<uint8_t>(VendorField::Enterprise);
    emit(in, 1);
    return Type::String;
  }
  if (!expect("[")) return std::nullopt;
  if (is("*")) {
    in.c = 0;
  } else if (tok_.kind == Tok::Int) {
    auto v = integer(tok_, 0, UINT32_MAX);
    if (!v) return std::nullopt;
    in.c = *v;
  } else {
    return failn(tok_.pos, "expected an enterprise number or '*'");
  }
  if (!advance() || !expect("]") || !expect(".")) return std::nullopt;
  const Token t = tok_;
  if (is("exists") || is("enterprise")) {
    in.field = static_cast<uint8_t>(is("exists") ? VendorField::Exists : VendorField::Enterprise);
    if (!advance()) return std::nullopt;
    emit(in, 1);
    return in.field == static_cast<uint8_t>(VendorField::Exists) ? Type::Bool : Type::String;
  }
  if (vendor_class && is("data")) {
    in.field = static_cast<uint8_t>(VendorField::Data);
    if (!advance()) return std::nullopt;
    if (is("[")) {
      if (!advance()) return std::nullopt;
      if (tok_.kind != Tok::Int) return failn(tok_.pos, "expected a data index");
      auto v = integer(tok_, 0, 255);
      if (!v || !advance() || !expect("]")) return std::nullopt;
      in.d = static_cast<int32_t>(*v);
    }
    emit(in, 1);
    return Type::String;
  }
  if (!vendor_class && is("option")) {
    if (!advance()) return std::nullopt;
    // Reuse the option path parser, then turn the result into a vendor op.
    const size_t at = out_.code.size();
    auto type = parse_option_chain(Op::PushOption, pos, false);
    if (!type) return std::nullopt;
    Instr& emitted = out_.code[at];
    emitted.op = Op::PushVendor;
    emitted.field = static_cast<uint8_t>(VendorField::Option);
    emitted.text_is_string = false;
    emitted.c = in.c;
    return type;
  }
  return failn(t.pos, vendor_class ? "expected 'exists', 'enterprise' or 'data'"
                                   : "expected 'exists', 'enterprise' or 'option'");
}

std::optional<Type> Parser::parse_pkt(bool pkt4, size_t pos) {
  if (!expect(".")) return std::nullopt;
  static constexpr std::pair<std::string_view, Pkt4Field> kPkt4[] = {
      {"mac", Pkt4Field::Mac},         {"hlen", Pkt4Field::Hlen},
      {"htype", Pkt4Field::Htype},     {"ciaddr", Pkt4Field::Ciaddr},
      {"giaddr", Pkt4Field::Giaddr},   {"yiaddr", Pkt4Field::Yiaddr},
      {"siaddr", Pkt4Field::Siaddr},   {"msgtype", Pkt4Field::Msgtype},
      {"transid", Pkt4Field::Transid},
  };
  static constexpr std::pair<std::string_view, PktField> kPkt[] = {{"iface", PktField::Iface},
                                                                   {"src", PktField::Src},
                                                                   {"dst", PktField::Dst},
                                                                   {"len", PktField::Len}};
  Instr in{.op = pkt4 ? Op::PushPkt4 : Op::PushPkt};
  bool found = false;
  if (tok_.kind == Tok::Word) {
    if (pkt4) {
      for (const auto& [name, field] : kPkt4) {
        if (tok_.text == name) in.repr = static_cast<uint8_t>(field), found = true;
      }
    } else {
      for (const auto& [name, field] : kPkt) {
        if (tok_.text == name) in.repr = static_cast<uint8_t>(field), found = true;
      }
    }
  }
  if (!found) {
    return failn(tok_.pos, pkt4 ? "expected a pkt4 field (mac, hlen, htype, ciaddr, giaddr, "
                                  "yiaddr, siaddr, msgtype, transid)"
                                : "expected a pkt field (iface, src, dst, len)");
  }
  (void)pos;
  if (!advance()) return std::nullopt;
  emit(in, 1);
  return Type::String;
}

// member('X'): X must be a built-in class or one defined before, as Kea
// requires, so a typo is caught at load time rather than never matching.
std::optional<Type> Parser::parse_member(size_t /*pos*/) {
  if (!expect("(")) return std::nullopt;
  const Token name = tok_;
  if (name.kind != Tok::String) return failn(name.pos, "member() takes a class name in quotes");
  if (context_.class_known && !context_.class_known(name.text)) {
    return failn(name.pos, "not defined client class '" + std::string(name.text) + "'");
  }
  if (!advance() || !expect(")")) return std::nullopt;
  Instr in{.op = Op::PushMember};
  in.a = static_cast<uint32_t>(out_.consts.size());
  in.b = static_cast<uint32_t>(name.text.size());
  out_.consts.append(name.text);
  emit(in, 1);
  return Type::Bool;
}

// One argument of a function, type-checked.
bool Parser::arg(Type want, std::string_view function) {
  const size_t pos = tok_.pos;
  auto type = parse_or();
  if (!type) return false;
  if (*type != want) {
    (void)fail(pos, std::string(function) + (want == Type::Bool ? "() needs a boolean here"
                                                                : "() needs a string here"));
    return false;
  }
  return true;
}

std::optional<int64_t> Parser::int_arg(int64_t min, int64_t max) {
  if (tok_.kind != Tok::Int) return failn(tok_.pos, "expected an integer");
  auto v = integer(tok_, min, max);
  if (!v || !advance()) return std::nullopt;
  return v;
}

std::optional<Type> Parser::parse_function(std::string_view name, size_t pos) {
  static constexpr std::pair<std::string_view, Op> kUnary[] = {
      {"lcase", Op::Lcase}, {"ucase", Op::Ucase}, {"addrtotext", Op::AddrToText}};
  static constexpr std::pair<std::string_view, IntKind> kInts[] = {
      {"int8totext", IntKind::Int8},     {"int16totext", IntKind::Int16},
      {"int32totext", IntKind::Int32},   {"uint8totext", IntKind::Uint8},
      {"uint16totext", IntKind::Uint16}, {"uint32totext", IntKind::Uint32}};
  for (const auto& [fname, op] : kUnary) {
    if (name != fname) continue;
    if (!expect("(") || !arg(Type::String, name) || !expect(")")) return std::nullopt;
    emit(Instr{.op = op}, 0);
    return Type::String;
  }
  for (const auto& [fname, kind] : kInts) {
    if (name != fname) continue;
    if (!expect("(") || !arg(Type::String, name) || !expect(")")) return std::nullopt;
    emit(Instr{.op = Op::IntToText, .repr = static_cast<uint8_t>(kind)}, 0);
    return Type::String;
  }
  if (name == "substring") {
    if (!expect("(") || !arg(Type::String, name) || !expect(",")) return std::nullopt;
    auto start = int_arg(INT32_MIN, INT32_MAX);
    if (!start || !expect(",")) return std::nullopt;
    Instr in{.op = Op::Substring, .c = *start};
    if (is("all")) {
      in.d = kAllLength;
      if (!advance()) return std::nullopt;
    } else {
      auto length = int_arg(INT32_MIN + 1, INT32_MAX);
      if (!length) return std::nullopt;
      in.d = static_cast<int32_t>(*length);
    }
    if (!expect(")")) return std::nullopt;
    emit(in, 0);
    return Type::String;
  }
  if (name == "split") {
    if (!expect("(") || !arg(Type::String, name) || !expect(",") || !arg(Type::String, name) ||
        !expect(",")) {
      return std::nullopt;
    }
    auto field = int_arg(INT32_MIN, INT32_MAX);
    if (!field || !expect(")")) return std::nullopt;
    emit(Instr{.op = Op::Split, .c = *field}, -1);
    return Type::String;
  }
  if (name == "concat" || name == "hexstring") {
    if (!expect("(") || !arg(Type::String, name) || !expect(",") || !arg(Type::String, name) ||
        !expect(")")) {
      return std::nullopt;
    }
    emit(Instr{.op = name == "concat" ? Op::Concat : Op::HexString}, -1);
    return Type::String;
  }
  if (name == "ifelse") {
    // cond; JumpIfFalsePop ELSE; then; Jump END; ELSE: else; END:
    if (!expect("(") || !arg(Type::Bool, name) || !expect(",")) return std::nullopt;
    const size_t to_else = out_.code.size();
    emit(Instr{.op = Op::JumpIfFalsePop}, -1);
    if (!arg(Type::String, name) || !expect(",")) return std::nullopt;
    const size_t to_end = out_.code.size();
    emit(Instr{.op = Op::Jump}, -1);
    patch_to_here(to_else);
    if (!arg(Type::String, name) || !expect(")")) return std::nullopt;
    patch_to_here(to_end);
    return Type::String;
  }
  return failn(pos, "unknown keyword '" + std::string(name) + "'");
}

}  // namespace

tl::expected<void, ExprError> compile(std::string_view text, const ParseContext& context,
                                      bool want_boolean, Expression::Impl& out) {
  out.text = std::string(text);
  Parser parser(text, context, out);
  return parser.run(want_boolean);
}

}  // namespace bs::classify
