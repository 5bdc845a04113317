#include "nn/embedding.h"

#include "ops/embedding.h"

namespace longnet::nn {

Embedding::Embedding(int64_t vocab, int64_t dim, double stddev, const TensorOptions& options) {
  weight = add_parameter("weight", {vocab, dim}, Init::normal(0.0, stddev), true, options);
}

Tensor Embedding::forward(const Tensor& ids) const { return ops::embedding(weight, ids); }

}  // namespace longnet::nn
