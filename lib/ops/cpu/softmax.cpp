// Softmax and log-softmax over rows.
#include <cmath>
#include <limits>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {

void CpuBackend::softmax(const Tensor& x, bool log, const Tensor& y) {
  visit_floating(x.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = x.size(-1), rows = x.numel() / std::max<int64_t>(n, 1);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    parallel_for(rows, n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* in = px + r * n;
        T* out = py + r * n;
        T best = -std::numeric_limits<T>::infinity();
        for (int64_t j = 0; j < n; ++j) best = std::max(best, in[j]);
        if (std::isinf(best) && best < 0) {  // a fully masked row: zeros, not NaN
          for (int64_t j = 0; j < n; ++j) out[j] = log ? best : T(0);
          continue;
        }
        double sum = 0;
        for (int64_t j = 0; j < n; ++j) sum += std::exp(double(in[j] - best));
        if (log) {
          const T lse = best + T(std::log(sum));
          for (int64_t j = 0; j < n; ++j) out[j] = in[j] - lse;
        } else {
          const T inv = T(1.0 / sum);
          for (int64_t j = 0; j < n; ++j) out[j] = std::exp(in[j] - best) * inv;
        }
      }
    });
  });
}

void CpuBackend::softmax_backward(const Tensor& y, const Tensor& grad_y, bool log,
                                  const Tensor& grad_x) {
  visit_floating(y.dtype(), "softmax backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = y.size(-1), rows = y.numel() / std::max<int64_t>(n, 1);
    const T *py = y.data<T>(), *pg = grad_y.data<T>();
    T* gx = grad_x.data<T>();
    parallel_for(rows, n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T *out = py + r * n, *g = pg + r * n;
        T* d = gx + r * n;
        double dot = 0;
        if (log) {  // d = g - softmax * sum(g)
          for (int64_t j = 0; j < n; ++j) dot += double(g[j]);
          for (int64_t j = 0; j < n; ++j) d[j] = g[j] - std::exp(out[j]) * T(dot);
        } else {  // d = y * (g - sum(g y))
          for (int64_t j = 0; j < n; ++j) dot += double(g[j]) * double(out[j]);
          for (int64_t j = 0; j < n; ++j) d[j] = out[j] * (g[j] - T(dot));
        }
      }
    });
  });
}

}  // namespace longnet::ops::cpu
