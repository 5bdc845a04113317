// Counter-based random fills and dropout: element i draws Philox(seed, stream, i).
#include "common/philox.h"
#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {

void CpuBackend::fill_random(const Tensor& dst, Distribution dist, double a, double b,
                             uint64_t seed, uint64_t stream) {
  visit_floating(dst.dtype(), "fill_random", [&](auto tag) {
    using T = decltype(tag);
    T* o = dst.data<T>();
    parallel_for(dst.numel(), 32, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        if (dist == Distribution::uniform)
          o[i] = T(a + (b - a) * double(philox::uniform_at(seed, stream, uint64_t(i))));
        else
          o[i] = T(a + b * double(philox::normal_at(seed, stream, uint64_t(i))));
      }
    });
  });
}

void CpuBackend::dropout(const Tensor& x, double p, uint64_t seed, uint64_t stream,
                         const Tensor& out) {
  visit_floating(x.dtype(), "dropout", [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    const T scale = T(1.0 / (1.0 - p));
    parallel_for(x.numel(), 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const bool keep = double(philox::uniform_at(seed, stream, uint64_t(i))) >= p;
        o[i] = keep ? in[i] * scale : T(0);
      }
    });
  });
}

}  // namespace longnet::ops::cpu
