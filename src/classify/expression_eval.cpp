// Evaluator for compiled class tests (expression_program.h), with Kea's
// semantics (src/lib/eval/token.cc) for every token. Values are byte strings
// held as views: into the program's literals, into the decoded packet (an
// option's bytes are never copied), or into the scratch arena for values
// that are computed (concat, hexstring, integers). The arena and the value
// stack are reused across packets, so a warmed-up evaluation allocates
// nothing. Malformed packet contents (a truncated sub-option, a short
// option 124/125) read as "absent"; Kea's evaluation errors (addrtotext of a
// 3-byte value) make the test false, as Kea skips a class whose test throws.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <span>

#include "classify/expression_program.h"
#include "common/assert.h"

namespace bs::classify {

namespace {

constexpr uint8_t kVivco = 124;  // V-I vendor class, RFC 3925
constexpr uint8_t kVivso = 125;  // V-I vendor-specific information, RFC 3925
constexpr std::string_view kTrue = "true";
constexpr std::string_view kFalse = "false";

using View = std::span<const uint8_t>;

View view_of(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

uint32_t read_be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// The first sub-option `code` inside `data`, read as code/length/value
// triples (Kea's sub-option spaces have no PAD or END). A sub-option that
// runs past the end stops the walk: the rest is unreadable.
std::optional<View> find_sub_option(View data, uint8_t code) {
  size_t i = 0;
  while (i + 2 <= data.size()) {
    const uint8_t c = data[i];
    const size_t length = data[i + 1];
    if (i + 2 + length > data.size()) return std::nullopt;
    if (c == code) return data.subspan(i + 2, length);
    i += 2 + length;
  }
  return std::nullopt;
}

std::optional<View> walk(std::optional<View> root, std::span<const uint8_t> path) {
  for (uint8_t code : path) {
    if (!root) return std::nullopt;
    root = find_sub_option(*root, code);
  }
  return root;
}

}  // namespace

struct Value {
  const uint8_t* ptr = nullptr;  // outside the arena, or nullptr
  uint32_t offset = 0;           // into the arena when ptr is nullptr
  uint32_t length = 0;
};

struct EvalScratch::Impl {
  std::vector<Value> stack;
  std::vector<uint8_t> arena;  // size() is the capacity reached so far
  size_t used = 0;
};

namespace {

class Evaluator {
 public:
  Evaluator(const Expression::Impl& program, const PacketContext& packet, const ClassSet& classes,
            EvalScratch::Impl& scratch)
      : p_(program), pkt_(packet), classes_(classes), s_(scratch) {
    s_.stack.clear();
    s_.stack.reserve(p_.max_stack + 1);
    s_.used = 0;
  }

  // The final value, or nullopt when evaluation failed.
  std::optional<View> run() {
    size_t pc = 0;
    while (ok_ && pc < p_.code.size()) {
      const Instr& in = p_.code[pc++];
      if (auto jump = step(in)) pc = *jump;
    }
    if (!ok_ || s_.stack.size() != 1) return std::nullopt;
    return bytes(s_.stack.back());
  }

