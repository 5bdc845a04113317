#pragma once
// Pieces of a row: 8 consecutive elements starting at `i`, the last piece of a row possibly
// partial. kVec moves a piece with 16-byte accesses (row length and strides multiples of 8,
// pointers aligned), else element by element. Private to the kernels, like kernel_support.cuh.
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda::detail {

// Loads the piece at base + i (i < dim) and returns how many of its 8 values are in the row; the
// rest are 0.
template <bool kVec>
__device__ __forceinline__ int load_piece(const void* p, DType t, int64_t base, int64_t i, int64_t dim,
                                          float (&v)[8]) {
  if constexpr (kVec) {
    load8(p, t, base + i, v);
    return 8;
  } else {
    int valid = int(dim - i < 8 ? dim - i : 8);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = j < valid ? load(p, t, base + i + j) : 0.f;
    return valid;
  }
}

template <bool kVec>
__device__ __forceinline__ void store_piece(void* p, DType t, int64_t base, int64_t i, int valid,
                                            const float (&v)[8]) {
  if constexpr (kVec) {
    store8(p, t, base + i, v);
  } else {
#pragma unroll
    for (int j = 0; j < 8; ++j)
      if (j < valid) store(p, t, base + i + j, v[j]);
  }
}

}  // namespace longnet::cuda::detail
