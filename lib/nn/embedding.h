#pragma once
// Token ids [...] -> vectors [..., dim]; weight [vocab, dim], initialised normal(0, std).
#include "nn/module.h"

namespace longnet::nn {

class Embedding : public Module {
 public:
  Embedding(int64_t vocab, int64_t dim, double stddev, const TensorOptions& options = {});
  Tensor forward(const Tensor& ids) const;

  Tensor weight;
};

}  // namespace longnet::nn
