#pragma once
// Differentiable dropout with a counter-based mask: element i is kept when the Philox uniform of
// (seed, stream, i) is >= p, so the mask is the same on every device and is recomputed, not
// stored, for the backward. p = 0 returns x itself.
#include <cstdint>

#include "tensor/tensor.h"

namespace longnet::ops {

Tensor dropout(const Tensor& x, double p, uint64_t seed, uint64_t stream);

}  // namespace longnet::ops
