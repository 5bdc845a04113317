// cuBLASLt GEMMs against an fp64 loop, in row-major terms (see gemm.h).
#include <cmath>

#include "common/error.h"
#include "gpu_test_support.h"
#include "ops/cuda/gemm.h"

namespace longnet::cuda::test {
namespace {

struct Problem {
  int64_t m, n, k, batch = 1;
  bool ta = false, tb = false;
  int64_t pad = 3;  // extra elements at each row's end: non-contiguous operands
};

// op(X)[i, j] of a row-major matrix with row stride ld.
double at(const std::vector<double>& x, int64_t base, int64_t ld, bool trans, int64_t i, int64_t j) {
  return trans ? x[base + j * ld + i] : x[base + i * ld + j];
}

void check_gemm(DType t, const Problem& p, float alpha, float beta) {
  SCOPED_TRACE(::testing::Message() << name(t) << " m=" << p.m << " n=" << p.n << " k=" << p.k << " batch=" << p.batch
                                    << " ta=" << p.ta << " tb=" << p.tb << " alpha=" << alpha << " beta=" << beta);
  int64_t a_rows = p.ta ? p.k : p.m, a_cols = p.ta ? p.m : p.k;
  int64_t b_rows = p.tb ? p.n : p.k, b_cols = p.tb ? p.k : p.n;
  int64_t lda = a_cols + p.pad, ldb = b_cols + p.pad, ldc = p.n + p.pad;
  int64_t sa = a_rows * lda, sb = b_rows * ldb, sc = p.m * ldc;
  auto a = stored(random_values(sa * p.batch, -1, 1, 1), t);
  auto b = stored(random_values(sb * p.batch, -1, 1, 2), t);
  auto c0 = stored(random_values(sc * p.batch, -1, 1, 3), t);
  DeviceArray da(a, t), db(b, t);
  DeviceArray dc = beta != 0 ? DeviceArray(c0, t) : DeviceArray(sc * p.batch, t);
  GemmArgs g;
  g.dtype = t, g.m = p.m, g.n = p.n, g.k = p.k, g.trans_a = p.ta, g.trans_b = p.tb;
  g.a = da.data(), g.lda = lda, g.b = db.data(), g.ldb = ldb, g.c = dc.data(), g.ldc = ldc;
  g.alpha = alpha, g.beta = beta, g.batch = p.batch, g.stride_a = sa, g.stride_b = sb, g.stride_c = sc;
  gemm(gpu(), g);
  auto got = dc.download();
  std::vector<double> got_c, want_c;
  for (int64_t q = 0; q < p.batch; ++q)
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < p.n; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < p.k; ++l) acc += at(a, q * sa, lda, p.ta, i, l) * at(b, q * sb, ldb, p.tb, l, j);
        int64_t ci = q * sc + i * ldc + j;
        want_c.push_back(alpha * acc + (beta != 0 ? beta * c0[ci] : 0.0));
        got_c.push_back(got[ci]);
      }
  EXPECT_TRUE(all_near(got_c, want_c, tolerance(t), tolerance(t) * std::sqrt(double(p.k))));
}

TEST(Gemm, AllTransposesOddSizesStridedRows) {
  for (DType t : {DType::f32, DType::bf16})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) check_gemm(t, {37, 53, 29, 1, ta, tb}, 1.f, 0.f);
}

TEST(Gemm, AlphaBetaAccumulateIntoC) {
  for (DType t : {DType::f32, DType::bf16}) check_gemm(t, {40, 24, 64, 1, false, true, 8}, 0.5f, 0.25f);
}

TEST(Gemm, BatchedStrided) {
  for (DType t : {DType::f32, DType::bf16}) check_gemm(t, {19, 23, 31, 3, true, false}, 1.f, 0.f);
}

// Epilogue problems: y = x W^T (+ b), x [m, k], W [n, k], as a Linear layer computes.
struct Linear {
  int64_t m = 48, n = 40, k = 32;
  DType t;
  std::vector<double> x, w, bias;
  DeviceArray dx, dw, db;
  explicit Linear(DType type)
      : t(type),
        x(stored(random_values(m * k, -1, 1, 11), t)),
        w(stored(random_values(n * k, -1, 1, 12), t)),
        bias(stored(random_values(n, -1, 1, 13), t)),
        dx(x, t),
        dw(w, t),
        db(bias, t) {}
  GemmArgs args(void* out) const {
    GemmArgs g;
    g.dtype = t, g.m = m, g.n = n, g.k = k, g.trans_b = true;
    g.a = dx.data(), g.lda = k, g.b = dw.data(), g.ldb = k, g.c = out, g.ldc = n;
    return g;
  }
  double product(int64_t i, int64_t j) const {
    double acc = 0;
    for (int64_t l = 0; l < k; ++l) acc += x[i * k + l] * w[j * k + l];
    return acc;
  }
};

