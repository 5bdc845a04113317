#pragma once
// Runs the reverse pass from `t` (see autograd/engine.h). Without a seed, t must have one
// element and the seed is 1. Gradients accumulate into the .grad of leaves; the graph is
// released, so a second backward through it throws.
#include "tensor/tensor.h"

namespace longnet {

void backward(const Tensor& t, const Tensor& seed = Tensor());

}  // namespace longnet
