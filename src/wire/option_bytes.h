// One option's value, with room for 32 bytes inside the object. Almost
// every option a query or a reply carries is shorter (a message type, an
// address, a lease time, a client identifier, a parameter list), so
// decoding a query and building its reply allocate nothing per option; a
// longer value (option 82 with many sub-options, a long domain search
// list) moves to a std::vector. The interface is the part of
// std::vector<uint8_t> the codec and its callers use, so code reads the
// same either way. It is a contiguous range, so a std::span<const uint8_t>
// takes it as it takes a vector; it also converts to Bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "common/types.h"

namespace bs::wire {

class OptionBytes {
 public:
  static constexpr size_t kInlineBytes = 32;
  using value_type = uint8_t;
  using size_type = size_t;
  using iterator = uint8_t*;
  using const_iterator = const uint8_t*;

  OptionBytes() = default;
  // Implicit, as a vector would take them: options are built from both.
  // NOLINTNEXTLINE(google-explicit-constructor)
  OptionBytes(std::span<const uint8_t> bytes) { append(bytes); }
  // NOLINTNEXTLINE(google-explicit-constructor)
  OptionBytes(const Bytes& bytes) { append(bytes); }
  OptionBytes(std::initializer_list<uint8_t> bytes) {
    append(std::span<const uint8_t>(bytes.begin(), bytes.size()));
  }
  template <typename Iterator>
  OptionBytes(Iterator first, Iterator last) {
    for (; first != last; ++first) push_back(static_cast<uint8_t>(*first));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const uint8_t* data() const { return on_heap() ? heap_.data() : inline_.data(); }
  uint8_t* data() { return on_heap() ? heap_.data() : inline_.data(); }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  uint8_t operator[](size_t index) const { return data()[index]; }
  uint8_t& operator[](size_t index) { return data()[index]; }

  void clear() {
    size_ = 0;
    heap_.clear();
  }
  void push_back(uint8_t byte) { append(std::span<const uint8_t>(&byte, 1)); }
  void append(std::span<const uint8_t> bytes);

  // NOLINTNEXTLINE(google-explicit-constructor)
  operator Bytes() const { return Bytes(begin(), end()); }

  friend bool operator==(const OptionBytes& a, const OptionBytes& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const OptionBytes& a, const Bytes& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const { return size_ > kInlineBytes; }

  std::array<uint8_t, kInlineBytes> inline_{};
  Bytes heap_;  // holds the value when it is longer than kInlineBytes
  uint32_t size_ = 0;
};

inline void OptionBytes::append(std::span<const uint8_t> bytes) {
  const size_t grown = size_ + bytes.size();
  if (grown <= kInlineBytes) {
    std::copy(bytes.begin(), bytes.end(), inline_.begin() + size_);
  } else {
    if (!on_heap()) heap_.assign(inline_.begin(), inline_.begin() + size_);
    heap_.insert(heap_.end(), bytes.begin(), bytes.end());
  }
  size_ = static_cast<uint32_t>(grown);
}

}  // namespace bs::wire
