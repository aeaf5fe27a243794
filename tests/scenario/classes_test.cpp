// Scenario tests of Kea's client classes through the real pipeline: which
// class a query falls in (vendor class, option 93, KNOWN/UNKNOWN, a
// reservation's classes), what a class does (options, BOOTP fields, valid
// lifetime, DROP, access to a subnet), Kea's option precedence, and the
// required classes evaluated only after the subnet and lease are chosen.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "scenario_fixture.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

Ip4 ip(const char* text) { return *parse_ip4(text); }
Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

// The office subnet (198.18.1.0/24, pool .100-.109) with `classes` and
// extra subnet settings.
constexpr const char* kOfficePools = R"~([{"pool": "198.18.1.100 - 198.18.1.109"}])~";

std::string office_config(const std::string& classes, const std::string& subnet_extra = "",
                          const std::string& global_extra = "",
                          const std::string& pools = kOfficePools) {
  return R"~({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "valid-lifetime": 3600, )~" +
         global_extra + R"~(
  "client-classes": )~" +
         classes + R"~(,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "pools": )~" +
         pools + subnet_extra + "}]}}";
}

std::string option_text(const Reply& reply, uint8_t code) {
  const wire::Option* option = reply.packet.find(code);
  if (option == nullptr) return "<none>";
  return std::string(option->data.begin(), option->data.end());
}

std::string file_of(const Reply& reply) {
  return std::string(reinterpret_cast<const char*>(reply.packet.file.data()));
}

class ClassesTest : public ScenarioTest {
 protected:
  TestClient client(uint8_t mac_last_byte) {
    TestClient out(transport_, *server_, mac_last_byte);
    out.parameter_request_list = {1, 3, 6, 15, 42, 66, 67};
    return out;
  }

  // DISCOVER then REQUEST; the ACK.
  std::optional<Reply> ack_for(TestClient& c) {
    auto offer = c.discover();
    if (!offer) return std::nullopt;
    return c.request_selecting(offer->packet.yiaddr, office_link().address);
  }
};

TEST_F(ClassesTest, VendorClassSelectsTheClassOptions) {
  start(office_config(R"~([{"name": "phones", "test": "option[60].text == 'SIP-phone'",
      "option-data": [{"name": "tftp-server-name", "data": "prov.example"}]}])~"));
  TestClient phone = client(1);
  phone.extra_options = {{wire::opt::kVendorClassId, text_bytes("SIP-phone")}};
  TestClient pc = client(2);
  pc.extra_options = {{wire::opt::kVendorClassId, text_bytes("MSFT 5.0")}};
  auto phone_offer = phone.discover();
  auto pc_offer = pc.discover();
  ASSERT_TRUE(phone_offer && pc_offer);
  EXPECT_EQ(option_text(*phone_offer, wire::opt::kTftpServerName), "prov.example");
  EXPECT_EQ(option_text(*pc_offer, wire::opt::kTftpServerName), "<none>");
  auto phone_ack = phone.request_selecting(phone_offer->packet.yiaddr, office_link().address);
  ASSERT_TRUE(phone_ack);
  EXPECT_EQ(option_text(*phone_ack, wire::opt::kTftpServerName), "prov.example");
}

TEST_F(ClassesTest, BuiltinVendorClassCarriesOptions) {
  start(office_config(R"~([{"name": "VENDOR_CLASS_docsis3.0",
      "option-data": [{"name": "domain-name", "data": "cable.example"}]}])~"));
  TestClient modem = client(1);
  modem.extra_options = {{wire::opt::kVendorClassId, text_bytes("docsis3.0")}};
  auto offer = modem.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(option_text(*offer, wire::opt::kDomainName), "cable.example");
}

