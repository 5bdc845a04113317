#pragma once
// y = x W^T + b with W [out, in]. Initialised PyTorch-style, uniform within +-gain/sqrt(in) for
// weight and bias (gain > 1 is the MAGNETO scaling).
#include "nn/module.h"

namespace longnet::nn {

class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, bool bias, double gain = 1.0, const TensorOptions& options = {});
  // The same with another weight init (e.g. normal for an output projection).
  Linear(int64_t in, int64_t out, bool bias, Init weight_init, const TensorOptions& options = {});
  Tensor forward(const Tensor& x) const;

  Tensor weight, bias;  // bias undefined when built without one
};

}  // namespace longnet::nn
