#pragma once
// Differentiable LayerNorm over the last dim with affine weight and bias (DESIGN.md eps 1e-5).
#include "tensor/tensor.h"

namespace longnet::ops {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps = 1e-5);

}  // namespace longnet::ops