 private:
  View bytes(const Value& v) const {
    if (v.ptr != nullptr) return {v.ptr, v.length};
    return {s_.arena.data() + v.offset, v.length};
  }
  void push(View v) {
    s_.stack.push_back(
        Value{v.empty() ? view_of(kFalse).data() : v.data(), 0, static_cast<uint32_t>(v.size())});
  }
  void push_bool(bool b) { push(view_of(b ? kTrue : kFalse)); }
  Value pop() {
    BS_ASSERT(!s_.stack.empty());
    Value v = s_.stack.back();
    s_.stack.pop_back();
    return v;
  }
  bool is_true(const Value& v) const {
    const View b = bytes(v);
    return b.size() == kTrue.size() && std::memcmp(b.data(), kTrue.data(), b.size()) == 0;
  }
  // Room for `n` bytes in the arena; the caller writes them at the returned
  // offset. May move the arena, so views into it are taken afterwards.
  std::optional<size_t> reserve(size_t n) {
    if (s_.used + n > kMaxArenaBytes) {
      ok_ = false;
      return std::nullopt;
    }
    if (s_.used + n > s_.arena.size()) {
      s_.arena.resize(std::max({s_.used + n, s_.arena.size() * 2, size_t{256}}));
    }
    const size_t at = s_.used;
    s_.used += n;
    return at;
  }
  uint8_t* at(size_t offset) { return s_.arena.data() + offset; }
  void push_arena(size_t offset, size_t n) {
    s_.stack.push_back(Value{nullptr, static_cast<uint32_t>(offset), static_cast<uint32_t>(n)});
  }
  void push_be32(uint32_t v) {
    auto off = reserve(4);
    if (!off) return;
    const uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    std::memcpy(at(*off), b, 4);
    push_arena(*off, 4);
  }
  void push_text(std::string_view text) {
    auto off = reserve(text.size());
    if (!off) return;
    std::memcpy(at(*off), text.data(), text.size());
    push_arena(*off, text.size());
  }
  // A sub-range of a value, without copying.
  void push_slice(const Value& v, size_t start, size_t length) {
    Value out = v;
    if (out.ptr != nullptr) {
      out.ptr += start;
    } else {
      out.offset += static_cast<uint32_t>(start);
    }
    out.length = static_cast<uint32_t>(length);
    s_.stack.push_back(out);
  }

  std::optional<View> option(uint8_t code) const {
    const wire::Option* o = pkt_.packet.find(code);
    if (o == nullptr) return std::nullopt;
    return View(o->data.data(), o->data.size());
  }
  std::span<const uint8_t> path(const Instr& in) const { return {p_.paths.data() + in.a, in.b}; }

  std::optional<size_t> step(const Instr& in);
  void push_option(const Instr& in, std::optional<View> found);
  void push_generic_text(uint8_t code, View data);
  void vendor(const Instr& in);
  void vendor_class(const Instr& in);
  void pkt4_field(Pkt4Field field);
  void pkt_field(PktField field);
  void substring(const Instr& in);
  void split(const Instr& in);
  void concat();
  void hexstring();
  void change_case(bool upper);
  void addr_to_text();
  void int_to_text(IntKind kind);

