// Scenario: a VoIP phone asks for its provisioning options (43, 66, 120,
// 125, 150) and gets the bytes Kea would send for the same config, with
// option 120 and 150 defined by blackstart itself. The expected bytes are
// written out by hand from RFC 2132 (43), RFC 3361 (120), RFC 3925 (125)
// and RFC 5859 (150), not produced by the encoder under test.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "config/config.h"
#include "scenario_fixture.h"
#include "store/lease_store.h"
#include "test_client.h"

namespace bs::testing {
namespace {

using wire::MessageType;

Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

constexpr const char* kPhoneConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["office0"]},
  "lease-database": {"type": "sqlite", "name": "/unused"},
  "option-def": [
    {"name": "vendor-encapsulated-options", "code": 43, "type": "empty", "encapsulate": "phone"},
    {"name": "config-url", "code": 1, "space": "phone", "type": "string"},
    {"name": "voice-vlan", "code": 2, "space": "phone", "type": "uint16"},
    {"name": "call-manager", "code": 5, "space": "vendor-9", "type": "ipv4-address", "array": true}
  ],
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}],
    "option-data": [
      {"name": "vendor-encapsulated-options"},
      {"name": "voice-vlan", "space": "phone", "data": "20"},
      {"name": "config-url", "space": "phone", "data": "http://198.18.1.5/"},
      {"name": "tftp-server-name", "data": "tftp.example"},
      {"name": "sip-server", "data": "198.18.1.7, 198.18.1.8"},
      {"name": "tftp-server-address", "data": "198.18.1.5, 198.18.1.6"},
      {"name": "vivso-suboptions", "data": "9"},
      {"name": "call-manager", "space": "vendor-9", "data": "198.18.1.9", "always-send": true}
    ]}]}})";

class PhoneOptionsTest : public ScenarioTest {
 protected:
  void SetUp() override { start(kPhoneConfig); }
};

TEST_F(PhoneOptionsTest, PhoneGetsItsProvisioningOptionsAsKeaEncodesThem) {
  TestClient phone(transport_, *server_, 1);
  phone.parameter_request_list = {1, 3, 43, 66, 120, 125, 150};
  auto offer = phone.discover();
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->packet.message_type(), MessageType::Offer);
  const wire::Packet& reply = offer->packet;

  // 43: the sub-options of "phone" in code order, each code, length, value.
  const wire::Option* vendor = reply.find(43);
  ASSERT_NE(vendor, nullptr);
  EXPECT_EQ(vendor->data, cat({{1, 18}, text_bytes("http://198.18.1.5/"), {2, 2, 0x00, 0x14}}));

  const wire::Option* tftp_name = reply.find(66);
  ASSERT_NE(tftp_name, nullptr);
  EXPECT_EQ(tftp_name->data, text_bytes("tftp.example"));

  // 120, RFC 3361: encoding 1 (addresses), then four bytes per server.
  const wire::Option* sip = reply.find(120);
  ASSERT_NE(sip, nullptr);
  EXPECT_EQ(sip->data, (Bytes{0x01, 198, 18, 1, 7, 198, 18, 1, 8}));

  // 125, RFC 3925: enterprise 9 (Cisco) in four bytes, data length, then
  // sub-option 5 with one address.
  const wire::Option* vivso = reply.find(125);
  ASSERT_NE(vivso, nullptr);
  EXPECT_EQ(vivso->data, (Bytes{0x00, 0x00, 0x00, 0x09, 6, 5, 4, 198, 18, 1, 9}));

  // 150, RFC 5859: the TFTP servers, four bytes each.
  const wire::Option* tftp = reply.find(150);
  ASSERT_NE(tftp, nullptr);
  EXPECT_EQ(tftp->data, (Bytes{198, 18, 1, 5, 198, 18, 1, 6}));

  // The same bytes in the ACK.
  auto ack = phone.request_selecting(reply.yiaddr, *reply.option_ip(wire::opt::kServerId));
  ASSERT_TRUE(ack);
  ASSERT_NE(ack->packet.find(43), nullptr);
  EXPECT_EQ(ack->packet.find(43)->data, vendor->data);
  EXPECT_EQ(ack->packet.find(125)->data, vivso->data);
}

// A PC that does not ask for them gets none of the phone options.
TEST_F(PhoneOptionsTest, ClientThatDoesNotAskGetsNone) {
  TestClient pc(transport_, *server_, 2);
  auto offer = pc.discover();
  ASSERT_TRUE(offer);
  for (const uint8_t code : std::initializer_list<uint8_t>{43, 66, 120, 125, 150})
    EXPECT_EQ(offer->packet.find(code), nullptr) << int(code);
}

}  // namespace
}  // namespace bs::testing
