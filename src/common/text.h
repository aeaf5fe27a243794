// How bytes that someone else chose are shown. A client's hostname (and
// anything else taken from a packet or read back from the lease store) is
// kept as the bytes it was; it is only escaped on the way out, so JSON always
// gets valid UTF-8 and a terminal never gets a byte that could drive it.
// The API, the status page and blackstart-ctl all show a byte the same way:
// the four characters \xNN, lower-case hex.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bs {

// RFC 1035's limit on a domain name, and what lease4-add and a reservation
// accept. A client can send more (RFC 3396 joins repeated option 12s), so
// every way into a lease cuts the name here.
inline constexpr size_t kMaxHostnameBytes = 255;

// Length of the well-formed UTF-8 sequence at text[pos], or 0 when it is
// malformed (overlong forms, surrogates, code points past U+10FFFF and
// sequences cut short included). pos must be < text.size().
size_t utf8_sequence_length(std::string_view text, size_t pos);

// Valid UTF-8 kept as it is; each byte of an invalid sequence becomes \xNN.
// The result is valid UTF-8, so a JSON dump of it cannot fail. For every
// client-chosen string that goes into JSON.
std::string escape_invalid_utf8(std::string_view bytes);

// As escape_invalid_utf8, and control characters too (C0 including NUL,
// DEL, and the C1 code points U+0080..U+009F) become \xNN, so the text can
// neither clear a screen, set a window title nor end a C string early.
std::string escape_for_terminal(std::string_view bytes);

// The first kMaxHostnameBytes bytes, less a UTF-8 character the cut would
// split.
std::string capped_hostname(std::string_view bytes);

}  // namespace bs
