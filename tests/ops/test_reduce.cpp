// Reductions: values against loops, gradients against central differences.
#include <cmath>

#include "ops/create.h"
#include "ops/gradcheck.h"
#include "ops/reduce.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

// x [2, 3, 4] with x[i][j][k] = i*12 + j*4 + k reduced over each dim by `combine`.
template <class Combine>
std::vector<double> reference(int dim, double init, Combine combine) {
  const int sizes[3] = {2, 3, 4};
  std::vector<double> out;
  for (int a = 0; a < (dim == 0 ? 1 : 2); ++a)
    for (int b = 0; b < (dim == 1 ? 1 : 3); ++b)
      for (int c = 0; c < (dim == 2 ? 1 : 4); ++c) {
        double acc = init;
        for (int r = 0; r < sizes[dim]; ++r) {
          int idx[3] = {a, b, c};
          idx[dim] = r;
          acc = combine(acc, double(idx[0] * 12 + idx[1] * 4 + idx[2]));
        }
        out.push_back(acc);
      }
  return out;
}

Tensor iota_2x3x4() {
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[size_t(i)] = i;
  return ops::from_vector(v, {2, 3, 4});
}

TEST(Reduce, SumMaxLogsumexpOverEachDim) {
  const Tensor x = iota_2x3x4();
  for (int d = 0; d < 3; ++d) {
    EXPECT_EQ(values(ops::sum(x, d)), reference(d, 0, [](double a, double v) { return a + v; }));
    EXPECT_EQ(values(ops::max(x, d)),
              reference(d, -1e300, [](double a, double v) { return std::max(a, v); }));
    const std::vector<double> lse = values(ops::logsumexp(x, d));
    const std::vector<double> expected = reference(
        d, 0, [](double a, double v) { return a + std::exp(v); });
    for (size_t i = 0; i < lse.size(); ++i) EXPECT_NEAR(lse[i], std::log(expected[i]), 1e-12);
  }
}

TEST(Reduce, KeepdimAndShapes) {
  const Tensor x = iota_2x3x4();
  EXPECT_EQ(ops::sum(x, 1, true).shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(ops::mean(x, -1).shape(), (Shape{2, 3}));
  EXPECT_EQ(ops::sum(x).shape(), Shape{});
  EXPECT_EQ(ops::sum(x).item<double>(), 276.0);
  EXPECT_EQ(ops::mean(x).item<double>(), 11.5);
}

TEST(Reduce, LogsumexpOfAllMinusInfinityIsMinusInfinity) {
  const double inf = INFINITY;
  const Tensor x = ops::from_vector<double>({-inf, -inf, 0, 1}, {2, 2});
  const std::vector<double> lse = values(ops::logsumexp(x, 1));
  EXPECT_EQ(lse[0], -inf);
  EXPECT_NEAR(lse[1], std::log(1 + std::exp(1.0)), 1e-12);
}

TEST(Reduce, GradientsOverEveryDimAndLayout) {
  for (int64_t dim : {0, 1, -1})
    for (bool keep : {false, true})
      for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::sliced}) {
        const Tensor x = random_input({3, 4, 5}, 20 + dim, layout);
        SCOPED_TRACE(::testing::Message() << "dim " << dim << " keepdim " << keep);
        EXPECT_TRUE(gradcheck([&](const auto& in) { return ops::sum(in[0], dim, keep); }, {x}));
        EXPECT_TRUE(gradcheck([&](const auto& in) { return ops::mean(in[0], dim, keep); }, {x}));
        EXPECT_TRUE(gradcheck([&](const auto& in) { return ops::max(in[0], dim, keep); }, {x}));
        EXPECT_TRUE(
            gradcheck([&](const auto& in) { return ops::logsumexp(in[0], dim, keep); }, {x}));
      }
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::sum(in[0]); },
                        {random_input({3, 2}, 30, Layout::transposed)}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::mean(in[0]); },
                        {random_input({7}, 31)}));
}

TEST(Reduce, SumToUndoesBroadcasting) {
  const Tensor g = ops::ones({2, 3, 4}, DType::f64);
  EXPECT_EQ(values(ops::sum_to(g, {3, 1})), (std::vector<double>{8, 8, 8}));
  EXPECT_EQ(values(ops::sum_to(g, {4})), std::vector<double>(4, 6));
  EXPECT_THROW(ops::sum_to(g, {1, 2, 3, 4, 5}), RuntimeError);
}

}  // namespace
}  // namespace longnet
