// The set of client classes one query belongs to, in the order they were
// assigned (Kea evaluates options per class in that order). Fixed capacity,
// no allocation: class names point into the configuration (or the built-in
// names below), except VENDOR_CLASS_<option 60>, whose name is built from
// the packet and kept inline.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace bs::classify {

inline constexpr std::string_view kAll = "ALL";
inline constexpr std::string_view kKnown = "KNOWN";
inline constexpr std::string_view kUnknown = "UNKNOWN";
inline constexpr std::string_view kDrop = "DROP";
inline constexpr std::string_view kVendorClassPrefix = "VENDOR_CLASS_";

class ClassSet {
 public:
  // More classes than this per query are ignored (and counted by the
  // caller); a config cannot define more than kMaxClasses anyway.
  static constexpr size_t kMaxClasses = 64;
  static constexpr size_t kMaxVendorClassBytes = 255;

  ClassSet() = default;
  // Copies re-point the VENDOR_CLASS_ name at their own buffer.
  ClassSet(const ClassSet& other);
  ClassSet& operator=(const ClassSet& other);

  // `name` must outlive the set (config-owned or a constant above).
  // Returns false when the set is full. Adding a name twice keeps one.
  bool add(std::string_view name);
  // Adds VENDOR_CLASS_<vendor_class> (option 60's bytes, cut to 255).
  bool add_vendor_class(std::string_view vendor_class);
  bool contains(std::string_view name) const;
  std::span<const std::string_view> names() const { return {names_.data(), count_}; }
  size_t size() const { return count_; }
  void clear() { count_ = 0; }

 private:
  std::array<std::string_view, kMaxClasses> names_{};
  size_t count_ = 0;
  std::array<char, kVendorClassPrefix.size() + kMaxVendorClassBytes> vendor_name_{};
};

}  // namespace bs::classify
