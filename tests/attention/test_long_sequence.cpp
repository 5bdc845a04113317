// XPOS at 200K positions: the absolute form overflows float, the CPU path's relative form does not
// and still matches the f64 reference.
#include <gtest/gtest.h>

#include <cmath>

#include "attention/runs.h"

namespace longnet::attention {
namespace {

using namespace testing;

constexpr int64_t kLength = 200'000;

TEST(LongSequence, AbsoluteXposOverflowsFloatAt200K) {
  // The official code scales k at position j by z^(-j/512) (and q by z^(i/512)). z_0 = 0.4/1.4.
  const float z0 = static_cast<float>(xpos_decay_base(0, 8));
  const float position = kLength - 100;
  const float k_scale = std::pow(z0, -position / 512.0f);
  const float q_scale = std::pow(z0, position / 512.0f);
  EXPECT_TRUE(std::isinf(k_scale));
  EXPECT_EQ(q_scale, 0.0f);
  EXPECT_FALSE(std::isfinite(q_scale * 1.0f * (k_scale * 1.0f)));  // 0 * inf: the score is lost
}

TEST(LongSequence, RelativeXposStaysFiniteAndMatchesReference) {
  Spec spec;
  spec.patterns = {{65536, 16}, {kLength, 64}, {2048, 1}};
  spec.xpos_scale_base = 512;
  // Rows 199808.. : position 199808 is selected by head 0 (offset 0) in every pattern, 199809 by
  // head 1; the other two rows only by the r = 1 pattern.
  const Problem p{.batch = 1, .heads = 2, .head_dim = 8, .seq_len = kLength, .q_start = 199'808,
                  .q_len = 4, .kv_start = 0, .kv_len = kLength};
  std::mt19937_64 rng(21);
  const auto x = random_qkv<double>(p, rng, false);
  const Qkv<float> xf{convert<float>(x.q), convert<float>(x.k), convert<float>(x.v)};
  const auto d_o = random_like_output(p, rng);

  const auto want = reference_forward(spec, p, x);
  const auto got = cpu_forward(spec, p, xf);
  EXPECT_LT(max_abs_diff(got.o, want.o), 1e-4);
  for (size_t i = 0; i < got.lse.size(); ++i) EXPECT_NEAR(got.lse[i], want.lse[i], 1e-4) << i;

  const auto want_grad = reference_backward(spec, p, x, d_o);
  const auto got_grad = cpu_backward(spec, p, xf, got, convert<float>(d_o));
  EXPECT_LT(max_abs_diff(got_grad.dq, want_grad.dq), 1e-4);
  EXPECT_LT(max_abs_diff(got_grad.dk, want_grad.dk), 1e-4);
  EXPECT_LT(max_abs_diff(got_grad.dv, want_grad.dv), 1e-4);
}

}  // namespace
}  // namespace longnet::attention
