#include "ops/matmul.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace longnet::ops {

using autograd::any_requires_grad;
using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

// t [batch..., R, C] as a [batch, R, C] view; batch dims that cannot share one stride are
// copied (rare: only odd permutations of batch dims).
Tensor as_batched(const Tensor& t) {
  const int64_t nb = t.dim() - 2;
  int64_t batch = 1, stride = 0;
  bool one_stride = true;
  for (int64_t d = nb - 1; d >= 0; --d) {
    if (t.size(d) == 1) continue;
    if (batch == 1)
      stride = t.stride(d);
    else if (t.stride(d) != stride * batch)
      one_stride = false;
    batch *= t.size(d);
  }
  if (!one_stride) return as_batched(contiguous(t));
  return t.as_strided({batch, t.size(-2), t.size(-1)}, {stride, t.stride(-2), t.stride(-1)},
                      t.offset());
}

Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  if (b.size(-2) != k)
    fail<RuntimeError>("matmul: shapes {} and {} do not chain (inner dims {} and {})",
                       shape_string(a.shape()), shape_string(b.shape()), k, b.size(-2));
  Backend& backend = backend_for(a.device());
  if (b.dim() == 2 && a.dim() > 2) {  // rows of every batch in one GEMM
    const Tensor rows = reshape(a, {-1, k});
    Tensor out = Tensor::empty({1, rows.size(0), n}, a.dtype(), a.device());
    backend.matmul(as_batched(unsqueeze(rows, 0)), as_batched(unsqueeze(b, 0)), out);
    Shape shape = a.shape();
    shape.back() = n;
    return out.as_strided(shape, contiguous_strides(shape), 0);
  }
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  Shape shape_a = batch, shape_b = batch, shape = batch;
  shape_a.insert(shape_a.end(), {m, k});
  shape_b.insert(shape_b.end(), {k, n});
  shape.insert(shape.end(), {m, n});
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  const Tensor out3 = out.as_strided({shape_numel(batch), m, n}, {m * n, n, 1}, 0);
  backend.matmul(as_batched(expand(a, shape_a)), as_batched(expand(b, shape_b)), out3);
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_kind(a, b, "matmul");
  check_floating(a, "matmul");
  check_rank_at_least(a, 2, "matmul");
  check_rank_at_least(b, 2, "matmul");
  Tensor out = matmul_forward(a.detach(), b.detach());
  if (any_requires_grad({a, b}))
    record(out, "matmul", {a, b},
           [ka = a.detach(), kb = b.detach()](const Tensor& g, const auto& needs) {
             Tensor ga, gb;
             if (needs[0]) ga = sum_to(matmul(g, transpose(kb, -1, -2)), ka.shape());
             if (needs[1] && kb.dim() == 2 && ka.dim() > 2)
               gb = matmul(transpose(reshape(ka, {-1, ka.size(-1)}), 0, 1),
                           reshape(g, {-1, g.size(-1)}));
             else if (needs[1])
               gb = sum_to(matmul(transpose(ka, -1, -2), g), kb.shape());
             return Grads{ga, gb};
           });
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  Tensor y = matmul(x, transpose(weight, 0, 1));
  return bias.defined() ? add(y, bias) : y;
}

}  // namespace longnet::ops
