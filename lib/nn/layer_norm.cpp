#include "nn/layer_norm.h"

#include "ops/layer_norm.h"

namespace longnet::nn {

LayerNorm::LayerNorm(int64_t dim, double eps_, const TensorOptions& options) : eps(eps_) {
  weight = add_parameter("weight", {dim}, Init::ones(), false, options);
  bias = add_parameter("bias", {dim}, Init::zeros(), false, options);
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return ops::layer_norm(x, weight, bias, eps);
}

}  // namespace longnet::nn