TEST_F(ClassesTest, ArchitectureOption93PicksTheBootFile) {
  start(office_config(R"~([
      {"name": "uefi", "test": "option[93].hex == 0x0007",
       "next-server": "198.18.1.5", "boot-file-name": "ipxe.efi"},
      {"name": "bios", "test": "option[93].hex == 0x0000",
       "next-server": "198.18.1.6", "boot-file-name": "undionly.kpxe"}])~"));
  TestClient uefi = client(1);
  uefi.extra_options = {{93, Bytes{0x00, 0x07}}};
  TestClient bios = client(2);
  bios.extra_options = {{93, Bytes{0x00, 0x00}}};
  auto uefi_offer = uefi.discover();
  auto bios_offer = bios.discover();
  ASSERT_TRUE(uefi_offer && bios_offer);
  EXPECT_EQ(file_of(*uefi_offer), "ipxe.efi");
  EXPECT_EQ(uefi_offer->packet.siaddr, ip("198.18.1.5"));
  EXPECT_EQ(file_of(*bios_offer), "undionly.kpxe");
  EXPECT_EQ(bios_offer->packet.siaddr, ip("198.18.1.6"));
}

TEST_F(ClassesTest, KnownAndUnknownFollowTheReservation) {
  start(office_config(R"~([
      {"name": "registered", "test": "member('KNOWN')",
       "option-data": [{"name": "domain-name", "data": "staff.example"}]},
      {"name": "guests", "test": "member('UNKNOWN')",
       "option-data": [{"name": "domain-name", "data": "guest.example"}]}])~",
                      R"~(, "reservations": [{"hw-address": "02:cc:00:00:00:01",
                                             "ip-address": "198.18.1.20"}])~"));
  TestClient staff = client(1);
  TestClient guest = client(2);
  auto staff_offer = staff.discover();
  auto guest_offer = guest.discover();
  ASSERT_TRUE(staff_offer && guest_offer);
  EXPECT_EQ(staff_offer->packet.yiaddr, ip("198.18.1.20"));
  EXPECT_EQ(option_text(*staff_offer, wire::opt::kDomainName), "staff.example");
  EXPECT_EQ(option_text(*guest_offer, wire::opt::kDomainName), "guest.example");
}

TEST_F(ClassesTest, DropClassIsDroppedAndCounted) {
  start(office_config(R"~([{"name": "DROP", "test": "option[60].text == 'rogue'"}])~"));
  TestClient rogue = client(1);
  rogue.extra_options = {{wire::opt::kVendorClassId, text_bytes("rogue")}};
  EXPECT_FALSE(rogue.discover());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::DropClass), 1u);
  TestClient honest = client(2);
  EXPECT_TRUE(honest.discover());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::DropClass), 1u);
}

TEST_F(ClassesTest, DropAfterTheHostLookup) {
  start(office_config(R"~([{"name": "DROP", "test": "member('UNKNOWN')"}])~",
                      R"~(, "reservations": [{"hw-address": "02:cc:00:00:00:01",
                                             "ip-address": "198.18.1.20"}])~"));
  TestClient known = client(1);
  TestClient stranger = client(2);
  EXPECT_TRUE(known.discover());
  EXPECT_FALSE(stranger.discover());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::DropClass), 1u);
}

TEST_F(ClassesTest, ClassGuardOnTheSubnet) {
  start(office_config(R"~([{"name": "phones", "test": "option[60].text == 'SIP-phone'"}])~",
                      R"~(, "client-class": "phones")~"));
  TestClient phone = client(1);
  phone.extra_options = {{wire::opt::kVendorClassId, text_bytes("SIP-phone")}};
  TestClient pc = client(2);
  EXPECT_TRUE(phone.discover());
  EXPECT_FALSE(pc.discover());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::NoSubnet), 1u);
}

