// Kea's client classification expression language (the "test" of a client
// class): parsed once when the configuration loads, evaluated for every
// query. Pure: no I/O, no clock, no exceptions, and evaluation allocates
// nothing per packet (values live in a caller-owned EvalScratch).
//
// This header is the seam between the expression engine (classify/) and its
// users (the config loader, which parses tests, and the server, which
// evaluates them). Its implementation lives in classify/expression*.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "classify/class_set.h"
#include "common/types.h"
#include "wire/packet.h"

namespace bs::classify {

// What an expression may look at: the decoded query and where it came from
// (Kea's pkt.iface, pkt.src, pkt.dst, pkt.len).
struct PacketContext {
  const wire::Packet& packet;
  std::string_view iface;  // name of the interface the query arrived on
  Ip4 source;              // IP source of the datagram
  Ip4 destination;         // IP destination (broadcast or the server's unicast)
  uint32_t length = 0;     // UDP payload length in bytes
};

// A parse error: `position` is the 0-based byte offset in the expression
// text where the problem was found; the config loader turns it into
// "FILE:LINE: client-classes[N].test: MESSAGE at column P".
struct ExprError {
  size_t position = 0;
  std::string message;
};

// What the parser needs to know about the configuration around it.
struct ParseContext {
  // Option names (option[routers]) to codes: the standard table plus the
  // config's option-def entries. Unset: only the standard table is used.
  std::function<std::optional<uint8_t>(std::string_view name)> option_code;
  // member('X'): true when X is a class the expression may refer to (a
  // built-in class, or one defined earlier in the file, as Kea requires).
  std::function<bool(std::string_view name)> class_known;
  // option[N].text gives the option's bytes when N is string-typed (Kea's
  // OptionString), else Kea's debug text of it. When set, this alone says
  // which codes are string-typed (the standard table plus option-defs);
  // unset, the standard table decides.
  std::function<bool(uint8_t code)> option_is_string;
};

// Values produced while evaluating, reused across packets so evaluation
// does not allocate once it has warmed up. One per thread.
class EvalScratch {
 public:
  EvalScratch();
  ~EvalScratch();
  EvalScratch(EvalScratch&&) noexcept;
  EvalScratch& operator=(EvalScratch&&) noexcept;
  EvalScratch(const EvalScratch&) = delete;
  EvalScratch& operator=(const EvalScratch&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// A parsed, immutable expression. Copyable (configs are copied on reload).
class Expression {
 public:
  Expression();
  ~Expression();
  Expression(const Expression&);
  Expression& operator=(const Expression&);
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  // Evaluates a class test: true when the query belongs to the class.
  // `classes` are the classes assigned so far (member(), known, unknown).
  // An expression whose value is a string is true only for "true" (Kea's
  // rule for tests). Malformed packet contents make a sub-expression empty,
  // never an error.
  bool matches(const PacketContext& packet, const ClassSet& classes, EvalScratch& scratch) const;

  // Evaluates an expression parsed by parse_string_expression (Kea's string
  // expressions, e.g. flex-id or template classes). The view points into
  // `scratch` or the packet and is valid until the next evaluation.
  // nullopt when evaluation fails the way Kea throws (addrtotext of 3
  // bytes, a value past the scratch bound); for a class test it is "true"
  // or "false".
  std::optional<std::string_view> evaluate_string(const PacketContext& packet,
                                                  const ClassSet& classes,
                                                  EvalScratch& scratch) const;

  // The text it was parsed from, for messages and config-get.
  const std::string& text() const;

  struct Impl;

 private:
  friend tl::expected<Expression, ExprError> parse_expression(std::string_view,
                                                              const ParseContext&);
  friend tl::expected<Expression, ExprError> parse_string_expression(std::string_view,
                                                                     const ParseContext&);
  std::shared_ptr<const Impl> impl_;
};

// Parses Kea's syntax (doc/sphinx/arm/classify.rst): a boolean expression.
// Refused (with the position): text longer than 4 KiB, nesting deeper than
// 64 levels, unknown words or option names, member() of a class that
// ParseContext::class_known does not know, arguments of the wrong type.
tl::expected<Expression, ExprError> parse_expression(std::string_view text,
                                                     const ParseContext& context);
// The same language, but the expression must be a string (Kea's
// TOPLEVEL_STRING), for evaluate_string.
tl::expected<Expression, ExprError> parse_string_expression(std::string_view text,
                                                            const ParseContext& context);

}  // namespace bs::classify
