// copy (with dtype conversion), host transfers and fill.
#include <cstring>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {

void CpuBackend::copy(const Tensor& src, const Tensor& dst) {
  visit_dtype(src.dtype(), [&](auto s) {
    using S = decltype(s);
    visit_dtype(dst.dtype(), [&](auto d) {
      using D = decltype(d);
      const S* from = src.data<S>();
      D* to = dst.data<D>();
      for_each_row<2>(dst.shape(), {dst.strides(), src.strides()},
                      [&](const auto& off, int64_t n, const auto& st) {
                        D* o = to + off[0];
                        const S* i = from + off[1];
                        for (int64_t k = 0; k < n; ++k) o[k * st[0]] = convert<D>(i[k * st[1]]);
                      });
    });
  });
}

void CpuBackend::copy_from_host(const Tensor& host_src, const Tensor& dst) { copy(host_src, dst); }

void CpuBackend::copy_to_host(const Tensor& src, const Tensor& host_dst) { copy(src, host_dst); }

void CpuBackend::fill(const Tensor& dst, double value) {
  visit_dtype(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = convert<T>(value);
    T* out = dst.data<T>();
    for_each_row<1>(dst.shape(), {dst.strides()}, [&](const auto& off, int64_t n, const auto& st) {
      for (int64_t k = 0; k < n; ++k) out[off[0] + k * st[0]] = v;
    });
  });
}

}  // namespace longnet::ops::cpu