// Two subnets behind the same relay: phones get the first, guarded one.
TEST_F(ClassesTest, ClassChoosesTheSubnetBehindARelay) {
  start(R"~({"Dhcp4": {
    "interfaces-config": {"interfaces": ["office0"]},
    "lease-database": {"type": "sqlite", "name": "/unused"},
    "client-classes": [{"name": "phones", "test": "option[60].text == 'SIP-phone'"}],
    "subnet4": [
      {"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]},
      {"id": 2, "subnet": "198.18.4.0/24", "pools": [{"pool": "198.18.4.100 - 198.18.4.109"}],
       "relay": {"ip-addresses": ["198.18.3.1"]}, "client-classes": ["phones"]},
      {"id": 3, "subnet": "198.18.5.0/24", "pools": [{"pool": "198.18.5.100 - 198.18.5.109"}],
       "relay": {"ip-addresses": ["198.18.3.1"]}}]}})~");
  TestClient phone = client(1);
  phone.giaddr = ip("198.18.3.1");
  phone.extra_options = {{wire::opt::kVendorClassId, text_bytes("SIP-phone")}};
  TestClient pc = client(2);
  pc.giaddr = ip("198.18.3.1");
  auto phone_offer = phone.discover();
  auto pc_offer = pc.discover();
  ASSERT_TRUE(phone_offer && pc_offer);
  EXPECT_EQ(phone_offer->packet.yiaddr, ip("198.18.4.100"));
  EXPECT_EQ(pc_offer->packet.yiaddr, ip("198.18.5.100"));
}

// Kea's buildCfgOptionList: host, pool, subnet, classes in the order they
// were assigned, global.
TEST_F(ClassesTest, OptionPrecedenceIsKeas) {
  start(office_config(R"~([
      {"name": "first", "test": "option[60].exists",
       "option-data": [{"name": "domain-name", "data": "first.example"},
                       {"name": "domain-name-servers", "data": "198.18.9.1"},
                       {"name": "ntp-servers", "data": "198.18.9.1"},
                       {"name": "tftp-server-name", "data": "first-tftp"},
                       {"name": "boot-file-name", "data": "first.bin"}]},
      {"name": "second", "test": "member('first')",
       "option-data": [{"name": "domain-name", "data": "second.example"},
                       {"name": "routers", "data": "198.18.1.2"}]}])~",
                      R"~(, "option-data": [{"name": "domain-name-servers", "data": "198.18.1.53"}],
      "reservations": [{"hw-address": "02:cc:00:00:00:01",
                        "option-data": [{"name": "tftp-server-name", "data": "host-tftp"}]}])~",
                      R"~("option-data": [{"name": "routers", "data": "198.18.1.1"},
                                         {"name": "boot-file-name", "data": "global.bin"},
                                         {"name": "domain-name", "data": "global.example"}],)~",
                      R"~([{"pool": "198.18.1.100 - 198.18.1.109",
                  "option-data": [{"name": "ntp-servers", "data": "198.18.1.123"}]}])~"));
  TestClient host = client(1);
  host.extra_options = {{wire::opt::kVendorClassId, text_bytes("x")}};
  auto ack = ack_for(host);
  ASSERT_TRUE(ack);
  EXPECT_EQ(option_text(*ack, wire::opt::kTftpServerName), "host-tftp");  // host over class
  const wire::Option* ntp = ack->packet.find(42);
  ASSERT_NE(ntp, nullptr);
  EXPECT_EQ(ntp->data, (Bytes{198, 18, 1, 123}));  // pool over class
  EXPECT_EQ(ack->packet.option_ip(wire::opt::kDomainNameServers), ip("198.18.1.53"));  // subnet
  EXPECT_EQ(option_text(*ack, wire::opt::kDomainName), "first.example");    // first class wins
  EXPECT_EQ(ack->packet.option_ip(wire::opt::kRouters), ip("198.18.1.2"));  // class over global
  EXPECT_EQ(option_text(*ack, wire::opt::kBootFileName), "first.bin");
  TestClient other = client(2);
  auto plain = other.discover();
  ASSERT_TRUE(plain);
  EXPECT_EQ(option_text(*plain, wire::opt::kDomainName), "global.example");
  EXPECT_EQ(plain->packet.option_ip(wire::opt::kRouters), ip("198.18.1.1"));
}

