// OptionBytes: an option value kept inside the object up to 32 bytes and
// in a vector beyond, with the same contents and behaviour either way.
#include "wire/option_bytes.h"

#include <gtest/gtest.h>

#include <numeric>

namespace bs::wire {
namespace {

Bytes counting(size_t size, uint8_t first = 0) {
  Bytes out(size);
  std::iota(out.begin(), out.end(), first);
  return out;
}

TEST(OptionBytes, ShortValuesStayInline) {
  const OptionBytes value{1, 2, 3, 4};
  EXPECT_EQ(value.size(), 4u);
  EXPECT_EQ(value, (Bytes{1, 2, 3, 4}));
  const auto* self = reinterpret_cast<const uint8_t*>(&value);
  EXPECT_GE(value.data(), self);
  EXPECT_LT(value.data(), self + sizeof(OptionBytes)) << "inside the object, no allocation";
}

TEST(OptionBytes, GrowsPastTheInlineRoomKeepingItsBytes) {
  for (size_t total : {size_t{32}, size_t{33}, size_t{300}}) {
    OptionBytes value;
    const Bytes expected = counting(total);
    // Appended in uneven pieces, as repeated instances of a code are.
    for (size_t at = 0; at < total;) {
      const size_t piece = std::min<size_t>(7, total - at);
      value.append(std::span<const uint8_t>(expected).subspan(at, piece));
      at += piece;
    }
    EXPECT_EQ(value.size(), total);
    EXPECT_EQ(value, expected) << total;
    EXPECT_EQ(Bytes(value), expected);
  }
}

TEST(OptionBytes, CopiesMovesAndComparesByContent) {
  OptionBytes long_value(counting(40));
  OptionBytes copy = long_value;
  EXPECT_EQ(copy, long_value);
  copy[0] = 99;
  EXPECT_FALSE(copy == long_value) << "a copy owns its bytes";
  OptionBytes moved = std::move(copy);
  EXPECT_EQ(moved[0], 99);
  EXPECT_EQ(moved.size(), 40u);
  moved.clear();
  EXPECT_TRUE(moved.empty());
  moved.push_back(5);
  EXPECT_EQ(moved, (Bytes{5}));
  const std::span<const uint8_t> view = long_value;
  EXPECT_EQ(view.size(), 40u);
  EXPECT_EQ(view[39], 39);
}

}  // namespace
}  // namespace bs::wire