double gelu_tanh(double x) { return 0.5 * x * (1 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))); }
double gelu_tanh_grad(double x) {
  double u = 0.7978845608028654 * (x + 0.044715 * x * x * x), th = std::tanh(u);
  return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x);
}

TEST(Gemm, BiasEpilogueAddsBiasPerOutputFeature) {
  for (DType t : {DType::f32, DType::bf16}) {
    SCOPED_TRACE(name(t));
    Linear L(t);
    DeviceArray y(L.m * L.n, t);
    GemmArgs g = L.args(y.data());
    g.epilogue = Epilogue::bias, g.bias = L.db.data();
    gemm(gpu(), g);
    std::vector<double> want;
    for (int64_t i = 0; i < L.m; ++i)
      for (int64_t j = 0; j < L.n; ++j) want.push_back(L.product(i, j) + L.bias[j]);
    EXPECT_TRUE(all_near(y.download(), want, tolerance(t), tolerance(t) * 4));
  }
}

TEST(Gemm, BiasGradientFromAReducesOverK) {
  // dW = dy^T x with db = column sums of dy: dy [tokens, out] is A transposed.
  for (DType t : {DType::f32, DType::bf16}) {
    SCOPED_TRACE(name(t));
    int64_t tokens = 64, out = 24, in = 40;
    auto dy = stored(random_values(tokens * out, -1, 1, 21), t);
    auto x = stored(random_values(tokens * in, -1, 1, 22), t);
    DeviceArray ddy(dy, t), dxx(x, t), dw(out * in, t), db(out, t);
    GemmArgs g;
    g.dtype = t, g.m = out, g.n = in, g.k = tokens, g.trans_a = true;
    g.a = ddy.data(), g.lda = out, g.b = dxx.data(), g.ldb = in, g.c = dw.data(), g.ldc = in;
    g.epilogue = Epilogue::bgrad_a, g.bias = db.data();
    gemm(gpu(), g);
    std::vector<double> want_w, want_b(out, 0.0);
    for (int64_t i = 0; i < out; ++i) {
      for (int64_t j = 0; j < in; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < tokens; ++l) acc += dy[l * out + i] * x[l * in + j];
        want_w.push_back(acc);
      }
      for (int64_t l = 0; l < tokens; ++l) want_b[i] += dy[l * out + i];
    }
    EXPECT_TRUE(all_near(dw.download(), want_w, tolerance(t), tolerance(t) * 8));
    EXPECT_TRUE(all_near(db.download(), want_b, tolerance(t), tolerance(t) * 8));
  }
}

TEST(Gemm, TanhGeluEpiloguesForwardAndBackward) {
  DType t = DType::bf16;
  Linear L(t);
  DeviceArray y(L.m * L.n, t), pre(L.m * L.n, t);
  GemmArgs g = L.args(y.data());
  g.epilogue = Epilogue::bias_gelu_tanh, g.bias = L.db.data(), g.aux = pre.data(), g.ld_aux = L.n;
  gemm(gpu(), g);
  std::vector<double> want_pre, want_y;
  for (int64_t i = 0; i < L.m; ++i)
    for (int64_t j = 0; j < L.n; ++j) {
      double h = L.product(i, j) + L.bias[j];
      want_pre.push_back(h);
      want_y.push_back(gelu_tanh(h));
    }
  EXPECT_TRUE(all_near(pre.download(), want_pre, 1e-2, 4e-2));
  EXPECT_TRUE(all_near(y.download(), want_y, 1e-2, 4e-2));

  // Backward: dh = (dy W) * gelu'(pre) with dy [m, n], W [n, k] -> [m, k]... here reuse shapes so
  // that the product is [m, n]: dh = (x W^T) * gelu'(pre), dbias = column sums of dh.
  auto pre_stored = pre.download();
  DeviceArray dh(L.m * L.n, t), dbias(L.n, t);
  GemmArgs b = L.args(dh.data());
  b.epilogue = Epilogue::dgelu_tanh_bgrad, b.bias = dbias.data(), b.aux = pre.data(), b.ld_aux = L.n;
  gemm(gpu(), b);
  std::vector<double> want_dh, want_db(L.n, 0.0);
  for (int64_t i = 0; i < L.m; ++i)
    for (int64_t j = 0; j < L.n; ++j) {
      double v = L.product(i, j) * gelu_tanh_grad(pre_stored[i * L.n + j]);
      want_dh.push_back(v);
      want_db[j] += v;
    }
  EXPECT_TRUE(all_near(dh.download(), want_dh, 1e-2, 4e-2));
  EXPECT_TRUE(all_near(dbias.download(), want_db, 1e-2, 2e-1));
}

TEST(Gemm, RejectsBadLeadingDimensionWithAMessage) {
  GemmArgs g;
  g.m = 4, g.n = 4, g.k = 4, g.lda = 2, g.ldb = 4, g.ldc = 4;
  try {
    gemm(gpu(), g);
    FAIL() << "expected an error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("lda is smaller than a row of A"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace longnet::cuda::test
