#pragma once
// The paper's two long-context probes besides perplexity (section 4.3):
// - prompting: the loss on a fixed suffix as the prefix before it grows;
// - passkey retrieval: whether the model continues a long prompt with a number hidden in it.
// Beyond `block` tokens attention is blockwise causal (block 0 = full attention).
#include <cstdint>
#include <span>
#include <vector>

#include "data/tokenizer.h"
#include "nn/lm.h"
#include "train/evaluate.h"
#include "train/token_stream.h"

namespace longnet::train {

struct PromptingPoint {
  int64_t prefix;
  LossSum suffix_loss;
};

// For each prefix length P: windows of P + suffix tokens (+1 target) that all end where the
// longest one ends, `samples` of them one after another from the start of the stream; the loss
// counts the last `suffix` predictions only. RuntimeError when the stream is too short.
std::vector<PromptingPoint> prompting_curve(const nn::LongNetLM& model, const TokenStream& stream,
                                            std::span<const int64_t> prefixes, int64_t suffix,
                                            int64_t samples, int64_t block);

struct PasskeyCell {
  int64_t length;
  double depth;
  int64_t correct = 0, trials = 0;
};

// For each prompt length and depth, `trials` prompts (data/passkey.h, seeds 0..trials-1). A trial
// is correct when greedy decoding reproduces every answer token (one teacher-forced pass, which
// is the same test).
std::vector<PasskeyCell> passkey_accuracy(const nn::LongNetLM& model,
                                          const data::Tokenizer& tokenizer,
                                          std::span<const int64_t> lengths,
                                          std::span<const double> depths, int64_t trials,
                                          int64_t block);

}  // namespace longnet::train
