// LayerNorm over the last dim; statistics in double, two passes.
#include <cmath>
#include <vector>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {

void CpuBackend::layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps,
                            const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  visit_floating(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    const int64_t e = x.size(-1), rows = x.numel() / std::max<int64_t>(e, 1);
    const T *px = x.data<T>(), *pw = w.data<T>(), *pb = b.data<T>();
    T *py = y.data<T>(), *pm = mean.data<T>(), *pr = rstd.data<T>();
    parallel_for(rows, e, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* row = px + r * e;
        double sum = 0, sq = 0;
        for (int64_t j = 0; j < e; ++j) sum += double(row[j]);
        const double mu = sum / double(e);
        for (int64_t j = 0; j < e; ++j) sq += (double(row[j]) - mu) * (double(row[j]) - mu);
        const T inv = T(1.0 / std::sqrt(sq / double(e) + eps));
        pm[r] = T(mu);
        pr[r] = inv;
        T* out = py + r * e;
        for (int64_t j = 0; j < e; ++j) out[j] = (row[j] - T(mu)) * inv * pw[j] + pb[j];
      }
    });
  });
}

void CpuBackend::layer_norm_backward(const Tensor& x, const Tensor& w, const Tensor& mean,
                                     const Tensor& rstd, const Tensor& grad_y,
                                     const Tensor& grad_x, const Tensor& grad_w,
                                     const Tensor& grad_b) {
  visit_floating(x.dtype(), "layer_norm backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t e = x.size(-1), rows = x.numel() / std::max<int64_t>(e, 1);
    const T *px = x.data<T>(), *pw = w.data<T>(), *pm = mean.data<T>(), *pr = rstd.data<T>();
    const T* pg = grad_y.data<T>();
    T* gx = grad_x.data<T>();
    // grad_x = rstd * (g w - mean(g w) - xhat * mean(g w xhat)), per row.
    parallel_for(rows, e, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T *row = px + r * e, *g = pg + r * e;
        double sum_gw = 0, sum_gw_xhat = 0;
        for (int64_t j = 0; j < e; ++j) {
          const double gw = double(g[j]) * double(pw[j]);
          sum_gw += gw;
          sum_gw_xhat += gw * (double(row[j]) - double(pm[r])) * double(pr[r]);
        }
        const T a = T(sum_gw / double(e)), c = T(sum_gw_xhat / double(e));
        for (int64_t j = 0; j < e; ++j) {
          const T xhat = (row[j] - pm[r]) * pr[r];
          gx[r * e + j] = pr[r] * (g[j] * pw[j] - a - xhat * c);
        }
      }
    });
    // grad_w and grad_b: columns in parallel, rows summed in order (deterministic).
    T *gw = grad_w.data<T>(), *gb = grad_b.data<T>();
    constexpr int64_t kBlock = 64;
    const int64_t blocks = (e + kBlock - 1) / kBlock;
    parallel_for(blocks, rows * kBlock, [&](int64_t begin, int64_t end) {
      std::vector<double> sw(kBlock), sb(kBlock);
      for (int64_t blk = begin; blk < end; ++blk) {
        const int64_t j0 = blk * kBlock, j1 = std::min(e, j0 + kBlock);
        std::fill(sw.begin(), sw.end(), 0.0);
        std::fill(sb.begin(), sb.end(), 0.0);
        for (int64_t r = 0; r < rows; ++r) {
          const T *row = px + r * e, *g = pg + r * e;
          for (int64_t j = j0; j < j1; ++j) {
            sw[j - j0] += double(g[j]) * double((row[j] - pm[r]) * pr[r]);
            sb[j - j0] += double(g[j]);
          }
        }
        for (int64_t j = j0; j < j1; ++j) {
          gw[j] = T(sw[j - j0]);
          gb[j] = T(sb[j - j0]);
        }
      }
    });
  });
}

}  // namespace longnet::ops::cpu
