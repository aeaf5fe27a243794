// Test helper that lays out DHCP payloads byte by byte at the RFC 2131
// offsets, independently of the codec under test, so vectors stay readable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "common/types.h"

namespace bs::wire::test {

// RFC 2131 figure 1 offsets.
inline constexpr size_t kOffHops = 3;
inline constexpr size_t kOffXid = 4;
inline constexpr size_t kOffSecs = 8;
inline constexpr size_t kOffFlags = 10;
inline constexpr size_t kOffCiaddr = 12;
inline constexpr size_t kOffYiaddr = 16;
inline constexpr size_t kOffSiaddr = 20;
inline constexpr size_t kOffGiaddr = 24;
inline constexpr size_t kOffChaddr = 28;
inline constexpr size_t kOffSname = 44;
inline constexpr size_t kOffFile = 108;
inline constexpr size_t kOffCookie = 236;
inline constexpr size_t kOffOptions = 240;

class RawPacket {
 public:
  // A BOOTREQUEST with Ethernet htype/hlen and the magic cookie, no options.
  explicit RawPacket(uint8_t op = 1) : bytes_(kOffOptions, 0) {
    bytes_[0] = op;
    bytes_[1] = 1;
    bytes_[2] = 6;
    put(kOffCookie, {99, 130, 83, 99});
  }

  RawPacket& put(size_t offset, std::initializer_list<uint8_t> values) {
    if (bytes_.size() < offset + values.size()) bytes_.resize(offset + values.size(), 0);
    size_t i = offset;
    for (uint8_t v : values) bytes_[i++] = v;
    return *this;
  }

  // Appends raw bytes to the options field.
  RawPacket& raw(std::initializer_list<uint8_t> values) {
    bytes_.insert(bytes_.end(), values.begin(), values.end());
    return *this;
  }

  RawPacket& raw(std::span<const uint8_t> values) {
    bytes_.insert(bytes_.end(), values.begin(), values.end());
    return *this;
  }

  RawPacket& option(uint8_t code, std::initializer_list<uint8_t> data) {
    bytes_.push_back(code);
    bytes_.push_back(static_cast<uint8_t>(data.size()));
    return raw(data);
  }

  RawPacket& end() { return raw({255}); }

  const Bytes& bytes() const { return bytes_; }
  Bytes& bytes() { return bytes_; }

 private:
  Bytes bytes_;
};

}  // namespace bs::wire::test