// Kea's setFixedFields: reservation over class over subnet, field by field.
TEST_F(ClassesTest, BootFieldsFromTheClass) {
  start(office_config(R"~([{"name": "pxe", "test": "option[60].exists",
                           "next-server": "198.18.1.7", "boot-file-name": "class.bin"}])~",
                      R"~(, "next-server": "198.18.1.4", "server-hostname": "subnet-host",
      "boot-file-name": "subnet.bin",
      "reservations": [{"hw-address": "02:cc:00:00:00:02", "boot-file-name": "host.bin"}])~"));
  TestClient pxe = client(1);
  pxe.extra_options = {{wire::opt::kVendorClassId, text_bytes("PXEClient")}};
  auto offer = pxe.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(file_of(*offer), "class.bin");
  EXPECT_EQ(offer->packet.siaddr, ip("198.18.1.7"));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(offer->packet.sname.data())), "subnet-host");
  TestClient reserved = client(2);
  reserved.extra_options = pxe.extra_options;
  auto reserved_offer = reserved.discover();
  ASSERT_TRUE(reserved_offer);
  EXPECT_EQ(file_of(*reserved_offer), "host.bin");
  EXPECT_EQ(reserved_offer->packet.siaddr, ip("198.18.1.7"));
}

TEST_F(ClassesTest, ValidLifetimeFromTheClass) {
  start(office_config(R"~([{"name": "kiosks", "test": "option[60].text == 'kiosk'",
                           "valid-lifetime": 600, "max-valid-lifetime": 900}])~"));
  TestClient kiosk = client(1);
  kiosk.extra_options = {{wire::opt::kVendorClassId, text_bytes("kiosk")}};
  auto ack = ack_for(kiosk);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.option_u32(wire::opt::kLeaseTime), 600u);
  const Lease* lease = server_->engine().find_by_address(ack->packet.yiaddr);
  ASSERT_NE(lease, nullptr);
  EXPECT_EQ(lease->valid_lifetime_s, 600u);
  // A requested lifetime is clamped to the class's bounds, not the subnet's.
  TestClient greedy = client(2);
  greedy.extra_options = {{wire::opt::kVendorClassId, text_bytes("kiosk")},
                          {wire::opt::kLeaseTime, Bytes{0, 0, 0x1c, 0x20}}};  // 7200 s
  auto greedy_offer = greedy.discover();
  ASSERT_TRUE(greedy_offer);
  EXPECT_EQ(greedy_offer->packet.option_u32(wire::opt::kLeaseTime), 900u);
  TestClient pc = client(3);
  auto pc_ack = ack_for(pc);
  ASSERT_TRUE(pc_ack);
  EXPECT_EQ(pc_ack->packet.option_u32(wire::opt::kLeaseTime), 3600u);
}

// only-if-required classes are evaluated after the lease is chosen, and
// only where a subnet or pool asks for them: too late to choose a subnet.
TEST_F(ClassesTest, RequiredClassesOnlyAfterSelection) {
  start(office_config(R"~([
      {"name": "voip", "only-if-required": true, "test": "option[60].text == 'SIP-phone'",
       "option-data": [{"name": "tftp-server-name", "data": "voip-tftp"}]},
      {"name": "unrequired", "only-if-required": true, "test": "option[60].exists",
       "option-data": [{"name": "domain-name", "data": "never.example"}]},
      {"name": "sees-voip", "test": "member('voip')",
       "option-data": [{"name": "boot-file-name", "data": "too-early"}]}])~",
                      R"~(, "require-client-classes": ["voip"])~"));
  TestClient phone = client(1);
  phone.extra_options = {{wire::opt::kVendorClassId, text_bytes("SIP-phone")}};
  auto ack = ack_for(phone);
  ASSERT_TRUE(ack);
  EXPECT_EQ(option_text(*ack, wire::opt::kTftpServerName), "voip-tftp");
  EXPECT_EQ(option_text(*ack, wire::opt::kDomainName), "<none>");
  EXPECT_EQ(option_text(*ack, wire::opt::kBootFileName), "<none>");
}

TEST_F(ClassesTest, RequiredClassCannotOpenASubnet) {
  start(office_config(R"~([{"name": "voip", "only-if-required": true,
                            "test": "option[60].text == 'SIP-phone'"},
                           {"name": "desk", "test": "option[60].text == 'desk-phone'"}])~",
                      R"~(, "client-classes": ["voip", "desk"],
                            "require-client-classes": ["voip"])~"));
  TestClient phone = client(1);
  phone.extra_options = {{wire::opt::kVendorClassId, text_bytes("SIP-phone")}};
  TestClient desk = client(2);
  desk.extra_options = {{wire::opt::kVendorClassId, text_bytes("desk-phone")}};
  EXPECT_FALSE(phone.discover());
  EXPECT_EQ(server_->counters().dropped(server::DropReason::NoSubnet), 1u);
  EXPECT_TRUE(desk.discover());
}

