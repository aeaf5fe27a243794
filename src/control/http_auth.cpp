// Checking the Authorization header against the configured credentials.
#include "control/http_auth.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace bs::control {
namespace {

constexpr int kInvalid = -1;

constexpr std::array<int, 256> make_decode_table() {
  std::array<int, 256> table{};
  for (int& entry : table) entry = kInvalid;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  return table;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  static constexpr std::array<int, 256> kTable = make_decode_table();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int bit_count = 0;
  for (char c : text) {
    const int value = kTable[static_cast<unsigned char>(c)];
    if (value == kInvalid) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Walks the longer length, so the time depends on neither secret's content.
  const size_t length = std::max(a.size(), b.size());
  unsigned difference = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < length; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    difference |= static_cast<unsigned>(x ^ y);
  }
  return difference == 0;
}

bool authorized(const config::ControlSocket& socket, std::string_view header) {
  if (!socket.needs_auth()) return true;
  if (!socket.bearer_token.empty() && starts_with_ignoring_case(header, "Bearer ")) {
    return constant_time_equal(header.substr(7), socket.bearer_token);
  }
  if (!socket.basic_clients.empty() && starts_with_ignoring_case(header, "Basic ")) {
    const auto decoded = base64_decode(header.substr(6));
    if (!decoded) return false;
    bool match = false;
    for (const auto& [user, password] : socket.basic_clients) {
      std::string expected = user;
      expected.append(":").append(password);
      match |= constant_time_equal(*decoded, expected);
    }
    return match;
  }
  return false;
}

}  // namespace bs::control
