#pragma once
// LayerNorm over the last dim with affine weight (ones) and bias (zeros); no weight decay.
#include "nn/module.h"

namespace longnet::nn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t dim, double eps = 1e-5, const TensorOptions& options = {});
  Tensor forward(const Tensor& x) const;

  Tensor weight, bias;
  double eps;
};

}  // namespace longnet::nn
