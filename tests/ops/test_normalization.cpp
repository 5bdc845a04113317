// LayerNorm, softmax and log-softmax: values against the formulas, gradients.
#include <cmath>

#include "ops/create.h"
#include "ops/gradcheck.h"
#include "ops/layer_norm.h"
#include "ops/softmax.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

TEST(LayerNorm, NormalisesEachRowThenScalesAndShifts) {
  const Tensor x = random_input({3, 7}, 50, Layout::transposed, -3, 3);
  const Tensor w = random_input({7}, 51), b = random_input({7}, 52);
  const std::vector<double> y = values(ops::layer_norm(x, w, b, 1e-5)), vx = values(x),
                            vw = values(w), vb = values(b);
  for (size_t r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (size_t j = 0; j < 7; ++j) mean += vx[r * 7 + j] / 7;
    for (size_t j = 0; j < 7; ++j) var += (vx[r * 7 + j] - mean) * (vx[r * 7 + j] - mean) / 7;
    for (size_t j = 0; j < 7; ++j)
      EXPECT_NEAR(y[r * 7 + j], (vx[r * 7 + j] - mean) / std::sqrt(var + 1e-5) * vw[j] + vb[j],
                  1e-12);
  }
}

TEST(LayerNorm, Gradients) {
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::sliced}) {
    EXPECT_TRUE(gradcheck([](const auto& in) { return ops::layer_norm(in[0], in[1], in[2]); },
                          {random_input({2, 3, 5}, 53, layout, -2, 2), random_input({5}, 54),
                           random_input({5}, 55)},
                          {.eps = 1e-6, .atol = 1e-6, .rtol = 1e-5}));
  }
}

TEST(Softmax, ValuesSumToOneAndMatchTheFormula) {
  const Tensor x = random_input({4, 9}, 56, Layout::transposed, -5, 5);
  const std::vector<double> p = values(ops::softmax(x)), lp = values(ops::log_softmax(x)),
                            vx = values(x);
  for (size_t r = 0; r < 4; ++r) {
    double z = 0;
    for (size_t j = 0; j < 9; ++j) z += std::exp(vx[r * 9 + j]);
    for (size_t j = 0; j < 9; ++j) {
      EXPECT_NEAR(p[r * 9 + j], std::exp(vx[r * 9 + j]) / z, 1e-14);
      EXPECT_NEAR(lp[r * 9 + j], vx[r * 9 + j] - std::log(z), 1e-12);
    }
  }
}

TEST(Softmax, MaskedEntriesGetZeroAndAFullyMaskedRowIsNotNaN) {
  const double inf = INFINITY;
  const Tensor x = ops::from_vector<double>({0, -inf, 0, -inf, -inf, -inf}, {2, 3});
  const std::vector<double> p = values(ops::softmax(x));
  EXPECT_EQ(p, (std::vector<double>{0.5, 0, 0.5, 0, 0, 0}));
}

TEST(Softmax, Gradients) {
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::sliced}) {
    const Tensor x = random_input({3, 2, 5}, 57, layout, -3, 3);
    EXPECT_TRUE(gradcheck([](const auto& in) { return ops::softmax(in[0]); }, {x}));
    EXPECT_TRUE(gradcheck([](const auto& in) { return ops::log_softmax(in[0]); }, {x}));
  }
}

}  // namespace
}  // namespace longnet
