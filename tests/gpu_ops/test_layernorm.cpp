// LayerNorm forward, residual-add forward and backward against fp64 formulas.
#include <cmath>

#include "gpu_test_support.h"
#include "ops/cuda/layernorm.h"

namespace longnet::cuda::test {
namespace {

struct Reference {
  std::vector<double> y, mean, rstd;
};

// Rows of x with stride ld; y dense [rows, dim].
Reference layernorm_ref(const std::vector<double>& x, int64_t rows, int64_t dim, int64_t ld,
                        const std::vector<double>& g, const std::vector<double>& b, double eps) {
  Reference r;
  for (int64_t i = 0; i < rows; ++i) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < dim; ++j) mean += x[i * ld + j];
    mean /= dim;
    for (int64_t j = 0; j < dim; ++j) var += (x[i * ld + j] - mean) * (x[i * ld + j] - mean);
    double rstd = 1 / std::sqrt(var / dim + eps);
    r.mean.push_back(mean);
    r.rstd.push_back(rstd);
    for (int64_t j = 0; j < dim; ++j) r.y.push_back((x[i * ld + j] - mean) * rstd * g[j] + b[j]);
  }
  return r;
}

struct Shape {
  int64_t rows, dim, pad;
};

// Odd dims take the element-by-element path, multiples of 8 the 16-byte one; dims up to 1024
// (forward) and 768 (backward) keep rows in registers, in 1 to 4 pieces of 256 per warp, the last
// piece possibly partial; more than 72 rows make several backward row chunks.
const Shape kShapes[] = {{67, 203, 5}, {33, 768, 8}, {70, 136, 8}, {150, 520, 0}, {19, 1024, 0}, {5, 2056, 8}};

TEST(LayerNorm, ForwardSavesMeanAndRstd) {
  for (DType t : {DType::f32, DType::bf16})
    for (Shape sh : kShapes) {
      SCOPED_TRACE(::testing::Message() << name(t) << " dim " << sh.dim);
      int64_t ld = sh.dim + sh.pad;
      auto x = stored(random_values(sh.rows * ld, -2, 3, 1), t);
      auto g = stored(random_values(sh.dim, 0.5, 1.5, 2), t);
      auto b = stored(random_values(sh.dim, -0.5, 0.5, 3), t);
      DeviceArray dx(x, t), dg(g, t), db(b, t), dy(sh.rows * sh.dim, t), mean(sh.rows, DType::f32),
          rstd(sh.rows, DType::f32);
      LayerNormShape s{sh.rows, sh.dim, t, t, 1e-5f};
      layernorm_forward(gpu(), s, {dx.data(), ld}, dg.data(), db.data(), {dy.data(), sh.dim}, static_cast<float*>(mean.data()),
                        static_cast<float*>(rstd.data()));
      Reference r = layernorm_ref(x, sh.rows, sh.dim, ld, g, b, 1e-5);
      EXPECT_TRUE(all_near(dy.download(), r.y, tolerance(t), tolerance(t)));
      EXPECT_TRUE(all_near(mean.download(), r.mean, 1e-5, 1e-6));
      EXPECT_TRUE(all_near(rstd.download(), r.rstd, 1e-5, 1e-6));
    }
}

TEST(LayerNorm, ResidualAddThenNormalize) {
  for (DType t : {DType::f32, DType::bf16})
    for (Shape sh : kShapes) {
      SCOPED_TRACE(::testing::Message() << name(t) << " dim " << sh.dim);
      auto x = stored(random_values(sh.rows * sh.dim, -2, 2, 4), t);
      auto res = stored(random_values(sh.rows * sh.dim, -2, 2, 5), t);
      auto g = stored(random_values(sh.dim, 0.5, 1.5, 6), t);
      auto b = stored(random_values(sh.dim, -0.5, 0.5, 7), t);
      DeviceArray dx(x, t), dres(res, t), dg(g, t), db(b, t), sum(sh.rows * sh.dim, t), dy(sh.rows * sh.dim, t),
          mean(sh.rows, DType::f32), rstd(sh.rows, DType::f32);
      LayerNormShape s{sh.rows, sh.dim, t, t, 1e-5f};
      add_layernorm_forward(gpu(), s, {dx.data(), sh.dim}, {dres.data(), sh.dim}, {sum.data(), sh.dim}, dg.data(),
                            db.data(), {dy.data(), sh.dim}, static_cast<float*>(mean.data()),
                            static_cast<float*>(rstd.data()));
      std::vector<double> want_sum;
      for (size_t i = 0; i < x.size(); ++i) want_sum.push_back(x[i] + res[i]);
      want_sum = stored(want_sum, t);  // the sum is stored in the activation type, then normalized
      EXPECT_TRUE(all_near(sum.download(), want_sum, 0, 0));
      Reference r = layernorm_ref(want_sum, sh.rows, sh.dim, sh.dim, g, b, 1e-5);
      EXPECT_TRUE(all_near(dy.download(), r.y, tolerance(t), tolerance(t)));
    }
}

