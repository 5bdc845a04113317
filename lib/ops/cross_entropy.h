#pragma once
// Differentiable cross-entropy of logits [..., V] against integer targets [...]: the mean over
// rows whose target is not ignore_index (0 when every row is ignored). bf16 logits give an f32
// loss (fp32 statistics).
#include "tensor/tensor.h"

namespace longnet::ops {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index = -100);

}  // namespace longnet::ops
