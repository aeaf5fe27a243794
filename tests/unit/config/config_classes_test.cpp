// Kea's "client-classes" and the class settings on subnets, pools and
// reservations, in both spellings (Kea 2.2 and current), with the checks
// Kea makes: unique names, member() only of classes defined above, test
// errors with their position, built-ins without tests.
#include <gtest/gtest.h>

#include "config/config.h"
#include "test_util.h"

namespace bs::config::testing {
namespace {

std::string with_classes(const std::string& classes, const std::string& subnet_extra = "",
                         const std::string& pool_extra = "") {
  return R"~({"Dhcp4": {
  "valid-lifetime": 3600,
  "client-classes": )~" +
         classes + R"~(,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24" )~" +
         subnet_extra + R"~(,
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109" )~" +
         pool_extra + R"~(}]}]}})~";
}

std::string parse_error(const std::string& text) {
  auto config = parse_config(text, "classes.json");
  EXPECT_FALSE(config.has_value());
  return config ? "" : config.error().to_string();
}

TEST(ConfigClasses, ReadsEveryClassSetting) {
  const Config config = parse_ok(with_classes(R"~([
    {"name": "phones", "test": "option[60].text == 'SIP-phone'",
     "option-data": [{"name": "tftp-server-name", "data": "198.18.1.5"}],
     "next-server": "198.18.1.5", "server-hostname": "prov", "boot-file-name": "phone.cfg",
     "valid-lifetime": 600, "min-valid-lifetime": 300, "max-valid-lifetime": 900,
     "user-context": {"site": "hall"}, "comment": "desk phones"},
    {"name": "late", "only-if-required": true, "test": "member('phones')"}
  ])~"));
  ASSERT_EQ(config.client_classes.size(), 2u);
  const ClientClass& phones = config.client_classes[0];
  EXPECT_EQ(phones.name, "phones");
  ASSERT_TRUE(phones.test.has_value());
  EXPECT_EQ(phones.test->text(), "option[60].text == 'SIP-phone'");
  ASSERT_EQ(phones.options.size(), 1u);
  EXPECT_EQ(phones.options[0].code, 66);
  EXPECT_EQ(phones.boot.next_server, ip("198.18.1.5"));
  EXPECT_EQ(phones.boot.server_hostname, "prov");
  EXPECT_EQ(phones.boot.boot_file_name, "phone.cfg");
  ASSERT_TRUE(phones.lifetime.has_value());
  EXPECT_EQ(phones.lifetime->valid_s, 600u);
  EXPECT_EQ(phones.lifetime->min_s, 300u);
  EXPECT_EQ(phones.lifetime->max_s, 900u);
  EXPECT_FALSE(phones.only_if_required);
  EXPECT_TRUE(config.client_classes[1].only_if_required);
  EXPECT_EQ(config.find_class("late"), &config.client_classes[1]);
  EXPECT_EQ(config.find_class("nobody"), nullptr);
}

TEST(ConfigClasses, Kea22SpellingsOnSubnetsAndPools) {
  const Config config = parse_ok(with_classes(
      R"~([{"name": "a", "test": "option[93].exists"}, {"name": "b", "only-if-required": true}])~",
      R"~(, "client-class": "a", "require-client-classes": ["b"])~",
      R"~(, "client-class": "a", "require-client-classes": ["b", "a"])~"));
  const Subnet& subnet = config.subnets[0];
  EXPECT_EQ(subnet.client_classes.classes, std::vector<std::string>{"a"});
  EXPECT_EQ(subnet.required_classes, std::vector<std::string>{"b"});
  EXPECT_EQ(subnet.pools[0].client_classes.classes, std::vector<std::string>{"a"});
  EXPECT_EQ(subnet.pools[0].required_classes, (std::vector<std::string>{"b", "a"}));
}

TEST(ConfigClasses, CurrentSpellingsOnSubnetsAndPools) {
  const Config config = parse_ok(
      with_classes(R"~([{"name": "a"}, {"name": "b", "only-in-additional-list": true}])~",
                   R"~(, "client-classes": ["a", "b"], "evaluate-additional-classes": ["b"])~",
                   R"~(, "client-classes": ["b"])~"));
  EXPECT_TRUE(config.client_classes[1].only_if_required);
  EXPECT_EQ(config.subnets[0].client_classes.classes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config.subnets[0].required_classes, std::vector<std::string>{"b"});
  EXPECT_EQ(config.subnets[0].pools[0].client_classes.classes, std::vector<std::string>{"b"});
}

