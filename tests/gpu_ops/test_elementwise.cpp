// Elementwise and broadcast ops on strided views against fp64 loops.
#include <cmath>
#include <functional>

#include "gpu_test_support.h"
#include "ops/cuda/elementwise.h"

namespace longnet::cuda::test {
namespace {

const Extent kExtent = {2, 3, 5, 7};

int64_t count(const Extent& e) { return e[0] * e[1] * e[2] * e[3]; }

// Calls f(offset under `stride`, dense index) for every index of `e`.
void visit_indices(const Extent& e, const Strides& stride, const std::function<void(int64_t, int64_t)>& f) {
  int64_t dense = 0;
  for (int64_t i0 = 0; i0 < e[0]; ++i0)
    for (int64_t i1 = 0; i1 < e[1]; ++i1)
      for (int64_t i2 = 0; i2 < e[2]; ++i2)
        for (int64_t i3 = 0; i3 < e[3]; ++i3)
          f(i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3 * stride[3], dense++);
}

// A view of kExtent stored transposed in its last two dimensions ([7, 5] padded to [7, 8]).
Strides transposed_strides() { return {3 * 56, 56, 1, 8}; }
int64_t transposed_span() { return 2 * 3 * 56; }

struct UnaryCase {
  UnaryOp op;
  double alpha, lo, hi;
  std::function<double(double, double)> ref;
};

double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double gelu_grad(double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-x * x / 2) / std::sqrt(2 * M_PI); }
// The tanh approximation: u = sqrt(2 / pi) (x + 0.044715 x^3), gelu_tanh = x (1 + tanh u) / 2.
double gelu_tanh_u(double x) { return std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x); }
double gelu_tanh(double x) { return 0.5 * x * (1 + std::tanh(gelu_tanh_u(x))); }
double gelu_tanh_grad(double x) {
  const double t = std::tanh(gelu_tanh_u(x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * std::sqrt(2 / M_PI) * (1 + 3 * 0.044715 * x * x);
}

const std::vector<UnaryCase>& unary_cases() {
  static const std::vector<UnaryCase> cases = {
      {UnaryOp::copy, 0, -3, 3, [](double x, double) { return x; }},
      {UnaryOp::neg, 0, -3, 3, [](double x, double) { return -x; }},
      {UnaryOp::scale, 0.37, -3, 3, [](double x, double a) { return a * x; }},
      {UnaryOp::add_scalar, -1.5, -3, 3, [](double x, double a) { return x + a; }},
      {UnaryOp::exp, 0, -5, 5, [](double x, double) { return std::exp(x); }},
      {UnaryOp::log, 0, 0.01, 10, [](double x, double) { return std::log(x); }},
      {UnaryOp::tanh, 0, -4, 4, [](double x, double) { return std::tanh(x); }},
      {UnaryOp::sqrt, 0, 0.01, 10, [](double x, double) { return std::sqrt(x); }},
      {UnaryOp::rsqrt, 0, 0.01, 10, [](double x, double) { return 1 / std::sqrt(x); }},
      {UnaryOp::square, 0, -3, 3, [](double x, double) { return x * x; }},
      {UnaryOp::reciprocal, 0, 0.1, 10, [](double x, double) { return 1 / x; }},
      {UnaryOp::abs, 0, -3, 3, [](double x, double) { return std::abs(x); }},
      {UnaryOp::relu, 0, -3, 3, [](double x, double) { return x > 0 ? x : 0; }},
      {UnaryOp::gelu, 0, -5, 5, [](double x, double) { return gelu(x); }},
      {UnaryOp::gelu_tanh, 0, -5, 5, [](double x, double) { return gelu_tanh(x); }},
      {UnaryOp::pow, 3, -2, 2, [](double x, double a) { return std::pow(x, a); }},
      {UnaryOp::pow, -0.5, 0.1, 4, [](double x, double a) { return std::pow(x, a); }},
      {UnaryOp::fill, 2.5, -1, 1, [](double, double a) { return a; }},
  };
  return cases;
}

TEST(Elementwise, UnaryOpsOnTransposedInputsAndDenseOutputs) {
  for (DType t : {DType::f32, DType::bf16})
    for (const UnaryCase& c : unary_cases()) {
      SCOPED_TRACE(::testing::Message() << name(t) << " op " << int(c.op));
      auto x = stored(random_values(transposed_span(), c.lo, c.hi, 100 + int(c.op)), t);
      DeviceArray dx(x, t), dy(count(kExtent), t);
      unary(gpu(), c.op, float(c.alpha), kExtent, {dx.data(), t, transposed_strides()},
            {dy.data(), t, dense_strides(kExtent)});
      std::vector<double> want(count(kExtent));
      visit_indices(kExtent, transposed_strides(), [&](int64_t off, int64_t i) { want[i] = c.ref(x[off], c.alpha); });
      EXPECT_TRUE(all_near(dy.download(), want, tolerance(t), 1e-6));
    }
}

struct BinaryCase {
  BinaryOp op;
  double alpha;
  std::function<double(double, double, double)> ref;
};

// a is drawn from [-3, 3], b from [0.5, 2].
const std::vector<BinaryCase>& binary_cases() {
  static const std::vector<BinaryCase> cases = {
      {BinaryOp::add, 0, [](double a, double b, double) { return a + b; }},
      {BinaryOp::sub, 0, [](double a, double b, double) { return a - b; }},
      {BinaryOp::mul, 0, [](double a, double b, double) { return a * b; }},
      {BinaryOp::div, 0, [](double a, double b, double) { return a / b; }},
      {BinaryOp::max, 0, [](double a, double b, double) { return std::max(a, b); }},
      {BinaryOp::min, 0, [](double a, double b, double) { return std::min(a, b); }},
      {BinaryOp::gelu_backward, 0, [](double x, double dy, double) { return dy * gelu_grad(x); }},
      {BinaryOp::gelu_tanh_backward, 0, [](double x, double dy, double) { return dy * gelu_tanh_grad(x); }},
      {BinaryOp::pow_backward, 3, [](double x, double dy, double a) { return dy * a * std::pow(x, a - 1); }},
      {BinaryOp::clamp_min_backward, 0.3, [](double x, double dy, double a) { return x < a ? 0 : dy; }},
  };
  return cases;
}

// Every op through the dense 16-byte path (its own instantiation per op): 4000 elements, so some
// threads take two groups of eight and some one; the poisoned tail shows writes past the end.
TEST(Elementwise, DenseVectorPathOfEveryOp) {
  const Extent e{1, 1, 4, 1000};
  for (DType t : {DType::f32, DType::bf16}) {
    for (const UnaryCase& c : unary_cases()) {
      SCOPED_TRACE(::testing::Message() << name(t) << " unary op " << int(c.op));
      auto x = stored(random_values(4000, c.lo, c.hi, 500 + int(c.op)), t);
      DeviceArray dx(x, t), dy(4008, t);
      unary(gpu(), c.op, float(c.alpha), e, {dx.data(), t, dense_strides(e)}, {dy.data(), t, dense_strides(e)});
      auto got = dy.download();
      std::vector<double> want;
      for (double v : x) want.push_back(c.ref(v, c.alpha));
      EXPECT_TRUE(all_near({got.begin(), got.begin() + 4000}, want, tolerance(t), 1e-6));
      for (int i = 4000; i < 4008; ++i) EXPECT_TRUE(std::isnan(got[i])) << "wrote past the end at " << i;
    }
    for (const BinaryCase& c : binary_cases()) {
      SCOPED_TRACE(::testing::Message() << name(t) << " binary op " << int(c.op));
      auto a = stored(random_values(4000, -3, 3, 600 + int(c.op)), t);
      auto b = stored(random_values(4000, 0.5, 2, 700 + int(c.op)), t);
      DeviceArray da(a, t), db(b, t), dout(4008, t);
      binary(gpu(), c.op, e, {da.data(), t, dense_strides(e)}, {db.data(), t, dense_strides(e)},
             {dout.data(), t, dense_strides(e)}, float(c.alpha));
      auto got = dout.download();
      std::vector<double> want;
      for (int i = 0; i < 4000; ++i) want.push_back(c.ref(a[i], b[i], c.alpha));
      EXPECT_TRUE(all_near({got.begin(), got.begin() + 4000}, want, tolerance(t), 1e-6));
      for (int i = 4000; i < 4008; ++i) EXPECT_TRUE(std::isnan(got[i])) << "wrote past the end at " << i;
    }
  }
}

// A row repeated down the rows (a bias) takes the 16-byte path too, as either operand; views
// carry the strides the backend's folding gives (zeros on size-1 dims).
TEST(Elementwise, OneRowRepeatedDownTheRowsAsEitherOperand) {
  const int64_t rows = 37, cols = 24;
  const Extent e{1, 1, rows, cols};
  const Strides dense{0, 0, cols, 1}, row{0, 0, 0, 1};
  for (DType t : {DType::f32, DType::bf16})
    for (const BinaryCase& c : binary_cases())
      for (bool row_first : {false, true}) {
        SCOPED_TRACE(::testing::Message() << name(t) << " op " << int(c.op) << (row_first ? " row first" : ""));
        auto full = stored(random_values(rows * cols, -3, 3, 800 + int(c.op)), t);
        auto one_row = stored(random_values(cols, 0.5, 2, 900 + int(c.op)), t);
        DeviceArray dfull(full, t), drow(one_row, t), dout(rows * cols + 8, t);
        const InView f{dfull.data(), t, dense}, r{drow.data(), t, row};
        binary(gpu(), c.op, e, row_first ? r : f, row_first ? f : r, {dout.data(), t, dense}, float(c.alpha));
        auto got = dout.download();
        std::vector<double> want;
        for (int64_t i = 0; i < rows * cols; ++i) {
          const double x = full[i], y = one_row[i % cols];
          want.push_back(row_first ? c.ref(y, x, c.alpha) : c.ref(x, y, c.alpha));
        }
        EXPECT_TRUE(all_near({got.begin(), got.begin() + rows * cols}, want, tolerance(t), 1e-6));
        for (int64_t i = rows * cols; i < rows * cols + 8; ++i) EXPECT_TRUE(std::isnan(got[i])) << i;
      }
}

TEST(Elementwise, BinaryOpsBroadcastAcrossDimensions) {
  const std::vector<BinaryCase>& cases = binary_cases();
  // a: transposed full view; b: [1, 3, 1, 7] broadcast over dims 0 and 2; out: padded rows.
  Strides b_stride{0, 7, 0, 1};
  Strides out_stride{3 * 5 * 9, 5 * 9, 9, 1};
  for (DType t : {DType::f32, DType::bf16})
    for (const BinaryCase& c : cases) {
      SCOPED_TRACE(::testing::Message() << name(t) << " op " << int(c.op));
      auto a = stored(random_values(transposed_span(), -3, 3, 200 + int(c.op)), t);
      auto b = stored(random_values(21, 0.5, 2, 300 + int(c.op)), t);
      DeviceArray da(a, t), db(b, t), dout(2 * 3 * 5 * 9, t);
      binary(gpu(), c.op, kExtent, {da.data(), t, transposed_strides()}, {db.data(), t, b_stride},
             {dout.data(), t, out_stride}, float(c.alpha));
      auto got_all = dout.download();
      std::vector<double> got(count(kExtent)), want(count(kExtent));
      std::vector<int64_t> a_off(count(kExtent)), b_off(count(kExtent));
      visit_indices(kExtent, transposed_strides(), [&](int64_t off, int64_t i) { a_off[i] = off; });
      visit_indices(kExtent, b_stride, [&](int64_t off, int64_t i) { b_off[i] = off; });
      visit_indices(kExtent, out_stride, [&](int64_t off, int64_t i) {
        got[i] = got_all[off];
        want[i] = c.ref(a[a_off[i]], b[b_off[i]], c.alpha);
      });
      EXPECT_TRUE(all_near(got, want, tolerance(t), 1e-6));
    }
}

TEST(Elementwise, ConvertRoundsToNearestEvenBothWays) {
  auto x = random_values(1001, -100, 100, 9);
  x.push_back(1.0 + 1.0 / 256);  // exactly halfway between two bf16 values: rounds to even (1.0)
  DeviceArray f(x, DType::f32), b(int64_t(x.size()), DType::bf16), back(int64_t(x.size()), DType::f32);
  convert(gpu(), int64_t(x.size()), f.data(), DType::f32, b.data(), DType::bf16);
  convert(gpu(), int64_t(x.size()), b.data(), DType::bf16, back.data(), DType::f32);
  auto want = stored(x, DType::bf16);
  EXPECT_EQ(want.back(), 1.0);
  EXPECT_TRUE(all_near(b.download(), want, 0, 0));
  EXPECT_TRUE(all_near(back.download(), want, 0, 0));
}

}  // namespace
}  // namespace longnet::cuda::test
