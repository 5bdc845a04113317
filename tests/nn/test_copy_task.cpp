// Acceptance: a 2-layer MAGNETO Transformer LM built from the ops learns the copy task on the
// CPU with AdamW, in a fixed number of steps, within a minute on 2 cores.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/grad_mode.h"
#include "nn/copy_task.h"
#include "nn/optimizer_params.h"
#include "nn/tiny_dense_lm.h"
#include "ops/backward.h"
#include "ops/cross_entropy.h"
#include "optim/adamw.h"
#include "optim/grad_clip.h"
#include "optim/lr_schedule.h"

namespace longnet {
namespace {

constexpr int64_t kSymbols = 10, kLength = 8, kBatch = 16, kSteps = 300;
constexpr double kLossThreshold = 0.05;  // chance level is ln(10) = 2.30

double copy_loss(const nn::TinyDenseLM& model, const testing::CopyBatch& batch) {
  return ops::cross_entropy(model.forward(batch.inputs), batch.targets, testing::kIgnore)
      .item<float>();
}

TEST(CopyTask, TwoLayerLMLearnsToCopy) {
  const nn::TinyLMConfig config{.vocab = kSymbols + 1, .dim = 64, .heads = 4, .layers = 2,
                                .ffn_hidden = 128};
  nn::TinyDenseLM model(config, /*seed=*/1);
  nn::OptimizerParams params(model);
  optim::AdamW adamw(params.refs(), {.beta1 = 0.9f, .beta2 = 0.98f, .eps = 1e-8f,
                                     .weight_decay = 0.01f});
  const optim::LrSchedule schedule{.kind = optim::ScheduleKind::polynomial, .peak_lr = 3e-3,
                                   .min_lr = 3e-4, .warmup_steps = 30, .total_steps = kSteps};

  const testing::CopyBatch held_out = testing::copy_batch(64, kLength, kSymbols, 99, 0);
  double initial;
  {
    autograd::NoGradGuard no_grad;
    initial = copy_loss(model, held_out);
  }
  EXPECT_NEAR(initial, std::log(double(kSymbols + 1)), 1.0);

  for (int64_t step = 1; step <= kSteps; ++step) {
    const testing::CopyBatch batch = testing::copy_batch(kBatch, kLength, kSymbols, 7, step);
    const Tensor loss =
        ops::cross_entropy(model.forward(batch.inputs), batch.targets, testing::kIgnore);
    ASSERT_TRUE(std::isfinite(loss.item<float>())) << "step " << step;
    backward(loss);
    params.gather_grads();
    const optim::GradClip clip = optim::clip_grad_norm(params.refs(), 1.0);
    adamw.step(float(optim::learning_rate(schedule, step)), clip.scale);
  }
  autograd::NoGradGuard no_grad;
  const double final_loss = copy_loss(model, held_out);
  EXPECT_LT(final_loss, kLossThreshold) << "initial " << initial;
}

}  // namespace
}  // namespace longnet
