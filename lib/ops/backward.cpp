#include "ops/backward.h"

#include "autograd/engine.h"
#include "ops/create.h"
#include "ops/elementwise.h"

namespace longnet {

void backward(const Tensor& t, const Tensor& seed) {
  if (!seed.defined() && t.numel() != 1)
    fail<RuntimeError>("backward without a seed needs a one-element tensor, got shape {}",
                       shape_string(t.shape()));
  const Tensor s = seed.defined() ? seed : ops::ones_like(t);
  autograd::run_backward(t, s, [](const Tensor& a, const Tensor& b) { return ops::add(a, b); });
}

}  // namespace longnet
