#pragma once
// Differentiable views: they share storage and copy nothing (reshape copies only a layout that
// cannot be viewed; contiguous copies only a non-contiguous tensor). Negative dims count from
// the end. concat copies; split returns views.
#include <vector>

#include "tensor/tensor.h"

namespace longnet::ops {

Tensor contiguous(const Tensor& x);
// One entry of `shape` may be -1 (inferred).
Tensor reshape(const Tensor& x, Shape shape);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
// Elements [start, end) of `dim`.
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end);
// Broadcasts size-1 dims (and adds leading dims) to `shape` with stride 0.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x, int64_t dim);  // dim must have size 1

Tensor concat(const std::vector<Tensor>& parts, int64_t dim);
// Views of consecutive pieces of `dim` with the given sizes (they must add up to its size).
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim);

// The shape both operands broadcast to (NumPy rules); throws RuntimeError naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);

}  // namespace longnet::ops
