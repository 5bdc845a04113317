#include "nn/feed_forward.h"

#include "ops/elementwise.h"

namespace longnet::nn {

FeedForward::FeedForward(int64_t dim, int64_t hidden, double gain, const TensorOptions& options)
    : fc1(dim, hidden, true, gain, options),
      ffn_layernorm(hidden, 1e-5, options),
      fc2(hidden, dim, true, gain, options) {
  add_module("fc1", fc1);
  add_module("ffn_layernorm", ffn_layernorm);
  add_module("fc2", fc2);
}

Tensor FeedForward::forward(const Tensor& x) const {
  return fc2.forward(ffn_layernorm.forward(ops::gelu(fc1.forward(x))));
}

}  // namespace longnet::nn
