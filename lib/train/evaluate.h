#pragma once
// Perplexity of a model (no gradients): the mean cross-entropy over predicted tokens, exp'd. The
// model runs on its parameters' device; losses are summed in double on the host.
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>

#include "nn/lm.h"
#include "train/token_stream.h"

namespace longnet::train {

struct LossSum {
  double total = 0;    // summed cross-entropy in nats
  int64_t tokens = 0;  // predicted tokens
  double mean() const { return total / double(tokens); }
  double perplexity() const { return std::exp(mean()); }
};

// Non-overlapping windows of `length` inputs (+1 target) from the start of the stream, at most
// enough to predict max_tokens tokens (0 = the whole stream, at least one window). nullopt when
// the stream is shorter than one window. attention_block > 0 uses blockwise causal attention
// with blocks of that length (nn/attention.h).
std::optional<LossSum> evaluate_stream(const nn::LongNetLM& model, const TokenStream& stream,
                                       int64_t length, int64_t max_tokens,
                                       int64_t attention_block);

// Every token after the first of `tokens`, in consecutive windows of at most `length` inputs
// (the last one shorter).
LossSum evaluate_tokens(const nn::LongNetLM& model, std::span<const uint32_t> tokens,
                        int64_t length);

}  // namespace longnet::train
