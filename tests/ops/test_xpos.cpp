// XPOS rotation: the formula of DESIGN.md section 4, relative-position property, gradients.
#include <cmath>

#include "ops/create.h"
#include "ops/gradcheck.h"
#include "ops/xpos.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

TEST(Xpos, RotatesEachPairByPositionTimesFrequency) {
  const int64_t b = 2, n = 3, h = 2, dh = 6, start = 5;
  const Tensor x = random_input({b, n, h, dh}, 90);
  const std::vector<double> in = values(x), out = values(ops::xpos_rotate(x, start));
  for (int64_t i = 0; i < b * n * h; ++i) {
    const int64_t pos = start + (i / h) % n;
    for (int64_t j = 0; j < dh / 2; ++j) {
      const double angle = double(pos) * std::pow(10000.0, -2.0 * double(j) / double(dh));
      const double x0 = in[size_t(i * dh + 2 * j)], x1 = in[size_t(i * dh + 2 * j + 1)];
      EXPECT_NEAR(out[size_t(i * dh + 2 * j)], x0 * std::cos(angle) - x1 * std::sin(angle), 1e-12);
      EXPECT_NEAR(out[size_t(i * dh + 2 * j + 1)], x1 * std::cos(angle) + x0 * std::sin(angle),
                  1e-12);
    }
  }
}

TEST(Xpos, ScoresDependOnlyOnTheDistance) {
  const Tensor q = random_input({1, 1, 1, 8}, 91), k = random_input({1, 1, 1, 8}, 92);
  auto score = [&](int64_t i, int64_t j) {
    const std::vector<double> a = values(ops::xpos_rotate(q, i)), c = values(ops::xpos_rotate(k, j));
    double s = 0;
    for (size_t d = 0; d < 8; ++d) s += a[d] * c[d];
    return s;
  };
  EXPECT_NEAR(score(7, 3), score(104, 100), 1e-10);
  EXPECT_NEAR(score(3, 3), score(90000, 90000), 1e-9);
}

TEST(Xpos, OddHeadDimIsAnError) {
  EXPECT_THROW(ops::xpos_rotate(random_input({1, 2, 1, 3}, 93), 0), RuntimeError);
}

TEST(Xpos, Gradients) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::xpos_rotate(in[0], 11); },
                        {random_input({2, 3, 2, 4}, 94, Layout::transposed)}));
}

}  // namespace
}  // namespace longnet
