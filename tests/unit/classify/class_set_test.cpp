// ClassSet: order kept, duplicates folded, capacity bounded, and the
// VENDOR_CLASS_ name survives copies of the set.
#include "classify/class_set.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bs::classify {
namespace {

TEST(ClassSet, KeepsOrderAndFoldsDuplicates) {
  ClassSet set;
  EXPECT_TRUE(set.add(kAll));
  EXPECT_TRUE(set.add("phones"));
  EXPECT_TRUE(set.add(kAll));
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.names()[0], "ALL");
  EXPECT_EQ(set.names()[1], "phones");
  EXPECT_TRUE(set.contains("phones"));
  EXPECT_FALSE(set.contains("printers"));
}

TEST(ClassSet, RefusesBeyondCapacity) {
  std::vector<std::string> names;
  for (size_t i = 0; i <= ClassSet::kMaxClasses; ++i) names.push_back("c" + std::to_string(i));
  ClassSet set;
  for (size_t i = 0; i < ClassSet::kMaxClasses; ++i) EXPECT_TRUE(set.add(names[i]));
  EXPECT_FALSE(set.add(names.back()));
  EXPECT_EQ(set.size(), ClassSet::kMaxClasses);
}

TEST(ClassSet, VendorClassNameIsBuiltAndSurvivesCopies) {
  auto copy = [] {
    ClassSet set;
    set.add(kAll);
    set.add_vendor_class("docsis3.0");
    return ClassSet(set);  // the original's buffer dies here
  }();
  EXPECT_TRUE(copy.contains("VENDOR_CLASS_docsis3.0"));
  ClassSet assigned;
  assigned = copy;
  EXPECT_TRUE(assigned.contains("VENDOR_CLASS_docsis3.0"));
  EXPECT_EQ(assigned.names()[1], "VENDOR_CLASS_docsis3.0");
}

TEST(ClassSet, VendorClassIsCutAt255Bytes) {
  ClassSet set;
  set.add_vendor_class(std::string(300, 'x'));
  EXPECT_TRUE(set.contains("VENDOR_CLASS_" + std::string(255, 'x')));
}

}  // namespace
}  // namespace bs::classify
