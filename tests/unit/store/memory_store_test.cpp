// MemoryLeaseStore, the fake the scenario tests rely on: it must accept and
// refuse exactly what the SQLite store does.
#include "store/lease_store.h"
#include "store_fixture.h"

namespace bs::store::test {
namespace {

TEST(MemoryStoreTest, UpsertDeleteAndLoad) {
  MemoryLeaseStore store;
  ASSERT_TRUE(store.commit(
      std::vector{upsert(full_lease(1)), upsert(full_lease(2)), upsert(full_lease(3))}));
  Lease changed = full_lease(2);
  changed.hostname = "changed";
  ASSERT_TRUE(store.commit(std::vector{LeaseChange{changed.address, full_lease(2), changed}}));
  ASSERT_TRUE(
      store.commit(std::vector{LeaseChange{full_lease(1).address, full_lease(1), std::nullopt}}));
  auto loaded = store.load_all();
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->size(), 2u);
  std::sort(loaded->begin(), loaded->end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  EXPECT_EQ((*loaded)[0], changed);
  EXPECT_EQ((*loaded)[1], full_lease(3));
  EXPECT_EQ(store.commit_count(), 3u);
}

TEST(MemoryStoreTest, FailingStoreChangesNothing) {
  MemoryLeaseStore store;
  store.set_failing(true);
  EXPECT_FALSE(store.commit(std::vector{upsert(full_lease(1))}));
  EXPECT_TRUE(store.rows().empty());
  EXPECT_EQ(store.commit_count(), 1u);
  store.set_failing(false);
  EXPECT_TRUE(store.commit(std::vector{upsert(full_lease(1))}));
  EXPECT_EQ(store.rows().size(), 1u);
}

TEST(MemoryStoreTest, OffersAreRefusedWholeBatch) {
  MemoryLeaseStore store;
  Lease offer = full_lease(2);
  offer.state = LeaseState::Offered;
  EXPECT_FALSE(store.commit(std::vector{upsert(full_lease(1)), upsert(offer)}));
  EXPECT_TRUE(store.rows().empty());
}

}  // namespace
}  // namespace bs::store::test
