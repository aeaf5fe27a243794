// Pools guarded by "client-class": the engine offers and assigns from a
// pool only to a client whose classes pass its guard, as Kea does.
#include <gtest/gtest.h>

#include "alloc_fixture.h"
#include "classify/class_set.h"

namespace bs::alloc::test {
namespace {

// One subnet: the general pool .100-.101 (guarded by "not-phones") first,
// the phones' pool .150-.151 (guarded by "phones") second.
config::Config guarded_config() {
  config::Config config;
  config.valid_lifetime_s = kLifetime_s;
  config::Subnet subnet;
  subnet.id = 1;
  subnet.prefix = ip("198.18.1.0");
  subnet.prefix_len = 24;
  subnet.pools.push_back({ip("198.18.1.100"), ip("198.18.1.101")});
  subnet.pools.back().client_classes.classes = {"not-phones"};
  subnet.pools.push_back({ip("198.18.1.150"), ip("198.18.1.151")});
  subnet.pools.back().client_classes.classes = {"phones"};
  config.subnets.push_back(subnet);
  return config;
}

ClientIdentity classified(uint8_t last, const classify::ClassSet& classes) {
  ClientIdentity identity = client(last);
  identity.classes = &classes;
  return identity;
}

class PoolClassTest : public ::testing::Test {
 protected:
  config::Config config_ = guarded_config();
  Engine engine_{config_};
  const config::Subnet& subnet() const { return config_.subnets[0]; }
};

TEST_F(PoolClassTest, PhoneIsOfferedThePhonesPoolAndOthersTheGeneralPool) {
  classify::ClassSet phone;
  phone.add("phones");
  classify::ClassSet laptop;
  laptop.add("not-phones");
  auto phone_offer = engine_.offer(subnet(), classified(1, phone), {}, kStart_s);
  ASSERT_TRUE(phone_offer);
  EXPECT_EQ(phone_offer->address, ip("198.18.1.150"));
  auto laptop_offer = engine_.offer(subnet(), classified(2, laptop), {}, kStart_s);
  ASSERT_TRUE(laptop_offer);
  EXPECT_EQ(laptop_offer->address, ip("198.18.1.100"));
  engine_.check_invariants();
}

TEST_F(PoolClassTest, RequestedAddressOfAnotherClassesPoolIsNotOfferedNorAssigned) {
  classify::ClassSet laptop;
  laptop.add("not-phones");
  auto offered = engine_.offer(subnet(), classified(2, laptop), ip("198.18.1.150"), kStart_s);
  ASSERT_TRUE(offered);
  EXPECT_EQ(offered->address, ip("198.18.1.100"));
  auto assigned = engine_.assign(subnet(), classified(3, laptop), ip("198.18.1.151"), kStart_s);
  ASSERT_FALSE(assigned);
  EXPECT_EQ(assigned.error(), AllocError::NotInPool);
}

TEST_F(PoolClassTest, ClassOnlyPoolsExhaustedMeansNoOffer) {
  classify::ClassSet phone;
  phone.add("phones");
  ASSERT_TRUE(engine_.offer(subnet(), classified(1, phone), {}, kStart_s));
  ASSERT_TRUE(engine_.offer(subnet(), classified(2, phone), {}, kStart_s));
  auto third = engine_.offer(subnet(), classified(3, phone), {}, kStart_s);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error(), AllocError::PoolExhausted);
}

TEST_F(PoolClassTest, UnclassifiedClientIsKeptOutOfGuardedPools) {
  auto offered = engine_.offer(subnet(), client(4), {}, kStart_s);
  ASSERT_FALSE(offered);
  EXPECT_EQ(offered.error(), AllocError::PoolExhausted);
}

}  // namespace
}  // namespace bs::alloc::test
