// Element-wise ops: values against the formulas, gradients against central differences.
#include <cmath>

#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/gradcheck.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

TEST(Elementwise, AddBroadcastsTrailingDims) {
  const Tensor a = ops::from_vector<double>({1, 2, 3}, {3, 1});
  const Tensor b = ops::from_vector<double>({10, 20, 30, 40}, {4});
  const std::vector<double> sum = values(a + b);
  ASSERT_EQ(sum.size(), 12u);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(sum[size_t(i * 4 + j)], (i + 1) + 10.0 * (j + 1));
}

TEST(Elementwise, MismatchedShapesAndDtypesAreErrors) {
  const Tensor a = ops::zeros({3, 2}, DType::f64);
  EXPECT_THROW(a + ops::zeros({3}, DType::f64), RuntimeError);
  EXPECT_THROW(a + ops::zeros({3, 2}, DType::f32), RuntimeError);
}

TEST(Elementwise, GeluMatchesKnownValues) {
  const Tensor x = ops::from_vector<double>({-1.0, 0.0, 1.0, 2.0}, {4});
  // Phi(1) = 0.8413447460685429, Phi(2) = 0.9772498680518208
  const std::vector<double> exact = values(ops::gelu(x));
  EXPECT_NEAR(exact[0], -1.0 * (1 - 0.8413447460685429), 1e-12);
  EXPECT_EQ(exact[1], 0.0);
  EXPECT_NEAR(exact[2], 0.8413447460685429, 1e-12);
  EXPECT_NEAR(exact[3], 2 * 0.9772498680518208, 1e-12);
  const std::vector<double> approx = values(ops::gelu_tanh(x));
  for (size_t i = 0; i < 4; ++i) {
    const double v = i - 1.0;
    const double expected =
        0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    EXPECT_NEAR(approx[i], expected, 1e-12);
  }
}

TEST(Elementwise, UnaryValuesMatchTheFormulas) {
  const Tensor x = ops::from_vector<double>({0.25, 1.5, 3.0}, {3});
  const std::vector<double> in{0.25, 1.5, 3.0};
  const std::vector<double> exp = values(ops::exp(x)), log = values(ops::log(x)),
                            rsqrt = values(ops::rsqrt(x)), pow = values(ops::pow(x, 2.5)),
                            scaled = values(2.0 - x * 3.0);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(exp[i], std::exp(in[i]));
    EXPECT_DOUBLE_EQ(log[i], std::log(in[i]));
    EXPECT_DOUBLE_EQ(rsqrt[i], 1 / std::sqrt(in[i]));
    EXPECT_DOUBLE_EQ(pow[i], std::pow(in[i], 2.5));
    EXPECT_DOUBLE_EQ(scaled[i], 2.0 - in[i] * 3.0);
  }
}

struct BinaryCase {
  const char* name;
  Tensor (*op)(const Tensor&, const Tensor&);
};

class BinaryGrad : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(BinaryGrad, SameShapeBroadcastAndViews) {
  const auto op = GetParam().op;
  const auto f = [op](const std::vector<Tensor>& in) { return op(in[0], in[1]); };
  // b stays away from zero so div is smooth.
  EXPECT_TRUE(gradcheck(f, {random_input({3, 5}, 1), random_input({3, 5}, 2, Layout::contiguous,
                                                                   0.5, 1.5)}));
  EXPECT_TRUE(gradcheck(f, {random_input({2, 3, 5}, 3),
                            random_input({3, 1}, 4, Layout::contiguous, 0.5, 1.5)}));
  EXPECT_TRUE(gradcheck(f, {random_input({1, 7}, 5),
                            random_input({4, 1}, 6, Layout::contiguous, 0.5, 1.5)}));
  EXPECT_TRUE(gradcheck(f, {random_input({4, 3}, 7, Layout::transposed),
                            random_input({4, 3}, 8, Layout::sliced, 0.5, 1.5)}));
}

INSTANTIATE_TEST_SUITE_P(Ops, BinaryGrad,
                         ::testing::Values(BinaryCase{"add", ops::add}, BinaryCase{"sub", ops::sub},
                                           BinaryCase{"mul", ops::mul}, BinaryCase{"div", ops::div}),
                         [](const auto& info) { return std::string(info.param.name); });

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  double low, high;  // the input range where the op is smooth
};

class UnaryGrad : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryGrad, ContiguousAndViews) {
  const UnaryCase& c = GetParam();
  const auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0]); };
  EXPECT_TRUE(gradcheck(f, {random_input({5}, 11, Layout::contiguous, c.low, c.high)}));
  EXPECT_TRUE(gradcheck(f, {random_input({3, 4}, 12, Layout::transposed, c.low, c.high)}));
  EXPECT_TRUE(gradcheck(f, {random_input({2, 3}, 13, Layout::sliced, c.low, c.high)}));
}

INSTANTIATE_TEST_SUITE_P(
    Ops, UnaryGrad,
    ::testing::Values(UnaryCase{"neg", ops::neg, -2, 2}, UnaryCase{"exp", ops::exp, -2, 2},
                      UnaryCase{"log", ops::log, 0.2, 3}, UnaryCase{"tanh", ops::tanh, -2, 2},
                      UnaryCase{"gelu", ops::gelu, -3, 3},
                      UnaryCase{"gelu_tanh", ops::gelu_tanh, -3, 3},
                      UnaryCase{"sqrt", ops::sqrt, 0.2, 3}, UnaryCase{"rsqrt", ops::rsqrt, 0.2, 3},
                      UnaryCase{"pow", [](const Tensor& x) { return ops::pow(x, -1.5); }, 0.2, 3},
                      UnaryCase{"add_scalar", [](const Tensor& x) { return x + 2.5; }, -2, 2},
                      UnaryCase{"sub_scalar", [](const Tensor& x) { return x - 2.5; }, -2, 2},
                      UnaryCase{"mul_scalar", [](const Tensor& x) { return x * -3.0; }, -2, 2},
                      UnaryCase{"div_scalar", [](const Tensor& x) { return x / 4.0; }, -2, 2},
                      UnaryCase{"rsub_scalar", [](const Tensor& x) { return 1.0 - x; }, -2, 2},
                      UnaryCase{"clamp_min",
                                [](const Tensor& x) { return ops::clamp_min(x, 0.05); }, -2, 2}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace longnet
