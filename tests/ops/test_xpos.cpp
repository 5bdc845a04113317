// XPOS rotation: the formula of DESIGN.md section 4, relative-position property, gradients.
#include <cmath>

#include "ops/create.h"
#include "ops/gradcheck.h"
#include "ops/xpos.h"

namespace longnet {
namespace {

using namespace testing;  // gradcheck, random_input, values, Layout

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

TEST(Xpos, FullXposScalesEachPairByItsDecayBase) {
  const int64_t dh = 8, start = 3, origin = 1;
  const Tensor x = random_input({1, 2, 1, dh}, 95);
  const std::vector<double> in = values(x);
  const std::vector<double> rotated = values(ops::xpos_rotate(x, start));
  const std::vector<double> scaled = values(ops::xpos(x, start, {.sign = -1, .origin = origin,
                                                                .base = 16}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t d = 0; d < dh; ++d) {
      const double z = (2.0 * double(d / 2) + 0.4 * dh) / (1.4 * dh);
      const double factor = std::pow(z, -double(start + n - origin) / 16);
      EXPECT_NEAR(scaled[size_t(n * dh + d)], rotated[size_t(n * dh + d)] * factor, 1e-12);
    }
}

TEST(Xpos, FullXposScoresDecayWithDistanceWhateverTheOrigin) {
  const Tensor q = random_input({1, 1, 1, 8}, 96), k = random_input({1, 1, 1, 8}, 97);
  auto score = [&](int64_t i, int64_t j, int64_t origin) {
    const std::vector<double> a = values(ops::xpos(q, i, {.sign = 1, .origin = origin}));
    const std::vector<double> c = values(ops::xpos(k, j, {.sign = -1, .origin = origin}));
    double s = 0;
    for (size_t d = 0; d < 8; ++d) s += a[d] * c[d];
    return s;
  };
  EXPECT_NEAR(score(40, 10, 0), score(540, 510, 500), 1e-10);
  // The same distance without the scale differs: the decay is there.
  const std::vector<double> a = values(ops::xpos_rotate(q, 40)), c = values(ops::xpos_rotate(k, 10));
  double plain = 0;
  for (size_t d = 0; d < 8; ++d) plain += a[d] * c[d];
  EXPECT_GT(std::abs(score(40, 10, 0) - plain), 1e-6);
}

TEST(Xpos, OddHeadDimIsAnError) {
  EXPECT_THROW(ops::xpos_rotate(random_input({1, 2, 1, 3}, 93), 0), RuntimeError);
}

TEST(Xpos, Gradients) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::xpos_rotate(in[0], 11); },
                        {random_input({2, 3, 2, 4}, 94, Layout::transposed)}));
  EXPECT_TRUE(gradcheck(
      [](const auto& in) { return ops::xpos(in[0], 5, {.sign = -1, .origin = 2, .base = 8}); },
      {random_input({1, 3, 2, 6}, 98, Layout::sliced)}));
}

}  // namespace
}  // namespace longnet