  const Expression::Impl& p_;
  const PacketContext& pkt_;
  const ClassSet& classes_;
  EvalScratch::Impl& s_;
  bool ok_ = true;
};

std::optional<size_t> Evaluator::step(const Instr& in) {
  switch (in.op) {
    case Op::PushConst:
      push(view_of(std::string_view(p_.consts).substr(in.a, in.b)));
      break;
    case Op::PushOption: {
      const auto codes = path(in);
      push_option(in, walk(option(codes[0]), codes.subspan(1)));
      break;
    }
    case Op::PushRelay4:
      push_option(in, walk(option(wire::opt::kRelayAgentInfo), path(in)));
      break;
    case Op::PushVendor:
      vendor(in);
      break;
    case Op::PushVendorClass:
      vendor_class(in);
      break;
    case Op::PushPkt4:
      pkt4_field(static_cast<Pkt4Field>(in.repr));
      break;
    case Op::PushPkt:
      pkt_field(static_cast<PktField>(in.repr));
      break;
    case Op::PushMember: {
      const bool member = classes_.contains(std::string_view(p_.consts).substr(in.a, in.b));
      push_bool(member != (in.d != 0));
      break;
    }
    case Op::Equal: {
      const Value b = pop();
      const Value a = pop();
      const View x = bytes(a);
      const View y = bytes(b);
      push_bool(x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin()));
      break;
    }
    case Op::Not:
      push_bool(!is_true(pop()));
      break;
    case Op::JumpIfFalseKeep:
      if (!is_true(s_.stack.back())) return in.a;
      pop();
      break;
    case Op::JumpIfTrueKeep:
      if (is_true(s_.stack.back())) return in.a;
      pop();
      break;
    case Op::JumpIfFalsePop:
      if (!is_true(pop())) return in.a;
      break;
    case Op::Jump:
      return in.a;
    case Op::Substring:
      substring(in);
      break;
    case Op::Split:
      split(in);
      break;
    case Op::Concat:
      concat();
      break;
    case Op::HexString:
      hexstring();
      break;
    case Op::Lcase:
      change_case(false);
      break;
    case Op::Ucase:
      change_case(true);
      break;
    case Op::AddrToText:
      addr_to_text();
      break;
    case Op::IntToText:
      int_to_text(static_cast<IntKind>(in.repr));
      break;
  }
  return std::nullopt;
}

// Kea pushes "" for a missing option's hex/text and "false" for exists.
void Evaluator::push_option(const Instr& in, std::optional<View> found) {
  const auto repr = static_cast<Repr>(in.repr);
  if (repr == Repr::Exists) return push_bool(found.has_value());
  if (!found) return push(View{});
  if (repr == Repr::Hex || in.text_is_string) return push(*found);
  push_generic_text(p_.paths[in.a + in.b - 1], *found);  // the innermost code
}

// Kea's .text of an option it has no string definition for is the option's
// debug text (Option::toText): "type=NNN, len=NNN: 41:42 'AB'".
void Evaluator::push_generic_text(uint8_t code, View data) {
  const bool printable = !data.empty() && std::all_of(data.begin(), data.end(), [](uint8_t c) {
    return c >= 0x20 && c < 0x7f;
  });
  const size_t n =
      22 + (data.empty() ? 2 : data.size() * 3 - 1) + (printable ? data.size() + 3 : 0);
  auto off = reserve(n);
  if (!off) return;
  char* out = reinterpret_cast<char*>(at(*off));
  char* p = out;
  auto put3 = [&p](size_t v) {
    *p++ = static_cast<char>('0' + v / 100 % 10);
    *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
  };
  auto put = [&p](std::string_view s) { p = std::copy(s.begin(), s.end(), p); };
  put("type=");
  put3(code);
  put(", len=");
  put3(data.size());
  *p++ = ':';
  *p++ = ' ';
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < data.size(); ++i) {
    if (i > 0) *p++ = ':';
    *p++ = kDigits[data[i] >> 4];
    *p++ = kDigits[data[i] & 15];
  }
  if (data.empty()) *p++ = '\'', *p++ = '\'';
  if (printable) {
    *p++ = ' ';
    *p++ = '\'';
    std::memcpy(p, data.data(), data.size()), p += data.size();
    *p++ = '\'';
  }
  push_arena(*off, static_cast<size_t>(p - out));
}

// Option 125 (RFC 3925): enterprise(4) data-len(1) sub-options; like Kea's
// Pkt4::getOption, only the first enterprise block is looked at.
void Evaluator::vendor(const Instr& in) {
  const auto field = static_cast<VendorField>(in.field);
  const bool exists_repr =
      field == VendorField::Exists ||
      (field == VendorField::Option && static_cast<Repr>(in.repr) == Repr::Exists);
  auto data = option(kVivso);
  if (!data || data->size() < 5 ||
      (in.c != 0 && read_be32(data->data()) != static_cast<uint32_t>(in.c))) {
    return exists_repr ? push_bool(false) : push(View{});
  }
  switch (field) {
    case VendorField::Exists:
      return push_bool(true);
    case VendorField::Enterprise:
      return push(data->first(4));
    case VendorField::Option: {
      const View subs = data->subspan(5, std::min<size_t>((*data)[4], data->size() - 5));
      return push_option(in, walk(subs, path(in)));
    }
    case VendorField::Data:
      break;
  }
  push(View{});
}

// Option 124 (RFC 3925): blocks of enterprise(4) length(1) data; Kea reads
// each block as one data tuple of one enterprise.
void Evaluator::vendor_class(const Instr& in) {
  const auto field = static_cast<VendorField>(in.field);
  auto data = option(kVivco);
  if (!data || data->size() < 4 ||
      (in.c != 0 && read_be32(data->data()) != static_cast<uint32_t>(in.c))) {
    return field == VendorField::Exists ? push_bool(false) : push(View{});
  }
  if (field == VendorField::Exists) return push_bool(true);
  if (field == VendorField::Enterprise) return push(data->first(4));
  const uint32_t enterprise = read_be32(data->data());
  size_t i = 4;
  for (int index = 0; i < data->size(); ++index) {
    const size_t length = (*data)[i];
    if (i + 1 + length > data->size()) break;
    if (index == in.d) return push(data->subspan(i + 1, length));
    i += 1 + length;
    if (i + 4 > data->size() || read_be32(data->data() + i) != enterprise) break;
    i += 4;
  }
  push(View{});
}

// Kea's representations: addresses 4 bytes, integer fields 4 bytes
// big-endian whatever their width on the wire.
void Evaluator::pkt4_field(Pkt4Field field) {
  const wire::Packet& p = pkt_.packet;
  switch (field) {
    case Pkt4Field::Mac:
      return push(View(p.chaddr.data(), std::min<size_t>(p.hlen, p.chaddr.size())));
    case Pkt4Field::Hlen:
      return push_be32(p.hlen);
    case Pkt4Field::Htype:
      return push_be32(p.htype);
    case Pkt4Field::Ciaddr:
      return push_be32(p.ciaddr.value);
    case Pkt4Field::Giaddr:
      return push_be32(p.giaddr.value);
    case Pkt4Field::Yiaddr:
      return push_be32(p.yiaddr.value);
    case Pkt4Field::Siaddr:
      return push_be32(p.siaddr.value);
    case Pkt4Field::Msgtype: {
      const auto type = p.message_type();
      return push_be32(type ? static_cast<uint32_t>(*type) : 0);
    }
    case Pkt4Field::Transid:
      return push_be32(p.xid);
  }
}

void Evaluator::pkt_field(PktField field) {
  switch (field) {
    case PktField::Iface:
      return push(view_of(pkt_.iface));
    case PktField::Src:
      return push_be32(pkt_.source.value);
    case PktField::Dst:
      return push_be32(pkt_.destination.value);
    case PktField::Len:
      return push_be32(pkt_.length);
  }
}

// Kea's TokenSubstring: a negative start counts from the end, a negative
// length takes the characters before start; out of range gives "".
void Evaluator::substring(const Instr& in) {
  const Value v = pop();
  const int64_t size = v.length;
  if (size == 0) return push(View{});
  int64_t start = in.c;
  int64_t length = in.d == kAllLength ? size : in.d;
  if (start < -size || start >= size) return push(View{});
  if (start < 0) start += size;
  if (length < 0) {
    length = -length;
    if (length <= start) {
      start -= length;
    } else {
      length = start;
      start = 0;
    }
  }
  push_slice(v, static_cast<size_t>(start), static_cast<size_t>(std::min(length, size - start)));
}

// Kea's TokenSplit: fields separated by any of the delimiters, numbered
// from 1; empty fields count.
void Evaluator::split(const Instr& in) {
  const Value delims_value = pop();
  const Value v = pop();
  if (v.length == 0) return push(View{});
  const View delims = bytes(delims_value);
  if (delims.empty()) return s_.stack.push_back(v);
  const View text = bytes(v);
  int64_t field = 1;
  size_t begin = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool end =
        i == text.size() || std::find(delims.begin(), delims.end(), text[i]) != delims.end();
    if (!end) continue;
    if (field == in.c) return push_slice(v, begin, i - begin);
    ++field;
    begin = i + 1;
  }
  push(View{});
}

