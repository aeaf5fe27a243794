// lease4-add and lease4-update refuse leases no DHCP exchange could produce:
// on a subnet's network or broadcast address, ending later than the longest
// configured lifetime allows, or a second bound lease for one client in one
// subnet. Each refusal names the reason and changes nothing.
#include "control_fixture.h"

namespace bs::control::test {
namespace {

Json lease_at(const char* address, const char* mac = "02:00:5e:10:00:07") {
  return Json{{"ip-address", address}, {"hw-address", mac}};
}

std::string refusal(const Json& reply) {
  EXPECT_EQ(reply["result"], 1) << reply.dump();
  return reply.value("text", "");
}

TEST_F(ControlTest, AddRefusesNetworkAndBroadcastAddresses) {
  EXPECT_NE(refusal(run("lease4-add", lease_at("198.18.1.0")))
                .find("198.18.1.0 is the network address of subnet 1"),
            std::string::npos);
  EXPECT_NE(refusal(run("lease4-add", lease_at("198.18.1.255")))
                .find("198.18.1.255 is the broadcast address of subnet 1"),
            std::string::npos);
  Json forced = lease_at("198.18.1.255");
  forced["force-create"] = true;
  EXPECT_NE(refusal(run("lease4-update", forced)).find("broadcast address"), std::string::npos);
  EXPECT_EQ(store_.commit_count(), 0u);
  EXPECT_EQ(run("lease4-add", lease_at("198.18.1.254"))["result"], 0);
}

TEST_F(ControlTest, AddRefusesAnExpiryBeyondTheLongestLifetime) {
  // 6'000'000'000 is in 2160; the config's valid-lifetime is 3600 s. The
  // test clock starts in 2027, so the largest valid-lft ends in 2163.
  Json far = lease_at("198.18.1.105");
  far["expire"] = int64_t{6'000'000'000};
  EXPECT_NE(refusal(run("lease4-add", far)).find("longest configured valid-lifetime (3600 s)"),
            std::string::npos);
  Json long_lived = lease_at("198.18.1.105");
  long_lived["valid-lft"] = 4'294'967'295u;
  EXPECT_NE(refusal(run("lease4-add", long_lived)).find("would end at 2163-"), std::string::npos);
  EXPECT_EQ(store_.commit_count(), 0u);
  // A lease that ended in the past (a migration) and one of the configured
  // length are fine, and so is an update that leaves the times alone.
  Json past = lease_at("198.18.1.105");
  past["expire"] = clock_.now_s() - 10;
  EXPECT_EQ(run("lease4-add", past)["result"], 0);
  Json now = lease_at("198.18.1.106", "02:00:5e:10:00:08");
  now["expire"] = clock_.now_s() + 3600;
  EXPECT_EQ(run("lease4-add", now)["result"], 0);
  Json later = {{"ip-address", "198.18.1.106"}, {"expire", clock_.now_s() + 100'000}};
  EXPECT_NE(refusal(run("lease4-update", later)).find("valid-lifetime"), std::string::npos);
  EXPECT_EQ(run("lease4-update", {{"ip-address", "198.18.1.106"}, {"hostname", "pc"}})["result"],
            0);
}

TEST_F(ControlTest, AddRefusesASecondLeaseForOneClientInASubnet) {
  ASSERT_EQ(run("lease4-add", lease_at("198.18.1.105"))["result"], 0);
  EXPECT_NE(refusal(run("lease4-add", lease_at("198.18.1.106")))
                .find("hw-address 02:00:5e:10:00:07 already has lease 198.18.1.105 in subnet 1"),
            std::string::npos);
  // The same for a client-id, and for an update that moves a MAC over.
  Json with_id = lease_at("198.18.1.107", "02:00:5e:10:00:09");
  with_id["client-id"] = "01:02:03";
  ASSERT_EQ(run("lease4-add", with_id)["result"], 0);
  Json same_id = lease_at("198.18.1.108", "02:00:5e:10:00:0a");
  same_id["client-id"] = "01:02:03";
  EXPECT_NE(refusal(run("lease4-add", same_id)).find("client-id 01:02:03"), std::string::npos);
  EXPECT_NE(refusal(run("lease4-update",
                        {{"ip-address", "198.18.1.107"}, {"hw-address", "02:00:5e:10:00:07"}}))
                .find("already has lease 198.18.1.105"),
            std::string::npos);
  // A DHCP client's lease counts too.
  auto pc = client(1);
  ASSERT_EQ(pc.dora(), ip("198.18.1.100"));
  EXPECT_NE(refusal(run("lease4-add", lease_at("198.18.1.109", "02:cc:00:00:00:01")))
                .find("already has lease 198.18.1.100"),
            std::string::npos);
  // Once the first lease is gone, the client may have another.
  ASSERT_EQ(run("lease4-del", {{"ip-address", "198.18.1.105"}})["result"], 0);
  EXPECT_EQ(run("lease4-add", lease_at("198.18.1.106"))["result"], 0);
  EXPECT_EQ(store_.rows().size(), 3u);
  server_->engine().check_invariants();
}

}  // namespace
}  // namespace bs::control::test
