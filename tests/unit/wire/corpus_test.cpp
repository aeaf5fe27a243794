// Checks the fuzz seed corpus means what its file names say: "bad_*" seeds
// are rejected with the expected error and every other seed decodes, so the
// fuzzer starts from both sides of each check.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "wire/packet.h"

namespace bs::wire {
namespace {

const std::filesystem::path kCorpusDir =
    std::filesystem::path(BS_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / "packet";

Bytes read_seed(const std::string& name) {
  std::ifstream in(kCorpusDir / name, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Corpus, BadSeedsFailWithTheirError) {
  const std::map<std::string, DecodeError> expected = {
      {"bad_cookie", DecodeError::BadMagicCookie},
      {"bad_hlen_17", DecodeError::BadHlen},
      {"bad_message_type", DecodeError::BadMessageType},
      {"bad_missing_end", DecodeError::MissingEnd},
      {"bad_op_3", DecodeError::BadOp},
      {"bad_option_no_length", DecodeError::OptionTruncated},
      {"bad_option_overrun", DecodeError::OptionTruncated},
      {"bad_overload_field_overrun", DecodeError::OptionTruncated},
      {"bad_overload_nested", DecodeError::BadOverload},
      {"bad_overload_value", DecodeError::BadOverload},
      {"bad_pad_only_no_end", DecodeError::MissingEnd},
      {"bad_truncated_cookie", DecodeError::TooShort},
      {"bad_truncated_header", DecodeError::TooShort},
  };
  for (const auto& [name, error] : expected) {
    const auto packet = decode(read_seed(name));
    ASSERT_FALSE(packet.has_value()) << name;
    EXPECT_EQ(packet.error(), error) << name << ": " << to_string(packet.error());
  }
}

TEST(Corpus, EveryOtherSeedDecodes) {
  size_t good = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpusDir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("bad_")) continue;
    const auto packet = decode(read_seed(name));
    EXPECT_TRUE(packet.has_value()) << name << ": " << to_string(packet.error());
    ++good;
  }
  EXPECT_GE(good, 15u);
}

TEST(Corpus, SplitAndOverloadSeedsReassemble) {
  const auto both = decode(read_seed("overload_both_split"));
  ASSERT_TRUE(both);
  const Option* host = both->find(opt::kHostName);
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(std::string(host->data.begin(), host->data.end()), "very-long-name");

  const auto vendor = decode(read_seed("long_split_vendor"));
  ASSERT_TRUE(vendor);
  EXPECT_EQ(vendor->find(43)->data.size(), 300u);

  const auto relayed = decode(read_seed("long_split_opt82"));
  ASSERT_TRUE(relayed);
  EXPECT_EQ(relayed->find(opt::kRelayAgentInfo)->data.size(), 324u);
}

}  // namespace
}  // namespace bs::wire
