// XPOS rotation of [B, N, H, Dh]: pairs (2j, 2j+1) turned by p * 10000^(-2j/Dh).
#include <cmath>
#include <vector>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {

void CpuBackend::xpos_rotate(const Tensor& x, int64_t start, bool inverse, const Tensor& out) {
  visit_floating(x.dtype(), "xpos_rotate", [&](auto tag) {
    using T = decltype(tag);
    const int64_t batch = x.size(0), n = x.size(1), heads = x.size(2), dh = x.size(3);
    const int64_t pairs = dh / 2;
    // Angles in double: p * theta reaches 1e6 and more, where float loses the phase.
    std::vector<T> cos_table(size_t(n * pairs)), sin_table(size_t(n * pairs));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < pairs; ++j) {
        const double angle =
            double(start + i) * std::pow(10000.0, -2.0 * double(j) / double(dh));
        cos_table[i * pairs + j] = T(std::cos(angle));
        sin_table[i * pairs + j] = T(inverse ? -std::sin(angle) : std::sin(angle));
      }
    const T* in = x.data<T>();
    T* o = out.data<T>();
    parallel_for(batch * n, heads * dh, [&](int64_t begin, int64_t end) {
      for (int64_t bn = begin; bn < end; ++bn) {
        const T* c = cos_table.data() + (bn % n) * pairs;
        const T* s = sin_table.data() + (bn % n) * pairs;
        for (int64_t h = 0; h < heads; ++h) {
          const T* v = in + (bn * heads + h) * dh;
          T* w = o + (bn * heads + h) * dh;
          for (int64_t j = 0; j < pairs; ++j) {
            const T x0 = v[2 * j], x1 = v[2 * j + 1];
            w[2 * j] = x0 * c[j] - x1 * s[j];
            w[2 * j + 1] = x1 * c[j] + x0 * s[j];
          }
        }
      }
    });
  });
}

}  // namespace longnet::ops::cpu
