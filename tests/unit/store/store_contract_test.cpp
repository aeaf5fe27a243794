// The LeaseStore contract, once for every backend (SQLite and Kea's CSV
// memfile): what commit() accepts loads back exactly, later changes win,
// deletes delete, a refused batch writes nothing, and a reopened store
// sees everything committed before.
#include <gtest/gtest.h>

#include <functional>

#include "store/lease_store.h"
#include "store_fixture.h"

namespace bs::store {
namespace {

using test::full_lease;
using test::upsert;

struct Backend {
  const char* name;
  const char* file;
  std::function<tl::expected<std::unique_ptr<LeaseStore>, StoreError>(const std::string&)> open;
};

const Backend kBackends[] = {
    {"sqlite", "leases.sqlite3", [](const std::string& path) { return open_sqlite_store(path); }},
    {"memfile", "kea-leases4.csv",
     [](const std::string& path) { return open_memfile_store(path, {.lfc_interval_s = 0}); }},
};

class StoreContractTest : public test::TempDir, public ::testing::WithParamInterface<Backend> {
 protected:
  std::unique_ptr<LeaseStore> open() {
    auto store = GetParam().open(path(GetParam().file));
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }

  static std::vector<Lease> sorted(std::vector<Lease> leases) {
    std::sort(leases.begin(), leases.end(),
              [](const Lease& a, const Lease& b) { return a.address < b.address; });
    return leases;
  }
};

TEST_P(StoreContractTest, ANewStoreIsEmpty) {
  auto store = open();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_TRUE(leases->empty());
  EXPECT_NE(store->describe().find(GetParam().file), std::string::npos);
}

TEST_P(StoreContractTest, EveryFieldRoundTripsThroughAReopen) {
  std::vector<Lease> expected;
  std::vector<LeaseChange> changes;
  for (uint32_t n = 1; n <= 50; ++n) {
    expected.push_back(full_lease(n));
    changes.push_back(upsert(expected.back()));
  }
  expected[3].hostname = "comma,amp&newline\nhost";
  changes[3] = upsert(expected[3]);
  expected[4].client_id.clear();
  changes[4] = upsert(expected[4]);
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit(changes));
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(sorted(*leases), expected);
}

TEST_P(StoreContractTest, LaterChangesWinAndDeletesDelete) {
  auto store = open();
  ASSERT_TRUE(store);
  Lease first = full_lease(1), second = full_lease(2);
  ASSERT_TRUE(store->commit(std::vector{upsert(first), upsert(second)}));
  first.hostname = "renamed";
  first.cltt_s += 100;
  const LeaseChange erase{second.address, second, std::nullopt};
  ASSERT_TRUE(store->commit(std::vector{upsert(first), erase}));
  // A delete of an address the store never had is no error.
  ASSERT_TRUE(store->commit(std::vector{LeaseChange{Ip4{0xC6120099}, std::nullopt, std::nullopt}}));
  auto reopened = open();
  store.reset();
  ASSERT_TRUE(reopened);
  auto leases = reopened->load_all();
  ASSERT_TRUE(leases);
  EXPECT_EQ(*leases, std::vector{first});
}

TEST_P(StoreContractTest, ARefusedBatchWritesNothing) {
  auto store = open();
  ASSERT_TRUE(store);
  Lease offer = full_lease(2);
  offer.state = LeaseState::Offered;
  EXPECT_FALSE(store->commit(std::vector{upsert(full_lease(1)), upsert(offer)}));
  Lease moved = full_lease(3);
  EXPECT_FALSE(store->commit(std::vector{LeaseChange{Ip4{0xC6120004}, std::nullopt, moved}}));
  EXPECT_TRUE(store->commit(std::span<const LeaseChange>{}));
  auto leases = store->load_all();
  ASSERT_TRUE(leases);
  EXPECT_TRUE(leases->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::ValuesIn(kBackends),
                         [](const auto& backend) { return std::string(backend.param.name); });

}  // namespace
}  // namespace bs::store
