// matmul and linear: products against a naive loop, for transposed views, broadcast batches and
// the 2-D weight fast path; gradients against central differences.
#include "ops/create.h"
#include "ops/gradcheck.h"
#include "ops/matmul.h"
#include "ops/view.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

// Naive [batch, M, K] x [batch, K, N] on row-major doubles (batch 1 for 2-D).
std::vector<double> naive(const std::vector<double>& a, const std::vector<double>& b,
                          int64_t batch, int64_t m, int64_t k, int64_t n, bool b_shared) {
  std::vector<double> c(size_t(batch * m * n), 0.0);
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t r = 0; r < m; ++r)
      for (int64_t col = 0; col < n; ++col)
        for (int64_t x = 0; x < k; ++x)
          c[size_t((i * m + r) * n + col)] +=
              a[size_t((i * m + r) * k + x)] * b[size_t(((b_shared ? 0 : i) * k + x) * n + col)];
  return c;
}

void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

TEST(Matmul, MatchesNaiveProductForEveryOperandLayout) {
  for (Layout la : {Layout::contiguous, Layout::transposed, Layout::sliced})
    for (Layout lb : {Layout::contiguous, Layout::transposed, Layout::sliced}) {
      const Tensor a = random_input({3, 5, 7}, 1, la), b = random_input({3, 7, 2}, 2, lb);
      expect_near(values(ops::matmul(a, b)), naive(values(a), values(b), 3, 5, 7, 2, false),
                  1e-12);
    }
}

TEST(Matmul, SharedWeightAndBroadcastBatches) {
  const Tensor a = random_input({2, 3, 4, 5}, 3), w = random_input({5, 6}, 4, Layout::transposed);
  const Tensor c = ops::matmul(a, w);
  EXPECT_EQ(c.shape(), (Shape{2, 3, 4, 6}));
  expect_near(values(c), naive(values(a), values(w), 6, 4, 5, 6, true), 1e-12);
  // [2, 1, 4, 5] @ [3, 5, 6] -> [2, 3, 4, 6]
  const Tensor x = random_input({2, 1, 4, 5}, 5), y = random_input({3, 5, 6}, 6);
  const Tensor z = ops::matmul(x, y);
  ASSERT_EQ(z.shape(), (Shape{2, 3, 4, 6}));
  const std::vector<double> vx = values(x), vy = values(y), vz = values(z);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      const std::vector<double> xa(vx.begin() + i * 20, vx.begin() + (i + 1) * 20);
      const std::vector<double> yb(vy.begin() + j * 30, vy.begin() + (j + 1) * 30);
      const std::vector<double> want = naive(xa, yb, 1, 4, 5, 6, false);
      for (size_t e = 0; e < 24; ++e) EXPECT_NEAR(vz[size_t((i * 3 + j) * 24) + e], want[e], 1e-12);
    }
}

TEST(Matmul, FloatAgreesWithDouble) {
  const Tensor a = random_input({33, 65}, 7), b = random_input({65, 17}, 8);
  const Tensor c32 = ops::matmul(ops::cast(a, DType::f32), ops::cast(b, DType::f32));
  EXPECT_EQ(c32.dtype(), DType::f32);
  expect_near(values(c32), values(ops::matmul(a, b)), 1e-4);
}

TEST(Matmul, InnerDimensionMismatchIsAnError) {
  EXPECT_THROW(ops::matmul(ops::zeros({2, 3}), ops::zeros({4, 2})), RuntimeError);
}

TEST(Matmul, Gradients) {
  const auto mm = [](const auto& in) { return ops::matmul(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(mm, {random_input({3, 4}, 10), random_input({4, 5}, 11)}));
  EXPECT_TRUE(gradcheck(mm, {random_input({2, 3, 4}, 12, Layout::transposed),
                             random_input({2, 4, 5}, 13, Layout::sliced)}));
  EXPECT_TRUE(gradcheck(mm, {random_input({2, 3, 5}, 14), random_input({5, 3}, 15,
                                                                       Layout::transposed)}));
  EXPECT_TRUE(gradcheck(mm, {random_input({2, 1, 3, 2}, 16), random_input({3, 2, 3}, 17)}));
  EXPECT_TRUE(gradcheck(mm, {random_input({1, 3}, 18), random_input({3, 1}, 19)}));
}

TEST(Linear, ValuesAndGradients) {
  const Tensor x = random_input({2, 3, 4}, 20), w = random_input({5, 4}, 21),
               b = random_input({5}, 22);
  const std::vector<double> y = values(ops::linear(x, w, b)), vx = values(x), vw = values(w),
                            vb = values(b);
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t o = 0; o < 5; ++o) {
      double want = vb[size_t(o)];
      for (int64_t i = 0; i < 4; ++i) want += vx[size_t(r * 4 + i)] * vw[size_t(o * 4 + i)];
      EXPECT_NEAR(y[size_t(r * 5 + o)], want, 1e-12);
    }
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::linear(in[0], in[1], in[2]); },
                        {random_input({2, 3, 4}, 23, Layout::sliced), w, b}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::linear(in[0], in[1], Tensor()); },
                        {random_input({3, 4}, 24), w}));
}

}  // namespace
}  // namespace longnet
