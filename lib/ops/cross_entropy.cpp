#include "ops/cross_entropy.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace longnet::ops {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  check_floating(logits, "cross_entropy");
  check_defined(targets, "cross_entropy");
  const int64_t v = logits.size(-1), rows = logits.numel() / std::max<int64_t>(v, 1);
  if (targets.numel() != rows || targets.dim() != logits.dim() - 1)
    fail<RuntimeError>("cross_entropy: targets {} do not match logits {}",
                       shape_string(targets.shape()), shape_string(logits.shape()));
  const Tensor x = reshape(contiguous(logits.detach()), {rows, v});
  const Tensor t = reshape(contiguous(targets.detach()), {rows});
  const DType stats = statistics_dtype(x);
  Tensor row_loss = Tensor::empty({rows}, stats, x.device());
  Tensor valid = Tensor::empty({rows}, stats, x.device());
  Tensor lse = Tensor::empty({rows}, stats, x.device());
  backend_for(x.device()).cross_entropy(x, t, ignore_index, row_loss, valid, lse);
  if (autograd::any_requires_grad({logits}))
    autograd::record(row_loss, "cross_entropy", {logits},
                     [x, t, lse, ignore_index, shape = logits.shape()](const Tensor& g,
                                                                       const auto&) {
                       Tensor gx = Tensor::empty(x.shape(), x.dtype(), x.device());
                       backend_for(x.device())
                           .cross_entropy_backward(x, t, ignore_index, lse, contiguous(g), gx);
                       return std::vector<Tensor>{reshape(gx, shape)};
                     });
  return div(sum(row_loss), clamp_min(sum(valid), 1.0));
}

}  // namespace longnet::ops
