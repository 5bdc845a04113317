#include <gtest/gtest.h>

#include "common/error.h"
#include "data/passkey.h"
#include "tiny_corpus.h"

namespace longnet::data {

using testing::tiny_tokenizer;

TEST(Passkey, PromptHasExactlyTheRequestedLength) {
  for (int64_t length : {200, 1000, 4097}) {
    const auto sample = make_passkey_sample(tiny_tokenizer(), {length, 0.5, 7, 5});
    EXPECT_EQ(int64_t(sample.prompt.size()), length);
  }
}

TEST(Passkey, TheNumberIsStatedAtTheNeedleAndIsTheAnswer) {
  const auto& tok = tiny_tokenizer();
  const auto sample = make_passkey_sample(tok, {1500, 0.3, 11, 6});
  ASSERT_EQ(sample.passkey.size(), 6u);
  EXPECT_NE(sample.passkey[0], '0');
  const std::string after_needle = tok.decode(std::span(sample.prompt).subspan(size_t(sample.needle_position)));
  EXPECT_EQ(after_needle.rfind("The pass key is " + sample.passkey + ".", 0), 0u) << after_needle.substr(0, 80);
  EXPECT_EQ(tok.decode(sample.answer), " " + sample.passkey);
  const std::string prompt = tok.decode(sample.prompt);
  EXPECT_TRUE(prompt.ends_with("What is the pass key? The pass key is"));
  // The number appears only in the needle sentence (twice).
  size_t found = 0;
  for (size_t at = prompt.find(sample.passkey); at != std::string::npos; at = prompt.find(sample.passkey, at + 1)) ++found;
  EXPECT_EQ(found, 2u);
}

TEST(Passkey, DepthMovesTheNeedleFromStartToEnd) {
  const auto& tok = tiny_tokenizer();
  const auto sample = [&](double depth) { return make_passkey_sample(tok, {3000, depth, 3, 5}); };
  const auto first = sample(0.0), middle = sample(0.5), last = sample(1.0);
  const auto before = [&](const PasskeySample& s) {
    return tok.decode(std::span(s.prompt).first(size_t(s.needle_position)));
  };
  const auto after = [&](const PasskeySample& s) {
    return tok.decode(std::span(s.prompt).subspan(size_t(s.needle_position)));
  };
  EXPECT_EQ(before(first).find("The grass is green"), std::string::npos);  // right after the instructions
  EXPECT_NEAR(double(middle.needle_position), 1500.0, 150.0);
  EXPECT_EQ(after(last).find("There and back again."), std::string::npos);  // no whole filler sentence follows
}

TEST(Passkey, SameSeedSameSampleOtherSeedOtherKey) {
  const auto a = make_passkey_sample(tiny_tokenizer(), {800, 0.5, 42, 5});
  const auto b = make_passkey_sample(tiny_tokenizer(), {800, 0.5, 42, 5});
  EXPECT_EQ(a.prompt, b.prompt);
  EXPECT_EQ(a.passkey, b.passkey);
  int different = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    different += make_passkey_sample(tiny_tokenizer(), {800, 0.5, seed, 5}).passkey != a.passkey;
  }
  EXPECT_GE(different, 9);
}

TEST(Passkey, TooShortAPromptOrABadDepthIsAUsageError) {
  EXPECT_THROW(make_passkey_sample(tiny_tokenizer(), {20, 0.5, 1, 5}), UsageError);
  EXPECT_THROW(make_passkey_sample(tiny_tokenizer(), {1000, 1.5, 1, 5}), UsageError);
}

}  // namespace longnet::data
