#pragma once
// How the building blocks see memory: raw device pointers with an element type and strides.
#include <array>
#include <cstdint>

#include "ops/cuda/dtype.h"

namespace longnet::cuda {

// Sizes of a 4-D index space; lower ranks pad the front with 1.
using Extent = std::array<int64_t, 4>;
// Element strides per dimension; 0 repeats (broadcasts) along that dimension.
using Strides = std::array<int64_t, 4>;

// Row-major strides of a dense tensor of this extent.
inline Strides dense_strides(const Extent& e) {
  return {e[1] * e[2] * e[3], e[2] * e[3], e[3], 1};
}

// A contiguous [rows, cols] matrix as an extent, and strides that view it whole, one value per
// row (broadcast along the row) or one value per column (broadcast down the columns).
constexpr Extent matrix_extent(int64_t rows, int64_t cols) { return {1, 1, rows, cols}; }
constexpr Strides row_major(int64_t cols) { return {0, 0, cols, 1}; }
constexpr Strides one_per_row() { return {0, 0, 1, 0}; }
constexpr Strides one_per_column() { return {0, 0, 0, 1}; }

struct InView {
  const void* data;
  DType dtype;
  Strides stride;
};

struct OutView {
  void* data;
  DType dtype;
  Strides stride;
};

// A matrix whose rows are contiguous and `stride` elements apart.
struct ConstRows {
  const void* data;
  int64_t stride;
};

struct Rows {
  void* data;
  int64_t stride;
};

}  // namespace longnet::cuda