// dx into its own buffer, or over dy (in place).
void check_backward(DType t, Shape sh, bool in_place) {
  SCOPED_TRACE(::testing::Message() << name(t) << " rows " << sh.rows << " dim " << sh.dim << (in_place ? " in place" : ""));
  int64_t ld = sh.dim + sh.pad, n = sh.rows * sh.dim;
  auto x = stored(random_values(sh.rows * ld, -2, 3, 8), t);
  auto dyv = stored(random_values(sh.rows * ld, -1, 1, 9), t);
  auto add = stored(random_values(n, -1, 1, 10), t);
  auto g = stored(random_values(sh.dim, 0.5, 1.5, 11), t);
  Reference r = layernorm_ref(x, sh.rows, sh.dim, ld, g, std::vector<double>(sh.dim, 0.0), 1e-5);
  DeviceArray dx_in(x, t), ddy(dyv, t), dadd(add, t), dg(g, t), mean(stored(r.mean, DType::f32), DType::f32),
      rstd(stored(r.rstd, DType::f32), DType::f32), dx(in_place ? 1 : n, t), dgamma(sh.dim, t), dbeta(sh.dim, t);
  const Rows dx_out = in_place ? Rows{ddy.data(), ld} : Rows{dx.data(), sh.dim};
  LayerNormShape s{sh.rows, sh.dim, t, t, 1e-5f};
  layernorm_backward(gpu(), s, {ddy.data(), ld}, {dx_in.data(), ld}, static_cast<float*>(mean.data()),
                     static_cast<float*>(rstd.data()), dg.data(), dx_out, {dadd.data(), sh.dim}, dgamma.data(),
                     dbeta.data());
  std::vector<double> want_dx, want_dg(sh.dim, 0.0), want_db(sh.dim, 0.0);
  for (int64_t i = 0; i < sh.rows; ++i) {
    double a = 0, c = 0;
    for (int64_t j = 0; j < sh.dim; ++j) {
      double xhat = (x[i * ld + j] - r.mean[i]) * r.rstd[i], gdy = g[j] * dyv[i * ld + j];
      a += gdy, c += gdy * xhat;
      want_dg[j] += dyv[i * ld + j] * xhat;
      want_db[j] += dyv[i * ld + j];
    }
    a /= sh.dim, c /= sh.dim;
    for (int64_t j = 0; j < sh.dim; ++j) {
      double xhat = (x[i * ld + j] - r.mean[i]) * r.rstd[i];
      want_dx.push_back(r.rstd[i] * (g[j] * dyv[i * ld + j] - a - xhat * c) + add[i * sh.dim + j]);
    }
  }
  std::vector<double> got_dx = dx.download();
  if (in_place) {
    const std::vector<double> all = ddy.download();
    got_dx.clear();
    for (int64_t i = 0; i < sh.rows; ++i)
      for (int64_t j = 0; j < sh.dim; ++j) got_dx.push_back(all[i * ld + j]);
  }
  double tol = tolerance(t);
  EXPECT_TRUE(all_near(got_dx, want_dx, tol, tol * 4));
  EXPECT_TRUE(all_near(dgamma.download(), want_dg, tol, tol * std::sqrt(double(sh.rows))));
  EXPECT_TRUE(all_near(dbeta.download(), want_db, tol, tol * std::sqrt(double(sh.rows))));
}

TEST(LayerNorm, BackwardGivesInputAndParameterGradients) {
  for (DType t : {DType::f32, DType::bf16})
    for (Shape sh : kShapes) check_backward(t, sh, false);
}

// The fast path over many rows per block (70000 rows: row chunks of 274, 34-35 rows per warp), with
// dx over dy.
TEST(LayerNorm, BackwardOverManyRowsPerWarpAndInPlace) {
  check_backward(DType::bf16, {70000, 136, 0}, true);
  check_backward(DType::bf16, {300, 768, 8}, true);
  check_backward(DType::bf16, {300, 520, 0}, false);
}

TEST(LayerNorm, BackwardGivesTheSameBitsEveryRun) {
  const int64_t rows = 1000, dim = 768, n = rows * dim;
  const DType t = DType::bf16;
  auto x = stored(random_values(n, -2, 2, 20), t);
  Reference r = layernorm_ref(x, rows, dim, dim, std::vector<double>(dim, 1.0), std::vector<double>(dim, 0.0), 1e-5);
  DeviceArray dy(random_values(n, -1, 1, 21), t), dx_in(x, t), g(random_values(dim, 0.5, 1.5, 22), t),
      mean(stored(r.mean, DType::f32), DType::f32), rstd(stored(r.rstd, DType::f32), DType::f32);
  std::vector<uint8_t> first[3];
  for (int run = 0; run < 2; ++run) {
    DeviceArray dx(n, t), dgamma(dim, t), dbeta(dim, t);
    layernorm_backward(gpu(), {rows, dim, t, t, 1e-5f}, {dy.data(), dim}, {dx_in.data(), dim},
                       static_cast<float*>(mean.data()), static_cast<float*>(rstd.data()), g.data(), {dx.data(), dim},
                       {nullptr, 0}, dgamma.data(), dbeta.data());
    if (run == 0) {
      first[0] = dx.bytes(), first[1] = dgamma.bytes(), first[2] = dbeta.bytes();
    } else {
      EXPECT_EQ(dx.bytes(), first[0]);
      EXPECT_EQ(dgamma.bytes(), first[1]);
      EXPECT_EQ(dbeta.bytes(), first[2]);
    }
  }
}

}  // namespace
}  // namespace longnet::cuda::test
