#pragma once
// Loop helpers of the CPU backend: OpenMP over outer loops, plain inner loops the compiler can
// vectorise, and conversions between element types.
#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>

#include "tensor/tensor.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace longnet::ops::cpu {

// Loops shorter than this run on one thread: starting a team costs more than it saves.
inline constexpr int64_t kParallelGrain = 1 << 15;

// Calls body(begin, end) over [0, n) split into one contiguous chunk per thread. `work_per_item`
// (elements touched per index) decides whether threads are worth starting.
template <class Body>
void parallel_for(int64_t n, int64_t work_per_item, Body&& body) {
  if (n <= 0) return;
#pragma omp parallel if (n * work_per_item > kParallelGrain && n > 1)
  {
#ifdef _OPENMP
    const int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
#else
    const int64_t threads = 1, id = 0;
#endif
    const int64_t chunk = (n + threads - 1) / threads;
    const int64_t begin = id * chunk, end = std::min(n, begin + chunk);
    if (begin < end) body(begin, end);
  }
}

template <class To, class From>
To convert(From value) {
  if constexpr (std::is_same_v<To, From>) {
    return value;
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16(static_cast<float>(value));
  } else if constexpr (std::is_same_v<From, BFloat16>) {
    return static_cast<To>(static_cast<float>(value));
  } else {
    return static_cast<To>(value);
  }
}

// Walks a shape as rows of its innermost dim for N operands with their own strides (stride 0
// broadcasts): row(offsets, n, inner_strides) per row, rows in parallel. Dims that are
// contiguous with their neighbour in every operand are merged first, so rows are as long as
// the layouts allow.
template <size_t N, class Row>
void for_each_row(const Shape& shape, const std::array<Shape, N>& strides, Row&& row) {
  Shape dims;
  std::array<Shape, N> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; k < N && merge; ++k) merge = st[k].back() == strides[k][d] * shape[d];
    if (merge) {
      dims.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) st[k].back() = strides[k][d];
    } else {
      dims.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) st[k].push_back(strides[k][d]);
    }
  }
  if (shape_numel(shape) == 0) return;
  if (dims.empty()) {
    dims.push_back(1);
    for (size_t k = 0; k < N; ++k) st[k].push_back(0);
  }
  const int64_t inner = dims.back();
  const int64_t rows = shape_numel(dims) / inner;
  const int64_t outer_dims = int64_t(dims.size()) - 1;
  std::array<int64_t, N> inner_strides;
  for (size_t k = 0; k < N; ++k) inner_strides[k] = st[k].back();
  parallel_for(rows, inner, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      std::array<int64_t, N> offsets{};
      for (int64_t d = outer_dims - 1, rest = r; d >= 0; --d) {
        const int64_t i = rest % dims[d];
        rest /= dims[d];
        for (size_t k = 0; k < N; ++k) offsets[k] += i * st[k][d];
      }
      row(offsets, inner, inner_strides);
    }
  });
}

// A contiguous tensor's [outer, n, inner] split around `dim`.
struct AroundDim {
  int64_t outer = 1, n = 1, inner = 1;
};
inline AroundDim around_dim(const Shape& shape, int64_t dim) {
  AroundDim a;
  for (int64_t d = 0; d < int64_t(shape.size()); ++d)
    (d < dim ? a.outer : d == dim ? a.n : a.inner) *= shape[d];
  return a;
}

}  // namespace longnet::ops::cpu
