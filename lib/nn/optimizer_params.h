#pragma once
// Hands a module's parameters to lib/optim. AdamW holds raw fp32 pointers for its lifetime, so
// the gradients it reads live in stable buffers here: after backward(), gather_grads() copies
// each parameter's .grad into its buffer (zeros when a parameter got none) and clears .grad for
// the next step. Parameters must be contiguous f32 on the CPU.
#include <vector>

#include "nn/module.h"
#include "optim/param_ref.h"

namespace longnet::nn {

class OptimizerParams {
 public:
  explicit OptimizerParams(const Module& module);
  OptimizerParams(const OptimizerParams&) = delete;
  OptimizerParams& operator=(const OptimizerParams&) = delete;

  // Name, data, gradient buffer, size and decay flag of every parameter, in module order.
  const std::vector<optim::ParamRef>& refs() const { return refs_; }
  void gather_grads();

 private:
  std::vector<NamedParameter> params_;
  std::vector<Tensor> grads_;
  std::vector<optim::ParamRef> refs_;
};

}  // namespace longnet::nn
