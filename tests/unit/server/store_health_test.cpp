// StoreHealth: one line when the store starts failing, none while it keeps
// failing for the same reason, one per new cause, one on recovery with the
// number of failed commits and the outage's length.
#include "server/store_health.h"

#include <gtest/gtest.h>

namespace bs::server {
namespace {

store::StoreError fault(store::StoreFault kind, const char* text = "boom") { return {text, kind}; }

TEST(StoreHealthTest, HealthyStoreSaysNothing) {
  StoreHealth health("sqlite:/var/lib/leases.sqlite3");
  EXPECT_FALSE(health.succeeded(10));
  EXPECT_FALSE(health.failing());
  EXPECT_EQ(health.outages(), 0u);
}

TEST(StoreHealthTest, OneLineWhenFailingOneWhenRecovered) {
  StoreHealth health("sqlite:/var/lib/leases.sqlite3");
  auto first = health.failed(fault(store::StoreFault::DiskFull, "database or disk is full"), 1000);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first,
            "lease store sqlite:/var/lib/leases.sqlite3 failing (disk full): new leases withheld "
            "until it recovers; database or disk is full");
  EXPECT_TRUE(health.failing());
  EXPECT_EQ(health.fault(), store::StoreFault::DiskFull);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(health.failed(fault(store::StoreFault::DiskFull), 2000));
  EXPECT_EQ(health.failures_in_outage(), 6u);
  auto recovered = health.succeeded(13'500);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(*recovered,
            "lease store sqlite:/var/lib/leases.sqlite3 recovered after 6 failed commits, 12.5 s");
  EXPECT_FALSE(health.failing());
  EXPECT_EQ(health.failures_in_outage(), 0u);
  EXPECT_FALSE(health.succeeded(14'000));
  EXPECT_EQ(health.outages(), 1u);
}

TEST(StoreHealthTest, ANewCauseIsToldOnceEvenIfCausesAlternate) {
  StoreHealth health("memory");
  ASSERT_TRUE(health.failed(fault(store::StoreFault::DiskFull), 0));
  auto now =
      health.failed(fault(store::StoreFault::ReadOnly, "attempt to write a readonly database"), 1);
  ASSERT_TRUE(now);
  EXPECT_EQ(*now,
            "lease store memory still failing, now (read-only file system): attempt to write a "
            "readonly database");
  EXPECT_EQ(health.fault(), store::StoreFault::ReadOnly);
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(health.failed(fault(store::StoreFault::DiskFull), 2 + i));
    EXPECT_FALSE(health.failed(fault(store::StoreFault::ReadOnly), 2 + i));
  }
  auto recovered = health.succeeded(2000);
  ASSERT_TRUE(recovered);
  EXPECT_NE(recovered->find("after 10 failed commits, 2.0 s"), std::string::npos) << *recovered;
}

TEST(StoreHealthTest, EachOutageIsCountedAndToldAgain) {
  StoreHealth health("memory");
  ASSERT_TRUE(health.failed(fault(store::StoreFault::IoError), 0));
  auto once = health.succeeded(100);
  ASSERT_TRUE(once);
  EXPECT_NE(once->find("after 1 failed commit, 0.1 s"), std::string::npos) << *once;
  auto second = health.failed(fault(store::StoreFault::IoError), 200);
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("failing (I/O error)"), std::string::npos);
  EXPECT_EQ(health.outages(), 2u);
}

}  // namespace
}  // namespace bs::server
