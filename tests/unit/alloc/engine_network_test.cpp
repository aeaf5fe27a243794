// The engine over a shared network's subnets (offer with several subnets)
// and pools guarded by client classes: which pools a client may draw from
// is decided by the ClassSet it carries, deterministically.
#include <gtest/gtest.h>

#include "alloc/engine.h"
#include "unit/alloc/alloc_fixture.h"

namespace bs::alloc::test {
namespace {

// Subnet 1's pool .100-.109 plus a phone pool .200-.201 guarded by
// VENDOR_CLASS_phone.
config::Config guarded_config() {
  config::Config config = office_config();
  config::Pool phones{ip("198.18.1.200"), ip("198.18.1.201")};
  phones.client_classes.classes = {"VENDOR_CLASS_phone"};
  config.subnets[0].pools.push_back(phones);
  return config;
}

classify::ClassSet phone_classes() {
  classify::ClassSet classes;
  classes.add(classify::kAll);
  classes.add_vendor_class("phone");
  return classes;
}

TEST(EnginePoolGuard, GuardedPoolServesOnlyClientsInItsClass) {
  const config::Config config = guarded_config();
  Engine engine(config);
  const classify::ClassSet phone_set = phone_classes();
  ClientIdentity phone = client(0x50);
  phone.classes = &phone_set;
  // The phone may use both pools; the lowest free address is the plain one.
  // Fill the plain pool first so the guard decides.
  uint8_t next_client = 1;
  for (uint32_t last : {100u, 101u, 102u, 103u, 104u, 106u, 107u, 108u}) {
    const Ip4 address{ip("198.18.1.0").value + last};
    ASSERT_TRUE(engine.assign(config.subnets[0], client(next_client++), address, kStart_s));
  }
  // .105 is reserved to the printer; .109 is the last free plain address.
  auto pc = engine.offer(config.subnets[0], client(20), {}, kStart_s);
  ASSERT_TRUE(pc);
  EXPECT_EQ(pc->address, ip("198.18.1.109"));
  ASSERT_TRUE(engine.assign(config.subnets[0], client(20), pc->address, kStart_s));
  // Plain pool full: a PC (no classes) is refused the phone pool.
  auto refused = engine.offer(config.subnets[0], client(21), {}, kStart_s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), AllocError::PoolExhausted);
  EXPECT_EQ(engine.assign(config.subnets[0], client(21), ip("198.18.1.200"), kStart_s).error(),
            AllocError::NotInPool);
  auto offered = engine.offer(config.subnets[0], phone, {}, kStart_s);
  ASSERT_TRUE(offered);
  EXPECT_EQ(offered->address, ip("198.18.1.200"));
  EXPECT_TRUE(engine.assign(config.subnets[0], phone, ip("198.18.1.200"), kStart_s));
  engine.check_invariants();
}

TEST(EnginePoolGuard, RequestedAddressInARefusedPoolIsNotOffered) {
  const config::Config config = guarded_config();
  Engine engine(config);
  auto offer = engine.offer(config.subnets[0], client(1), ip("198.18.1.201"), kStart_s);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->address, ip("198.18.1.100"));
}

// Two subnets as one network: subnet 2 (lab, .100-.101) then subnet 1.
TEST(EngineNetwork, OfferFallsThroughInTheGivenOrder) {
  const config::Config config = office_config();
  Engine engine(config);
  const config::Subnet* const order[] = {&config.subnets[1], &config.subnets[0]};
  for (uint8_t i = 1; i <= 2; ++i) {
    auto offer = engine.offer(order, client(i), {}, kStart_s);
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer->subnet_id, 2u);
    ASSERT_TRUE(engine.assign(config.subnets[1], client(i), offer->address, kStart_s));
  }
  auto third = engine.offer(order, client(3), {}, kStart_s);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->subnet_id, 1u);
  EXPECT_EQ(third->address, ip("198.18.1.100"));
  // The single-subnet form still reports exhaustion.
  EXPECT_EQ(engine.offer(config.subnets[1], client(4), {}, kStart_s).error(),
            AllocError::PoolExhausted);
}

TEST(EngineNetwork, HeldAddressAndReservationWinOverTheOrder) {
  const config::Config config = office_config();
  Engine engine(config);
  const config::Subnet* const order[] = {&config.subnets[1], &config.subnets[0]};
  // The counter's reservation lives in subnet 1, listed second.
  auto reserved = engine.offer(order, client(0x99), {}, kStart_s);
  ASSERT_TRUE(reserved);
  EXPECT_EQ(reserved->address, ip("198.18.1.50"));
  // A client holding an address in subnet 1 keeps it.
  ASSERT_TRUE(engine.assign(config.subnets[0], client(5), ip("198.18.1.107"), kStart_s));
  auto held = engine.offer(order, client(5), {}, kStart_s + 10);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->address, ip("198.18.1.107"));
  // A requested address of the second subnet is honoured there.
  auto requested = engine.offer(order, client(6), ip("198.18.1.103"), kStart_s);
  ASSERT_TRUE(requested);
  EXPECT_EQ(requested->address, ip("198.18.1.103"));
  EXPECT_EQ(requested->subnet_id, 1u);
  engine.check_invariants();
}

}  // namespace
}  // namespace bs::alloc::test