TEST_F(ClassesTest, PoolRequiredClasses) {
  start(office_config(R"~([{"name": "pool-extra", "only-in-additional-list": true,
                           "test": "member('ALL')",
                           "option-data": [{"name": "domain-name", "data": "pool.example"}]}])~",
                      "", "",
                      R"~([{"pool": "198.18.1.100 - 198.18.1.109",
                           "evaluate-additional-classes": ["pool-extra"]}])~"));
  TestClient pc = client(1);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(option_text(*offer, wire::opt::kDomainName), "pool.example");
}

// Two additional classes set the same option, one asked for by the subnet
// and one by the pool: the first evaluated wins. Kea 2.2 evaluates the
// subnet's before the pool's; current Kea the pool's first, so a file in
// current Kea's spelling gets current Kea's answer.
std::string additional_order_config(const char* subnet_key, const char* pool_key) {
  const char* spelling = std::string_view(subnet_key) == "require-client-classes"
                             ? "only-if-required"
                             : "only-in-additional-list";
  return office_config(std::string(R"~([
      {"name": "by-subnet", ")~") +
                           spelling + R"~(": true, "test": "member('ALL')",
       "option-data": [{"name": "domain-name", "data": "subnet.example"}]},
      {"name": "by-pool", ")~" +
                           spelling + R"~(": true, "test": "member('ALL')",
       "option-data": [{"name": "domain-name", "data": "pool.example"}]}])~",
                       std::string(", \"") + subnet_key + "\": [\"by-subnet\"]", "",
                       std::string(R"~([{"pool": "198.18.1.100 - 198.18.1.109", ")~") + pool_key +
                           R"~(": ["by-pool"]}])~");
}

TEST_F(ClassesTest, AdditionalClassesInKea22OrderSubnetFirst) {
  start(additional_order_config("require-client-classes", "require-client-classes"));
  EXPECT_FALSE(config_.additional_classes_pool_first);
  auto offer = client(1).discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(option_text(*offer, wire::opt::kDomainName), "subnet.example");
}

TEST_F(ClassesTest, AdditionalClassesInCurrentKeaOrderPoolFirst) {
  start(additional_order_config("evaluate-additional-classes", "evaluate-additional-classes"));
  EXPECT_TRUE(config_.additional_classes_pool_first);
  auto offer = client(1).discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(option_text(*offer, wire::opt::kDomainName), "pool.example");
}

// A reservation's classes join the query, and the first pass is redone
// after them, so tests using member() of such a class see it.
TEST_F(ClassesTest, ReservationClasses) {
  start(office_config(R"~([
      {"name": "printers",
       "option-data": [{"name": "domain-name", "data": "print.example"}]},
      {"name": "not-printer", "test": "not member('printers')",
       "option-data": [{"name": "tftp-server-name", "data": "pc-tftp"}]},
      {"name": "printer-extra", "test": "member('printers')",
       "option-data": [{"name": "boot-file-name", "data": "printer.cfg"}]}])~",
                      R"~(, "reservations": [{"hw-address": "02:cc:00:00:00:01",
                                             "client-classes": ["printers"]}])~"));
  TestClient printer = client(1);
  auto offer = printer.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(option_text(*offer, wire::opt::kDomainName), "print.example");
  EXPECT_EQ(option_text(*offer, wire::opt::kBootFileName), "printer.cfg");
  EXPECT_EQ(option_text(*offer, wire::opt::kTftpServerName), "<none>");
  TestClient pc = client(2);
  auto pc_offer = pc.discover();
  ASSERT_TRUE(pc_offer);
  EXPECT_EQ(option_text(*pc_offer, wire::opt::kDomainName), "<none>");
  EXPECT_EQ(option_text(*pc_offer, wire::opt::kTftpServerName), "pc-tftp");
}

}  // namespace
}  // namespace bs::testing
