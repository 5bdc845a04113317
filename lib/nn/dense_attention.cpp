#include "nn/dense_attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/matmul.h"
#include "ops/softmax.h"
#include "ops/view.h"

namespace longnet::nn {
namespace {

// [N, N] with 0 where key j <= query i and -inf above the diagonal.
Tensor causal_mask(int64_t n, DType dtype, Device device) {
  std::vector<double> mask(size_t(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      mask[size_t(i * n + j)] = -std::numeric_limits<double>::infinity();
  return ops::to_device(ops::cast(ops::from_vector(mask, {n, n}), dtype), device);
}

}  // namespace

Tensor dense_causal_attention(const Tensor& q, const Tensor& k, const Tensor& v) {
  const int64_t n = q.size(1), dh = q.size(3);
  const Tensor qh = ops::permute(q, {0, 2, 1, 3});  // [B, H, N, Dh]
  const Tensor kt = ops::permute(k, {0, 2, 3, 1});  // [B, H, Dh, N]
  const Tensor vh = ops::permute(v, {0, 2, 1, 3});
  const Tensor scores = ops::matmul(qh, kt) * (1.0 / std::sqrt(double(dh)));
  const Tensor probs = ops::softmax(scores + causal_mask(n, q.dtype(), q.device()));
  return ops::permute(ops::matmul(probs, vh), {0, 2, 1, 3});  // [B, N, H, Dh]
}

}  // namespace longnet::nn
