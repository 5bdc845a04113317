#pragma once
// Plain dense causal softmax attention composed from ops (matmul, additive mask, softmax): the
// slow, obviously correct reference. q, k, v [B, N, H, Dh] -> [B, N, H, Dh]; scores are scaled
// by 1/sqrt(Dh). O(N^2) memory: for tests and small models only.
#include "tensor/tensor.h"

namespace longnet::nn {

Tensor dense_causal_attention(const Tensor& q, const Tensor& k, const Tensor& v);

}  // namespace longnet::nn
