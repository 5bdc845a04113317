// Embedding lookup and its deterministic backward.
#include <cstring>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {

void CpuBackend::embedding(const Tensor& weight, const Tensor& ids, const Tensor& out) {
  visit_floating(weight.dtype(), "embedding", [&](auto tag) {
    using T = decltype(tag);
    visit_index(ids.dtype(), "embedding ids", [&](auto itag) {
      using I = decltype(itag);
      const int64_t vocab = weight.size(0), e = weight.size(1), n = ids.numel();
      const I* pid = ids.data<I>();
      for (int64_t i = 0; i < n; ++i)
        if (int64_t(pid[i]) < 0 || int64_t(pid[i]) >= vocab)
          fail<RuntimeError>("embedding: id {} at position {} is outside the vocabulary [0, {})",
                             int64_t(pid[i]), i, vocab);
      const T* w = weight.data<T>();
      T* o = out.data<T>();
      parallel_for(n, e, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          std::memcpy(o + i * e, w + int64_t(pid[i]) * e, size_t(e) * sizeof(T));
      });
    });
  });
}

void CpuBackend::embedding_backward(const Tensor& ids, const Tensor& grad_out,
                                    const Tensor& grad_weight) {
  fill(grad_weight, 0.0);
  visit_floating(grad_out.dtype(), "embedding backward", [&](auto tag) {
    using T = decltype(tag);
    visit_index(ids.dtype(), "embedding ids", [&](auto itag) {
      using I = decltype(itag);
      const int64_t e = grad_weight.size(1), n = ids.numel();
      const I* pid = ids.data<I>();
      const T* g = grad_out.data<T>();
      T* gw = grad_weight.data<T>();
      // Each thread owns a block of columns and adds the tokens in order: no races, and the
      // same sums in the same order for any thread count.
      constexpr int64_t kBlock = 64;
      parallel_for((e + kBlock - 1) / kBlock, n * kBlock, [&](int64_t begin, int64_t end) {
        const int64_t j0 = begin * kBlock, j1 = std::min(e, end * kBlock);
        for (int64_t i = 0; i < n; ++i) {
          T* dst = gw + int64_t(pid[i]) * e;
          const T* src = g + i * e;
          for (int64_t j = j0; j < j1; ++j) dst[j] += src[j];
        }
      });
    });
  });
}

}  // namespace longnet::ops::cpu
