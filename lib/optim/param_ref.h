#pragma once
// What the optimizer sees of one trainable tensor: flat fp32 values and their gradient. The nn
// library adapts Module parameters to this, so optim depends on nothing but common.
#include <cstdint>
#include <string>

namespace longnet::optim {

struct ParamRef {
  std::string name;          // unique; names the optimizer state in checkpoints
  float* data;               // `size` values, updated in place
  const float* grad;         // `size` values, or nullptr when the parameter got no gradient
  int64_t size;
  bool decay;                // false for biases and norm weights: no weight decay
};

}  // namespace longnet::optim
