#pragma once
// Differentiable embedding lookup: weight [V, E], integer ids [...] -> [..., E]. The backward
// sums rows in token order, so it is deterministic.
#include "tensor/tensor.h"

namespace longnet::ops {

Tensor embedding(const Tensor& weight, const Tensor& ids);

}  // namespace longnet::ops
