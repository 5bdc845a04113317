// Reductions over one dim (sum, max with argmax, logsumexp), accumulated in double.
#include <cmath>
#include <limits>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {

void CpuBackend::reduce(ReduceOp op, const Tensor& x, int64_t dim, const Tensor& out,
                        const Tensor& argmax) {
  visit_floating(x.dtype(), "reduce", [&](auto tag) {
    using T = decltype(tag);
    const AroundDim a = around_dim(x.shape(), dim);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    int64_t* arg = op == ReduceOp::max ? argmax.data<int64_t>() : nullptr;
    parallel_for(a.outer * a.inner, a.n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* v = in + (r / a.inner) * a.n * a.inner + r % a.inner;
        if (op == ReduceOp::sum) {
          double sum = 0;
          for (int64_t k = 0; k < a.n; ++k) sum += double(v[k * a.inner]);
          o[r] = T(sum);
          continue;
        }
        double best = -std::numeric_limits<double>::infinity();
        int64_t best_at = 0;
        for (int64_t k = 0; k < a.n; ++k) {
          if (double(v[k * a.inner]) > best) {
            best = double(v[k * a.inner]);
            best_at = k;
          }
        }
        if (op == ReduceOp::max) {
          o[r] = a.n ? v[best_at * a.inner] : T(best);
          arg[r] = best_at;
          continue;
        }
        if (std::isinf(best) && best < 0) {  // every entry -inf (or none): lse is -inf
          o[r] = T(best);
          continue;
        }
        double sum = 0;
        for (int64_t k = 0; k < a.n; ++k) sum += std::exp(double(v[k * a.inner]) - best);
        o[r] = T(best + std::log(sum));
      }
    });
  });
}

void CpuBackend::max_backward(const Tensor& argmax, const Tensor& grad, int64_t dim,
                              const Tensor& grad_x) {
  fill(grad_x, 0.0);
  visit_floating(grad.dtype(), "max backward", [&](auto tag) {
    using T = decltype(tag);
    const AroundDim a = around_dim(grad_x.shape(), dim);
    const int64_t* arg = argmax.data<int64_t>();
    const T* g = grad.data<T>();
    T* gx = grad_x.data<T>();
    for (int64_t r = 0; r < a.outer * a.inner; ++r)
      gx[(r / a.inner) * a.n * a.inner + arg[r] * a.inner + r % a.inner] = g[r];
  });
}

}  // namespace longnet::ops::cpu
