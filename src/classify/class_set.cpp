// ClassSet: a linear scan is the right structure here, since a query rarely
// belongs to more than a handful of classes.
#include "classify/class_set.h"

#include <algorithm>
#include <cstring>

namespace bs::classify {

ClassSet::ClassSet(const ClassSet& other) { *this = other; }

ClassSet& ClassSet::operator=(const ClassSet& other) {
  if (this == &other) return *this;
  vendor_name_ = other.vendor_name_;
  count_ = other.count_;
  for (size_t i = 0; i < count_; ++i) {
    const std::string_view name = other.names_[i];
    names_[i] = name.data() == other.vendor_name_.data()
                    ? std::string_view(vendor_name_.data(), name.size())
                    : name;
  }
  return *this;
}

bool ClassSet::add(std::string_view name) {
  if (contains(name)) return true;
  if (count_ == kMaxClasses) return false;
  names_[count_++] = name;
  return true;
}

bool ClassSet::add_vendor_class(std::string_view vendor_class) {
  const size_t length = std::min(vendor_class.size(), kMaxVendorClassBytes);
  // The inline buffer holds one vendor class name; a query has one option 60.
  for (size_t i = 0; i < count_; ++i) {
    if (names_[i].data() == vendor_name_.data()) return true;
  }
  std::memcpy(vendor_name_.data(), kVendorClassPrefix.data(), kVendorClassPrefix.size());
  std::memcpy(vendor_name_.data() + kVendorClassPrefix.size(), vendor_class.data(), length);
  return add(std::string_view(vendor_name_.data(), kVendorClassPrefix.size() + length));
}

bool ClassSet::contains(std::string_view name) const {
  return std::any_of(names_.begin(), names_.begin() + static_cast<std::ptrdiff_t>(count_),
                     [name](std::string_view held) { return held == name; });
}

}  // namespace bs::classify
