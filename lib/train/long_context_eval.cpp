#include "train/long_context_eval.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "common/error.h"
#include "data/passkey.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/view.h"
#include "train/batch.h"

namespace longnet::train {
namespace {

constexpr int64_t kIgnore = -100;

int64_t block_for(int64_t length, int64_t block) { return length > block ? block : 0; }

}  // namespace

std::vector<PromptingPoint> prompting_curve(const nn::LongNetLM& model, const TokenStream& stream,
                                            std::span<const int64_t> prefixes, int64_t suffix,
                                            int64_t samples, int64_t block) {
  const int64_t longest = *std::max_element(prefixes.begin(), prefixes.end()) + suffix;
  if (uint64_t(samples * (longest + 1)) > stream.size())
    fail<RuntimeError>("prompting: the split has {} tokens, fewer than {} samples of {}",
                       stream.size(), samples, longest + 1);
  autograd::NoGradGuard no_grad;
  std::vector<PromptingPoint> curve;
  for (int64_t prefix : prefixes) {
    PromptingPoint point{.prefix = prefix, .suffix_loss = {}};
    const int64_t length = prefix + suffix;
    for (int64_t s = 0; s < samples; ++s) {
      const uint64_t end = uint64_t((s + 1) * (longest + 1));  // same end for every prefix
      std::vector<uint32_t> window(size_t(length + 1));
      stream.read(end - window.size(), window);
      Batch batch = make_batch(window, 1);
      int64_t* targets = batch.targets.data<int64_t>();
      std::fill(targets, targets + prefix, kIgnore);
      const Tensor loss = ops::cross_entropy(
          model.forward(ops::to_device(batch.inputs, model.device()),
                        {.attention_block = block_for(length, block)}),
          ops::to_device(batch.targets, model.device()), kIgnore);
      point.suffix_loss.total +=
          double(ops::to_device(loss, Device::cpu()).item<float>()) * double(suffix);
      point.suffix_loss.tokens += suffix;
    }
    curve.push_back(point);
  }
  return curve;
}

std::vector<PasskeyCell> passkey_accuracy(const nn::LongNetLM& model,
                                          const data::Tokenizer& tokenizer,
                                          std::span<const int64_t> lengths,
                                          std::span<const double> depths, int64_t trials,
                                          int64_t block) {
  autograd::NoGradGuard no_grad;
  std::vector<PasskeyCell> cells;
  for (int64_t length : lengths)
    for (double depth : depths) {
      PasskeyCell cell{.length = length, .depth = depth};
      for (int64_t t = 0; t < trials; ++t) {
        const data::PasskeySample sample = data::make_passkey_sample(
            tokenizer, {.prompt_tokens = length, .depth = depth, .seed = uint64_t(t)});
        std::vector<int64_t> ids(sample.prompt.begin(), sample.prompt.end());
        ids.insert(ids.end(), sample.answer.begin(), sample.answer.end() - 1);
        const int64_t n = int64_t(ids.size());
        const Tensor logits = ops::contiguous(ops::to_device(
            ops::cast(model.forward(ops::from_vector(ids, {1, n}, model.device()),
                                    {.attention_block = block_for(n, block)}),
                      DType::f32),
            Device::cpu()));
        const int64_t vocab = logits.size(2);
        const float* row = logits.data<float>();  // contiguous [1, n, V]
        bool correct = true;
        for (size_t a = 0; a < sample.answer.size() && correct; ++a) {
          const float* scores = row + (length - 1 + int64_t(a)) * vocab;
          correct = std::max_element(scores, scores + vocab) - scores == sample.answer[a];
        }
        cell.correct += correct;
        ++cell.trials;
      }
      cells.push_back(cell);
    }
  return cells;
}

}  // namespace longnet::train
