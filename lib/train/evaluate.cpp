#include "train/evaluate.h"

#include <algorithm>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "train/batch.h"

namespace longnet::train {
namespace {

// Adds the loss of predicting window[1..] from window[..-1].
void add_window(const nn::LongNetLM& model, std::span<const uint32_t> window,
                int64_t attention_block, LossSum& sum) {
  const Batch batch = make_batch(window, 1);
  const Device device = model.device();
  const Tensor loss = ops::cross_entropy(
      model.forward(ops::to_device(batch.inputs, device), {.attention_block = attention_block}),
      ops::to_device(batch.targets, device));
  const int64_t predicted = int64_t(window.size()) - 1;
  sum.total += double(ops::to_device(loss, Device::cpu()).item<float>()) * double(predicted);
  sum.tokens += predicted;
}

}  // namespace

std::optional<LossSum> evaluate_stream(const nn::LongNetLM& model, const TokenStream& stream,
                                       int64_t length, int64_t max_tokens,
                                       int64_t attention_block) {
  uint64_t windows = stream.window_count(length);
  if (windows == 0) return std::nullopt;
  if (max_tokens > 0) windows = std::clamp<uint64_t>(uint64_t(max_tokens / length), 1, windows);
  autograd::NoGradGuard no_grad;
  std::vector<uint32_t> window(size_t(length + 1));
  LossSum sum;
  for (uint64_t w = 0; w < windows; ++w) {
    stream.read(w * uint64_t(length), window);
    add_window(model, window, attention_block, sum);
  }
  return sum;
}

LossSum evaluate_tokens(const nn::LongNetLM& model, std::span<const uint32_t> tokens,
                        int64_t length) {
  autograd::NoGradGuard no_grad;
  LossSum sum;
  for (size_t begin = 0; begin + 1 < tokens.size(); begin += size_t(length)) {
    const size_t end = std::min(tokens.size(), begin + size_t(length) + 1);
    add_window(model, tokens.subspan(begin, end - begin), 0, sum);
  }
  return sum;
}

}  // namespace longnet::train
