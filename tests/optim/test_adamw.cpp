#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "optim/adamw.h"

namespace longnet::optim {
namespace {

TEST(AdamW, ConstantGradientMovesByLrTimesSignEachStep) {
  // With a constant gradient g the bias-corrected moments are exactly g and g^2, so every step
  // subtracts lr * g / (|g| + eps), after the decoupled decay p *= 1 - lr * wd.
  std::vector<float> p{1.0f, -2.0f, 0.5f};
  const std::vector<float> g{0.3f, -4.0f, 1e-3f};
  AdamW adam({{"w", p.data(), g.data(), 3, true}}, {0.9f, 0.98f, 1e-8f, 0.1f});
  std::vector<double> expected{1.0, -2.0, 0.5};
  const double lr = 0.01;
  for (int step = 1; step <= 3; ++step) {
    adam.step(float(lr));
    for (int i = 0; i < 3; ++i) {
      expected[i] = expected[i] * (1 - lr * 0.1) - lr * g[i] / (std::fabs(double(g[i])) + 1e-8);
      EXPECT_NEAR(p[i], expected[i], 1e-6) << "step " << step << " element " << i;
    }
  }
  EXPECT_EQ(adam.steps_taken(), 3);
}

TEST(AdamW, ThreeHandWorkedStepsWithChangingGradient) {
  // beta1 = 1/2, beta2 = 3/4, lr = 0.1, no decay, gradients 1, -1, 2; worked by hand:
  // step 1: m = 1/2, v = 1/4, corrections 1/2 and 1/4 -> m^ = 1, v^ = 1 -> p = 1 - 0.1 = 0.9
  // step 2: m = -1/4, v = 7/16, corrections 3/4 and 7/16 -> m^ = -1/3, v^ = 1 -> p = 0.9 + 0.1/3
  // step 3: m = 7/8, v = 85/64, corrections 7/8 and 37/64 -> m^ = 1, v^ = 85/37
  //         -> p = 14/15 - 0.1 * sqrt(37/85)
  float p = 1.0f, g = 0.0f;
  AdamW adam({{"x", &p, &g, 1, true}}, {0.5f, 0.75f, 1e-12f, 0.0f});
  g = 1.0f;
  adam.step(0.1f);
  EXPECT_NEAR(p, 0.9, 1e-6);
  g = -1.0f;
  adam.step(0.1f);
  EXPECT_NEAR(p, 0.9 + 0.1 / 3, 1e-6);
  g = 2.0f;
  adam.step(0.1f);
  EXPECT_NEAR(p, 14.0 / 15 - 0.1 * std::sqrt(37.0 / 85), 1e-6);
  const std::vector<StateBuffer> state = adam.state_buffers();
  ASSERT_EQ(state.size(), 2u);
  EXPECT_EQ(state[0].name, "x.exp_avg");
  EXPECT_FLOAT_EQ(state[0].data[0], 7.0f / 8);
  EXPECT_EQ(state[1].name, "x.exp_avg_sq");
  EXPECT_FLOAT_EQ(state[1].data[0], 85.0f / 64);
}

TEST(AdamW, DecayOnlyTouchesParametersThatAskForIt) {
  // A zero gradient makes the Adam term zero, leaving only the decay p *= 1 - lr * wd.
  float weight = 2.0f, bias = 2.0f;
  const float zero = 0.0f;
  AdamW adam({{"weight", &weight, &zero, 1, true}, {"bias", &bias, &zero, 1, false}},
             {0.9f, 0.999f, 1e-8f, 0.5f});
  adam.step(0.1f);
  EXPECT_FLOAT_EQ(weight, 2.0f * (1 - 0.1f * 0.5f));
  EXPECT_EQ(bias, 2.0f);
}

TEST(AdamW, ParameterWithoutGradientIsLeftAlone) {
  float p = 3.0f;
  AdamW adam({{"unused", &p, nullptr, 1, true}}, {});
  adam.step(1.0f);
  EXPECT_EQ(p, 3.0f);
  EXPECT_EQ(adam.state_buffers()[0].data[0], 0.0f);
}

TEST(AdamW, GradScaleMultipliesTheGradientAsItIsRead) {
  float p = 0.0f;
  const float g = 4.0f;
  AdamW adam({{"p", &p, &g, 1, false}}, {0.5f, 0.75f, 1e-8f, 0.0f});
  adam.step(0.1f, 0.25f);
  const std::vector<StateBuffer> state = adam.state_buffers();
  EXPECT_EQ(state[0].data[0], 0.5f);   // (1 - beta1) * 4 * 0.25
  EXPECT_EQ(state[1].data[0], 0.25f);  // (1 - beta2) * (4 * 0.25)^2
  EXPECT_EQ(g, 4.0f);
}

// Saving the state and loading it into a fresh optimizer continues bit-exactly.
TEST(AdamW, StateRoundTripContinuesBitExactly) {
  const std::vector<float> grads[3] = {{0.1f, -0.2f, 0.3f}, {-1.0f, 0.5f, 2.0f}, {0.7f, 0.7f, -0.1f}};
  const std::vector<float> start{0.5f, -0.5f, 1.5f};
  std::vector<float> g(3);
  const AdamWOptions options{0.9f, 0.98f, 1e-8f, 0.01f};

  std::vector<float> p = start;
  AdamW original({{"p", p.data(), g.data(), 3, true}}, options);
  for (int s = 0; s < 2; ++s) {
    g = grads[s];
    original.step(6e-4f);
  }
  std::vector<std::vector<float>> saved;
  for (const StateBuffer& b : original.state_buffers()) saved.emplace_back(b.data, b.data + b.size);
  std::vector<float> resumed_p = p;
  g = grads[2];
  original.step(6e-4f);

  AdamW resumed({{"p", resumed_p.data(), g.data(), 3, true}}, options);
  resumed.set_steps_taken(2);
  std::vector<StateBuffer> buffers = resumed.state_buffers();
  for (size_t k = 0; k < buffers.size(); ++k)
    std::memcpy(buffers[k].data, saved[k].data(), saved[k].size() * sizeof(float));
  resumed.step(6e-4f);
  EXPECT_EQ(0, std::memcmp(p.data(), resumed_p.data(), 3 * sizeof(float)));
}

TEST(AdamW, RejectsBadOptionsAndParameters) {
  float x = 0.0f;
  EXPECT_THROW(AdamW({}, {1.0f, 0.9f, 1e-8f, 0.0f}), ConfigError);
  EXPECT_THROW(AdamW({}, {0.9f, -0.1f, 1e-8f, 0.0f}), ConfigError);
  EXPECT_THROW(AdamW({}, {0.9f, 0.9f, 0.0f, 0.0f}), ConfigError);
  EXPECT_THROW(AdamW({}, {0.9f, 0.9f, 1e-8f, -1.0f}), ConfigError);
  EXPECT_THROW(AdamW({{"a", &x, &x, 1, true}, {"a", &x, &x, 1, true}}, {}), RuntimeError);
  EXPECT_THROW(AdamW({{"b", nullptr, &x, 1, true}}, {}), RuntimeError);
}

}  // namespace
}  // namespace longnet::optim
