#pragma once
// The MAGNETO feed-forward: fc2(LN(gelu(fc1(x)))) with the exact (erf) GELU and a Sub-LN
// before fc2 (DESIGN.md section 4). fc1 and fc2, weights and biases, carry `gain` (the MAGNETO
// gain, or 1). Names: fc1, ffn_layernorm, fc2.
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace longnet::nn {

class FeedForward : public Module {
 public:
  FeedForward(int64_t dim, int64_t hidden, double gain, const TensorOptions& options = {});
  Tensor forward(const Tensor& x) const;

  Linear fc1;
  LayerNorm ffn_layernorm;
  Linear fc2;
};

}  // namespace longnet::nn
