#include "nn/linear.h"

#include "ops/matmul.h"

namespace longnet::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias, double gain,
               const TensorOptions& options) {
  weight = add_parameter("weight", {out, in}, Init::linear_default(in, gain), true, options);
  if (with_bias)
    bias = add_parameter("bias", {out}, Init::linear_default(in, gain), false, options);
}

Linear::Linear(int64_t in, int64_t out, bool with_bias, Init weight_init,
               const TensorOptions& options) {
  weight = add_parameter("weight", {out, in}, weight_init, true, options);
  if (with_bias) bias = add_parameter("bias", {out}, Init::linear_default(in), false, options);
}

Tensor Linear::forward(const Tensor& x) const { return ops::linear(x, weight, bias); }

}  // namespace longnet::nn
