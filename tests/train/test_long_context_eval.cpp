// The prompting curve scores only the suffix, whatever the prefix before it.
#include <gtest/gtest.h>

#include "common/error.h"
#include "tiny_corpus.h"
#include "train/long_context_eval.h"

namespace longnet::train {
namespace {

config::ModelConfig tiny_model() {
  return {.vocab_size = testing::kTinyVocab, .layers = 1, .dim = 8, .heads = 2, .ffn_dim = 16};
}

TEST(PromptingCurve, WithNoPrefixItIsThePerplexityOfTheSuffixAlone) {
  testing::ScratchDir dir;
  testing::write_tiny_corpus(dir.path(), 77, 20);
  const TokenStream stream(data::Shard::open(dir / "test.bin"));
  const nn::LongNetLM model(tiny_model(), {}, 1);
  const int64_t suffix = 10, longest_prefix = 30;
  const std::vector<int64_t> prefixes = {0, longest_prefix};
  const auto curve = prompting_curve(model, stream, prefixes, suffix, 1, 0);
  ASSERT_EQ(curve.size(), 2u);
  // Sample 0 ends at stream position longest_prefix + suffix + 1.
  std::vector<uint32_t> tail(size_t(suffix + 1));
  stream.read(uint64_t(longest_prefix), tail);
  const LossSum alone = evaluate_tokens(model, tail, suffix);
  EXPECT_EQ(curve[0].suffix_loss.tokens, suffix);
  EXPECT_NEAR(curve[0].suffix_loss.mean(), alone.mean(), 1e-5);
  EXPECT_EQ(curve[1].suffix_loss.tokens, suffix);
  EXPECT_NE(curve[1].suffix_loss.mean(), alone.mean());  // the prefix is seen
}

TEST(PromptingCurve, AStreamTooShortIsAnError) {
  testing::ScratchDir dir;
  testing::write_tiny_corpus(dir.path(), 77, 4);
  const TokenStream stream(data::Shard::open(dir / "test.bin"));
  const nn::LongNetLM model(tiny_model(), {}, 1);
  const std::vector<int64_t> prefixes = {100000};
  EXPECT_THROW(prompting_curve(model, stream, prefixes, 10, 1, 0), RuntimeError);
}

}  // namespace
}  // namespace longnet::train
