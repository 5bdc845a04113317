#pragma once
// Differentiable (batched) matrix products through the device's GEMM. Transposed operands
// (views from transpose()) are passed as transpose flags, never copied.
#include "tensor/tensor.h"

namespace longnet::ops {

// a [..., M, K] @ b [..., K, N] -> [..., M, N]; batch dims broadcast. A 2-D b is applied to
// every row of a in one GEMM.
Tensor matmul(const Tensor& a, const Tensor& b);

// x [..., in] @ weight[out, in]^T + bias[out] (bias may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

}  // namespace longnet::ops
