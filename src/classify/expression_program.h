// The compiled form of a class test, shared by the parser
// (expression_parse.cpp) and the evaluator (expression_eval.cpp): a flat
// postfix program over a stack of byte strings, as Kea's token list is, but
// with every literal, option path and class name resolved at parse time so
// evaluation only reads the packet and writes into the caller's scratch.
// Internal to classify/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "classify/expression.h"

namespace bs::classify {

// Bounds applied at parse time, so evaluation depth and program size are
// known before any packet arrives.
inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr int kMaxNestingDepth = 64;
// Bounds applied while evaluating: hexstring() triples its input, and nested
// calls could grow a value without limit; past this the test is false.
inline constexpr size_t kMaxArenaBytes = size_t{256} * 1024;

enum class Op : uint8_t {
  PushConst,        // consts[a, a+b)
  PushOption,       // option path paths[a, a+b), repr in `repr`
  PushRelay4,       // sub-option path inside option 82
  PushVendor,       // option 125; enterprise `c` (0 = any); path, repr or field
  PushVendorClass,  // option 124; enterprise `c`, field, data index `d`
  PushPkt4,         // field in `repr` (Pkt4Field)
  PushPkt,          // field in `repr` (PktField)
  PushMember,       // class name consts[a, a+b); `d` != 0 negates (unknown)
  Equal,
  Not,
  JumpIfFalseKeep,  // and: false decides, keep it and jump to `a`; else pop
  JumpIfTrueKeep,   // or: true decides, keep it and jump to `a`; else pop
  JumpIfFalsePop,   // ifelse: pop the condition; jump to `a` when false
  Jump,             // to `a`
  Substring,        // start `c`, length `d` (kAllLength = 'all')
  Split,            // field `c`; string and delimiters on the stack
  Concat,
  HexString,  // separator on the stack
  Lcase,
  Ucase,
  AddrToText,
  IntToText,  // width and signedness in `repr` (IntKind)
};

enum class Repr : uint8_t { Hex, Text, Exists };
enum class VendorField : uint8_t { Exists, Enterprise, Option, Data };
enum class Pkt4Field : uint8_t {
  Mac,
  Hlen,
  Htype,
  Ciaddr,
  Giaddr,
  Yiaddr,
  Siaddr,
  Msgtype,
  Transid
};
enum class PktField : uint8_t { Iface, Src, Dst, Len };
enum class IntKind : uint8_t { Int8, Int16, Int32, Uint8, Uint16, Uint32 };

inline constexpr int32_t kAllLength = INT32_MIN;

struct Instr {
  Op op = Op::PushConst;
  uint8_t repr = 0;             // Repr, Pkt4Field, PktField or IntKind, by op
  uint8_t field = 0;            // VendorField for the vendor ops
  bool text_is_string = false;  // .text of a string-typed option: its bytes
  uint32_t a = 0;
  uint32_t b = 0;
  int64_t c = 0;
  int32_t d = 0;
};

struct Expression::Impl {
  std::string text;
  std::vector<Instr> code;
  std::string consts;          // literal bytes and class names
  std::vector<uint8_t> paths;  // option code paths
  size_t max_stack = 0;        // deepest value stack the program reaches
  bool boolean = true;         // a test (true) or a string expression
};

// Parses `text` into `out` (declared here so expression.cpp can share it).
tl::expected<void, ExprError> compile(std::string_view text, const ParseContext& context,
                                      bool want_boolean, Expression::Impl& out);

// Runs `program`; nullopt when evaluation fails (see expression.h).
std::optional<std::string_view> evaluate_program(const Expression::Impl& program,
                                                 const PacketContext& packet,
                                                 const ClassSet& classes, EvalScratch& scratch);

}  // namespace bs::classify
