#include "nn/optimizer_params.h"

#include "ops/backend.h"

namespace longnet::nn {

OptimizerParams::OptimizerParams(const Module& module) : params_(module.named_parameters()) {
  for (const NamedParameter& p : params_) {
    if (p.tensor.dtype() != DType::f32 || !p.tensor.device().is_cpu() ||
        !p.tensor.is_contiguous())
      fail<RuntimeError>("optimizer: parameter {} must be contiguous f32 on the cpu (is {} on {})",
                         p.name, dtype_name(p.tensor.dtype()), to_string(p.tensor.device()));
    grads_.push_back(Tensor::empty(p.tensor.shape(), DType::f32));
    refs_.push_back({p.name, p.tensor.data<float>(), grads_.back().data<float>(),
                     p.tensor.numel(), p.decay});
  }
}

void OptimizerParams::gather_grads() {
  ops::Backend& cpu = ops::cpu_backend();
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& param = params_[i].tensor;
    if (param.grad().defined())
      cpu.copy(param.grad(), grads_[i]);
    else
      cpu.fill(grads_[i], 0.0);
    param.set_grad(Tensor());
  }
}

}  // namespace longnet::nn
