// The lease4-* commands against a real pipeline: what they return, that
// changes reach the lease store before they are reported, that bad input
// changes nothing, and that the engine's indexes stay consistent.
#include "control_fixture.h"

namespace bs::control::test {
namespace {

Json pc_lease(const char* address = "198.18.1.105") {
  return Json{{"ip-address", address},
              {"hw-address", "02:00:5e:10:00:07"},
              {"client-id", "01:02:00:5e:10:00:07"},
              {"hostname", "Desk-7"}};
}

TEST_F(ControlTest, AddGetUpdateDelete) {
  Json added = run("lease4-add", pc_lease());
  ASSERT_EQ(added["result"], 0) << added.dump();
  ASSERT_EQ(store_.rows().size(), 1u);  // durable before "added"
  EXPECT_EQ(store_.rows()[0].hostname, "Desk-7");

  Json got = run("lease4-get", {{"ip-address", "198.18.1.105"}});
  ASSERT_EQ(got["result"], 0) << got.dump();
  EXPECT_EQ(got["arguments"]["hw-address"], "02:00:5e:10:00:07");
  EXPECT_EQ(got["arguments"]["subnet-id"], 1);
  EXPECT_EQ(got["arguments"]["valid-lft"], 3600);
  EXPECT_EQ(got["arguments"]["state"], 0);
  EXPECT_EQ(
      run("lease4-get-by-hw-address", {{"hw-address", "02-00-5E-10-00-07"}})["arguments"]["leases"]
          .size(),
      1u);
  EXPECT_EQ(run("lease4-get-by-client-id", {{"client-id", "01:02:00:5e:10:00:07"}})["result"], 0);
  EXPECT_EQ(run("lease4-get-by-hostname", {{"hostname", "desk-7"}})["result"], 0);
  EXPECT_EQ(run("lease4-get", {{"identifier-type", "hw-address"},
                               {"identifier", "02:00:5e:10:00:07"},
                               {"subnet-id", 1}})["result"],
            0);

  Json updated = run("lease4-update", {{"ip-address", "198.18.1.105"}, {"hostname", "desk-7b"}});
  ASSERT_EQ(updated["result"], 0) << updated.dump();
  EXPECT_EQ(store_.rows()[0].hostname, "desk-7b");
  EXPECT_EQ(store_.rows()[0].hw_address, *parse_hwaddr("02:00:5e:10:00:07"));  // kept

  EXPECT_EQ(run("lease4-del", {{"ip-address", "198.18.1.105"}})["result"], 0);
  EXPECT_TRUE(store_.rows().empty());
  EXPECT_EQ(run("lease4-get", {{"ip-address", "198.18.1.105"}})["result"], 3);
  EXPECT_EQ(run("lease4-del", {{"ip-address", "198.18.1.105"}})["result"], 3);
  server_->engine().check_invariants();
}

TEST_F(ControlTest, AddedLeaseIsNeverOfferedToAnotherClient) {
  ASSERT_EQ(run("lease4-add", pc_lease("198.18.1.100"))["result"], 0);
  auto pc = client(1);
  EXPECT_EQ(pc.dora(), ip("198.18.1.101"));
  server_->engine().check_invariants();
}

TEST_F(ControlTest, DhcpLeasesAreListed) {
  auto a = client(1);
  auto b = client(2);
  ASSERT_EQ(a.dora(), ip("198.18.1.100"));
  ASSERT_EQ(b.dora(), ip("198.18.1.101"));
  Json all = run("lease4-get-all");
  ASSERT_EQ(all["result"], 0);
  ASSERT_EQ(all["arguments"]["leases"].size(), 2u);
  EXPECT_EQ(all["arguments"]["leases"][0]["ip-address"], "198.18.1.100");
  Json none = run("lease4-get-all", {{"subnets", Json::array({7})}});
  EXPECT_EQ(none["result"], 3) << none.dump();
  Json page = run("lease4-get-page", {{"from", "198.18.1.100"}, {"limit", 10}});
  ASSERT_EQ(page["arguments"]["leases"].size(), 1u);
  EXPECT_EQ(page["arguments"]["leases"][0]["ip-address"], "198.18.1.101");
  EXPECT_EQ(run("lease4-get-page", {{"from", "start"}, {"limit", 1}})["arguments"]["count"], 1);
}

TEST_F(ControlTest, AddRefusesWhatWouldBreakAPromise) {
  auto pc = client(1);
  ASSERT_EQ(pc.dora(), ip("198.18.1.100"));
  const size_t commits = store_.commit_count();
  // Bound to a DHCP client.
  Json taken = run("lease4-add", pc_lease("198.18.1.100"));
  EXPECT_EQ(taken["result"], 1);
  EXPECT_NE(taken["text"].get<std::string>().find("already exists"), std::string::npos);
  // Reserved for another device.
  Json reserved = run("lease4-add", pc_lease("198.18.1.50"));
  EXPECT_EQ(reserved["result"], 1);
  EXPECT_NE(reserved["text"].get<std::string>().find("reserved for 02:cc:00:00:00:99"),
            std::string::npos);
  // Outside every subnet, or in a subnet that does not exist.
  EXPECT_EQ(run("lease4-add", pc_lease("198.18.9.9"))["result"], 1);
  Json wrong_subnet = pc_lease();
  wrong_subnet["subnet-id"] = 9;
  EXPECT_EQ(run("lease4-add", wrong_subnet)["result"], 1);
  // Update of a lease that does not exist, unless forced.
  EXPECT_EQ(run("lease4-update", pc_lease("198.18.1.106"))["result"], 3);
  Json forced = pc_lease("198.18.1.106");
  forced["force-create"] = true;
  EXPECT_EQ(run("lease4-update", forced)["result"], 0);
  EXPECT_EQ(store_.commit_count(), commits + 1);  // only the forced update reached the store
}

TEST_F(ControlTest, StoreFailureChangesNothing) {
  store_.set_failing(true);
  Json added = run("lease4-add", pc_lease());
  EXPECT_EQ(added["result"], 1);
  EXPECT_NE(added["text"].get<std::string>().find("nothing changed"), std::string::npos);
  EXPECT_EQ(server_->engine().find_by_address(ip("198.18.1.105")), nullptr);
  server_->engine().check_invariants();
  store_.set_failing(false);
  EXPECT_EQ(run("lease4-add", pc_lease())["result"], 0);
}

TEST_F(ControlTest, WipeDeletesOneSubnetInOneCommit) {
  auto a = client(1);
  auto b = client(2);
  a.dora();
  b.dora();
  const size_t commits = store_.commit_count();
  Json wiped = run("lease4-wipe", {{"subnet-id", 1}});
  EXPECT_EQ(wiped["result"], 0) << wiped.dump();
  EXPECT_EQ(wiped["text"], "Deleted 2 IPv4 lease(s) from subnet 1.");
  EXPECT_EQ(store_.commit_count(), commits + 1);
  EXPECT_TRUE(store_.rows().empty());
  EXPECT_EQ(run("lease4-wipe")["result"], 3);
  server_->engine().check_invariants();
}

TEST_F(ControlTest, BadArgumentsAreClearErrorsAndChangeNothing) {
  const size_t commits = store_.commit_count();
  const auto text_of = [&](const Json& request) {
    Json reply = run(request);
    EXPECT_EQ(reply["result"], 1) << reply.dump();
    return reply["text"].get<std::string>();
  };
  EXPECT_NE(text_of({{"command", "lease4-add"}, {"arguments", {{"ip-address", 5}}}})
                .find("'ip-address' must be a string"),
            std::string::npos);
  EXPECT_NE(text_of({{"command", "lease4-add"}, {"arguments", {{"ip-address", "300.1.1.1"}}}})
                .find("IPv4 address"),
            std::string::npos);
  EXPECT_NE(text_of({{"command", "lease4-add"},
                     {"arguments", {{"ip-address", "198.18.1.101"}, {"hw-address", "zz"}}}})
                .find("hardware address"),
            std::string::npos);
  EXPECT_NE(text_of({{"command", "lease4-add"},
                     {"arguments",
                      {{"ip-address", "198.18.1.101"},
                       {"hw-address", "02:00:00:00:00:01"},
                       {"valid-lft", -1}}}})
                .find("between"),
            std::string::npos);
  EXPECT_NE(text_of({{"command", "lease4-get"}, {"arguments", {{"ip-adress", "198.18.1.1"}}}})
                .find("unknown argument 'ip-adress'"),
            std::string::npos);
  EXPECT_NE(text_of({{"command", "lease4-get-all"}, {"arguments", "all"}}).find("must be a map"),
            std::string::npos);
  EXPECT_NE(
      text_of({{"command", "lease4-get-all"}, {"arguments", {{"subnets", Json::array({"1"})}}}})
          .find("subnet ids"),
      std::string::npos);
  EXPECT_EQ(store_.commit_count(), commits);
  EXPECT_EQ(server_->engine().lease_count(), 0u);
}

}  // namespace
}  // namespace bs::control::test
