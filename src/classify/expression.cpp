// The public face of the expression engine (expression.h): Expression's
// value semantics and the two parse entry points. The parser lives in
// expression_parse.cpp, the evaluator in expression_eval.cpp.
#include "classify/expression.h"

#include "classify/expression_program.h"

namespace bs::classify {

Expression::Expression() = default;
Expression::~Expression() = default;
// The compiled program is immutable, so copies share it.
Expression::Expression(const Expression&) = default;
Expression& Expression::operator=(const Expression&) = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

bool Expression::matches(const PacketContext& packet, const ClassSet& classes,
                         EvalScratch& scratch) const {
  if (!impl_ || !impl_->boolean) return false;
  auto value = evaluate_program(*impl_, packet, classes, scratch);
  return value && *value == "true";
}

std::optional<std::string_view> Expression::evaluate_string(const PacketContext& packet,
                                                            const ClassSet& classes,
                                                            EvalScratch& scratch) const {
  if (!impl_) return std::nullopt;
  return evaluate_program(*impl_, packet, classes, scratch);
}

const std::string& Expression::text() const {
  static const std::string kEmpty;
  return impl_ ? impl_->text : kEmpty;
}

tl::expected<Expression, ExprError> parse_expression(std::string_view text,
                                                     const ParseContext& context) {
  Expression expression;
  auto impl = std::make_shared<Expression::Impl>();
  if (auto ok = compile(text, context, true, *impl); !ok) return tl::unexpected(ok.error());
  expression.impl_ = std::move(impl);
  return expression;
}

tl::expected<Expression, ExprError> parse_string_expression(std::string_view text,
                                                            const ParseContext& context) {
  Expression expression;
  auto impl = std::make_shared<Expression::Impl>();
  if (auto ok = compile(text, context, false, *impl); !ok) return tl::unexpected(ok.error());
  expression.impl_ = std::move(impl);
  return expression;
}

}  // namespace bs::classify
