#pragma once
// Differentiable softmax and log-softmax over the last dim. A row of all -inf gives zeros
// (softmax) rather than NaN.
#include "tensor/tensor.h"

namespace longnet::ops {

Tensor softmax(const Tensor& x);
Tensor log_softmax(const Tensor& x);

}  // namespace longnet::ops
