// UTF-8 checking and the \xNN escapes shared by the API and blackstart-ctl.
#include "common/text.h"

#include <algorithm>
#include <cstdint>

namespace bs {
namespace {

void append_hex_escape(std::string& out, uint8_t byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[byte >> 4];
  out += kDigits[byte & 0xf];
}

bool is_control(uint8_t byte) { return byte < 0x20 || byte == 0x7f; }

// Escapes invalid bytes, and with `controls` the control characters too.
std::string escaped(std::string_view bytes, bool controls) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    const auto lead = static_cast<uint8_t>(bytes[pos]);
    const size_t length = utf8_sequence_length(bytes, pos);
    if (length == 0 || (controls && length == 1 && is_control(lead))) {
      append_hex_escape(out, lead);
      ++pos;
      continue;
    }
    const auto second = length == 2 ? static_cast<uint8_t>(bytes[pos + 1]) : uint8_t{0};
    if (controls && lead == 0xc2 && second <= 0x9f) {
      append_hex_escape(out, second);  // U+0080..U+009F shown by code point
    } else {
      out.append(bytes.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

}  // namespace

size_t utf8_sequence_length(std::string_view text, size_t pos) {
  const auto byte_at = [&](size_t offset) -> unsigned {
    return pos + offset < text.size() ? static_cast<unsigned char>(text[pos + offset]) : 0u;
  };
  const unsigned lead = byte_at(0);
  if (lead < 0x80) return 1;
  size_t continuation = 0;
  unsigned low = 0x80, high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    continuation = 1;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    continuation = 2;
    if (lead == 0xe0) low = 0xa0;   // overlong below U+0800
    if (lead == 0xed) high = 0x9f;  // UTF-16 surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    continuation = 3;
    if (lead == 0xf0) low = 0x90;   // overlong below U+10000
    if (lead == 0xf4) high = 0x8f;  // past U+10FFFF
  } else {
    return 0;  // a continuation byte, an overlong lead (c0, c1) or f5..ff
  }
  for (size_t i = 1; i <= continuation; ++i) {
    const unsigned byte = byte_at(i);
    if (byte < (i == 1 ? low : 0x80u) || byte > (i == 1 ? high : 0xbfu)) return 0;
  }
  return continuation + 1;
}

std::string escape_invalid_utf8(std::string_view bytes) { return escaped(bytes, false); }

std::string escape_for_terminal(std::string_view bytes) { return escaped(bytes, true); }

std::string capped_hostname(std::string_view bytes) {
  if (bytes.size() <= kMaxHostnameBytes) return std::string(bytes);
  size_t end = 0;
  while (end < kMaxHostnameBytes) {
    const size_t length = std::max<size_t>(utf8_sequence_length(bytes, end), 1);
    if (end + length > kMaxHostnameBytes) break;
    end += length;
  }
  return std::string(bytes.substr(0, end));
}

}  // namespace bs
