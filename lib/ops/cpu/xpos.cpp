// XPOS of [B, N, H, Dh]: pairs (2j, 2j+1) turned by p * 10000^(-2j/Dh), optionally scaled.
#include <vector>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"
#include "ops/xpos_table.h"

namespace longnet::ops::cpu {

void CpuBackend::xpos(const Tensor& x, int64_t start, bool inverse, const XposScale& scale,
                      const Tensor& out) {
  visit_floating(x.dtype(), "xpos", [&](auto tag) {
    using T = decltype(tag);
    const int64_t batch = x.size(0), n = x.size(1), heads = x.size(2), dh = x.size(3);
    const int64_t pairs = dh / 2;
    // The scale multiplies both dims of a pair, so it folds into the cos and sin tables.
    const XposTable table = xpos_table(n, dh, start, inverse, scale);
    const std::vector<T> cos_table(table.cos.begin(), table.cos.end());
    const std::vector<T> sin_table(table.sin.begin(), table.sin.end());
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