void Evaluator::concat() {
  const Value b = pop();
  const Value a = pop();
  auto off = reserve(a.length + b.length);
  if (!off) return;
  if (a.length > 0) std::memcpy(at(*off), bytes(a).data(), a.length);
  if (b.length > 0) std::memcpy(at(*off + a.length), bytes(b).data(), b.length);
  push_arena(*off, a.length + b.length);
}

// Lower-case hex digits with the separator between bytes.
void Evaluator::hexstring() {
  const Value sep = pop();
  const Value bin = pop();
  if (bin.length == 0) return push(View{});
  const size_t n = size_t{bin.length} * 2 + size_t{bin.length - 1} * sep.length;
  auto off = reserve(n);
  if (!off) return;
  static constexpr char kDigits[] = "0123456789abcdef";
  uint8_t* out = at(*off);
  const View b = bytes(bin);
  const View s = bytes(sep);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i > 0 && !s.empty()) std::memcpy(out, s.data(), s.size()), out += s.size();
    *out++ = static_cast<uint8_t>(kDigits[b[i] >> 4]);
    *out++ = static_cast<uint8_t>(kDigits[b[i] & 15]);
  }
  push_arena(*off, n);
}

// ASCII only, as boost's to_lower_copy in the classic locale.
void Evaluator::change_case(bool upper) {
  const Value v = pop();
  auto off = reserve(v.length);
  if (!off) return;
  const View in = bytes(v);
  uint8_t* out = at(*off);
  for (size_t i = 0; i < in.size(); ++i) {
    const uint8_t c = in[i];
    if (upper && c >= 'a' && c <= 'z') {
      out[i] = static_cast<uint8_t>(c - 32);
    } else if (!upper && c >= 'A' && c <= 'Z') {
      out[i] = static_cast<uint8_t>(c + 32);
    } else {
      out[i] = c;
    }
  }
  push_arena(*off, v.length);
}

