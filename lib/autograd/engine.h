#pragma once
// The reverse-mode pass: from `root` with gradient `seed`, runs every node once in reverse
// topological order, sums the gradients that meet at a node with `add`, and accumulates into the
// .grad of leaves that require it. Each node's saved state is released as it runs; running a
// released graph again throws RuntimeError. lib/ops wraps this as longnet::backward().
#include <functional>

#include "tensor/tensor.h"

namespace longnet::autograd {

using AddFn = std::function<Tensor(const Tensor&, const Tensor&)>;

void run_backward(const Tensor& root, const Tensor& seed, const AddFn& add);

}  // namespace longnet::autograd