TEST(ConfigClasses, EmptyClientClassLetsEveryoneIn) {
  const Config config = parse_ok(with_classes(R"~([{"name": "a"}])~", R"~(, "client-class": "")~"));
  EXPECT_TRUE(config.subnets[0].client_classes.classes.empty());
}

TEST(ConfigClasses, BothSpellingsInOneScopeAreRefused) {
  EXPECT_NE(parse_error(with_classes(R"~([{"name": "a"}])~",
                                     R"~(, "client-class": "a", "client-classes": ["a"])~"))
                .find("has both \"client-class\" and \"client-classes\""),
            std::string::npos);
  EXPECT_NE(parse_error(
                with_classes(
                    R"~([{"name": "a"}])~", "",
                    R"~(, "require-client-classes": ["a"], "evaluate-additional-classes": ["a"])~"))
                .find("\"require-client-classes\" and \"evaluate-additional-classes\""),
            std::string::npos);
  EXPECT_NE(
      parse_error(
          with_classes(
              R"~([{"name": "a", "only-if-required": true, "only-in-additional-list": true}])~"))
          .find("keep one"),
      std::string::npos);
}

TEST(ConfigClasses, DuplicateNameNamesTheFirstLine) {
  const std::string error = parse_error(with_classes(R"~([
    {"name": "a"},
    {"name": "a"}])~"));
  EXPECT_NE(error.find("classes.json:5: Dhcp4.client-classes[1].name \"a\" is already defined "
                       "on line 4"),
            std::string::npos)
      << error;
}

TEST(ConfigClasses, MemberOfALaterClassIsRefusedWithItsPosition) {
  const std::string error = parse_error(with_classes(R"~([
    {"name": "first", "test": "member('second')"},
    {"name": "second"}])~"));
  EXPECT_NE(error.find("classes.json:4: Dhcp4.client-classes[0].test: "), std::string::npos)
      << error;
  EXPECT_NE(error.find(" at column "), std::string::npos) << error;
  EXPECT_NE(error.find("second"), std::string::npos) << error;
}

TEST(ConfigClasses, BadTestIsRefusedWithLineAndColumn) {
  const std::string error = parse_error(with_classes(R"~([
    {"name": "x", "test": "option[60].text == "}])~"));
  EXPECT_NE(error.find("classes.json:4: Dhcp4.client-classes[0].test: "), std::string::npos)
      << error;
  EXPECT_NE(error.find(" at column "), std::string::npos) << error;
}

TEST(ConfigClasses, MemberOfBuiltinsIsAllowed) {
  const Config config = parse_ok(with_classes(R"~([
    {"name": "a", "test": "member('ALL') and member('VENDOR_CLASS_x') and member('BOOTP')"}])~"));
  EXPECT_FALSE(config.client_classes[0].depends_on_known);
}

// DROP is special, not built in (Kea 2.2): member('DROP') needs a DROP class above.
TEST(ConfigClasses, MemberOfDropNeedsItsDefinition) {
  EXPECT_NE(
      parse_error(with_classes(R"~([{"name": "a", "test": "member('DROP')"}])~")).find("DROP"),
      std::string::npos);
  parse_ok(with_classes(R"~([{"name": "DROP", "test": "option[60].exists"},
                              {"name": "a", "test": "member('DROP')"}])~"));
}

TEST(ConfigClasses, KnownDependenceIsFollowedThroughMember) {
  const Config config = parse_ok(with_classes(R"~([
    {"name": "registered", "test": "member('KNOWN')"},
    {"name": "registered-phone", "test": "member('registered') and option[60].exists"},
    {"name": "other", "test": "option[60].exists"},
    {"name": "by-keyword", "test": "unknown"}])~"));
  EXPECT_TRUE(config.client_classes[0].depends_on_known);
  EXPECT_TRUE(config.client_classes[1].depends_on_known);
  EXPECT_FALSE(config.client_classes[2].depends_on_known);
  EXPECT_TRUE(config.client_classes[3].depends_on_known);
}

