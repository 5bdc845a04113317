#pragma once
// The two inner loops of the CPU kernels, written so the compiler vectorises them.
#include <cstdint>

namespace longnet::attention::cpu {

// a . b over n values; the simd reduction lets the compiler vectorise the sum.
template <class T>
T dot(const T* a, const T* b, int64_t n) {
  T sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t d = 0; d < n; ++d) sum += a[d] * b[d];
  return sum;
}

// y += a x over n values.
template <class T>
void axpy(T a, const T* __restrict x, T* __restrict y, int64_t n) {
#pragma omp simd
  for (int64_t d = 0; d < n; ++d) y[d] += a * x[d];
}

}  // namespace longnet::attention::cpu