// Kea: "" stays "", 4 or 16 bytes become text, any other size is an error.
void Evaluator::addr_to_text() {
  const Value v = pop();
  if (v.length == 0) return push(View{});
  if (v.length != 4 && v.length != 16) {
    ok_ = false;
    return;
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v.length == 4 ? AF_INET : AF_INET6, bytes(v).data(), text, sizeof text);
  push_text(text);
}

// Kea: "" stays "", a value of the wrong width is an error.
void Evaluator::int_to_text(IntKind kind) {
  const Value v = pop();
  if (v.length == 0) return push(View{});
  static constexpr uint32_t kWidth[] = {1, 2, 4, 1, 2, 4};
  const uint32_t width = kWidth[static_cast<size_t>(kind)];
  if (v.length != width) {
    ok_ = false;
    return;
  }
  const View b = bytes(v);
  uint32_t u = 0;
  for (uint8_t byte : b) u = u << 8 | byte;
  // Sign-extend the signed kinds from their width.
  int64_t value = u;
  const bool is_signed = kind == IntKind::Int8 || kind == IntKind::Int16 || kind == IntKind::Int32;
  const uint32_t bits = width * 8;
  if (is_signed && (u >> (bits - 1)) != 0) value -= int64_t{1} << bits;
  char text[24];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  push_text(std::string_view(text, static_cast<size_t>(end - text)));
}

}  // namespace

EvalScratch::EvalScratch() : impl_(std::make_unique<Impl>()) {}
EvalScratch::~EvalScratch() = default;
EvalScratch::EvalScratch(EvalScratch&&) noexcept = default;
EvalScratch& EvalScratch::operator=(EvalScratch&&) noexcept = default;

std::optional<std::string_view> evaluate_program(const Expression::Impl& program,
                                                 const PacketContext& packet,
                                                 const ClassSet& classes, EvalScratch& scratch) {
  Evaluator evaluator(program, packet, classes, scratch.impl());
  auto result = evaluator.run();
  if (!result) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(result->data()), result->size());
}

}  // namespace bs::classify