TEST(ConfigClasses, BuiltinClassMayCarryOptionsButNoTest) {
  const Config config = parse_ok(with_classes(
      R"~([{"name": "ALL", "option-data": [{"name": "domain-name", "data": "example.org"}]}])~"));
  EXPECT_FALSE(config.client_classes[0].test.has_value());
  EXPECT_NE(parse_error(with_classes(R"~([{"name": "KNOWN", "test": "option[60].exists"}])~"))
                .find("built-in class \"KNOWN\""),
            std::string::npos);
  EXPECT_NE(parse_error(with_classes(R"~([{"name": "DROP", "only-if-required": true}])~"))
                .find("built-in class \"DROP\""),
            std::string::npos);
}

TEST(ConfigClasses, ClassOptionDefWorksWithinKeasLimits) {
  // A class may define its own dhcp4 option 224-254 (or 43) and send it.
  const Config config = parse_ok(with_classes(R"~([{"name": "kiosk",
      "test": "option[vendor-class-identifier].text == 'kiosk'",
      "option-def": [{"name": "kiosk-url", "code": 224, "type": "string"}],
      "option-data": [{"name": "kiosk-url", "data": "http://198.18.0.5/"}]}])~"));
  ASSERT_EQ(config.client_classes.at(0).options.size(), 1u);
  EXPECT_EQ(config.client_classes[0].options[0].code, 224);
  const std::string url = "http://198.18.0.5/";
  EXPECT_EQ(config.client_classes[0].options[0].data, Bytes(url.begin(), url.end()));
  // Anything else is refused, as Kea refuses it.
  const std::string error = parse_error(with_classes(R"~([{"name": "v",
      "option-def": [{"name": "x", "code": 1, "type": "string", "space": "v"}]}])~"));
  EXPECT_NE(error.find("may only define dhcp4 options 43 and 224-254"), std::string::npos) << error;
}

TEST(ConfigClasses, LifetimeTripletIsCompletedAsKeaDoes) {
  const Config only_max = parse_ok(with_classes(R"~([{"name": "a", "max-valid-lifetime": 500}])~"));
  ASSERT_TRUE(only_max.client_classes[0].lifetime.has_value());
  EXPECT_EQ(only_max.client_classes[0].lifetime->valid_s, 500u);
  EXPECT_EQ(only_max.client_classes[0].lifetime->min_s, 500u);
  const Config none = parse_ok(with_classes(R"~([{"name": "a"}])~"));
  EXPECT_FALSE(none.client_classes[0].lifetime.has_value());
  EXPECT_NE(
      parse_error(
          with_classes(R"~([{"name": "a", "min-valid-lifetime": 5, "max-valid-lifetime": 9}])~"))
          .find("no valid-lifetime"),
      std::string::npos);
  EXPECT_NE(parse_error(
                with_classes(R"~([{"name": "a", "valid-lifetime": 50, "max-valid-lifetime": 9}])~"))
                .find("must lie between"),
            std::string::npos);
}

TEST(ConfigClasses, ReservationClassesAreRead) {
  const Config config = parse_ok(with_classes(R"~([{"name": "printers"}])~", R"~(,
      "reservations": [{"hw-address": "02:cc:00:00:00:01", "ip-address": "198.18.1.20",
                        "client-classes": ["printers", "KNOWN-ish"]}])~"));
  EXPECT_EQ(config.subnets[0].reservations[0].client_classes,
            (std::vector<std::string>{"printers", "KNOWN-ish"}));
}

TEST(ConfigClasses, GuardNamingAnUndefinedClassWarns) {
  const Config config =
      parse_ok(with_classes(R"~([{"name": "a"}])~", R"~(, "client-class": "typo")~"));
  ASSERT_FALSE(config.warnings.empty());
  bool found = false;
  for (const ConfigError& warning : config.warnings) {
    found = found || warning.message.find("\"typo\"") != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST(ConfigClasses, UnknownClassKeyIsRefused) {
  EXPECT_NE(parse_error(with_classes(R"~([{"name": "a", "tset": "x"}])~")).find("unknown key"),
            std::string::npos);
  EXPECT_NE(parse_error(with_classes(R"~([{"name": "a", "template-test": "x"}])~"))
                .find("does not support yet"),
            std::string::npos);
}

}  // namespace
}  // namespace bs::config::testing
