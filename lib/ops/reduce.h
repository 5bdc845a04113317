#pragma once
// Differentiable reductions over one dim (keepdim keeps it with size 1) or over everything
// (a 0-dim result). max's gradient goes to the first maximum.
#include "tensor/tensor.h"

namespace longnet::ops {

Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);

// Sums a broadcast gradient back to `shape` (the inverse of broadcasting to g's shape).
Tensor sum_to(const Tensor& g, const Shape& shape);

}  // namespace longnet::ops
