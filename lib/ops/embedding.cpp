#include "ops/embedding.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/view.h"

namespace longnet::ops {

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  check_floating(weight, "embedding");
  check_defined(ids, "embedding");
  if (weight.dim() != 2)
    fail<RuntimeError>("embedding: weight must be [V, E], got {}", shape_string(weight.shape()));
  const int64_t e = weight.size(1);
  const Tensor flat_ids = reshape(contiguous(ids), {ids.numel()});
  const Tensor w = contiguous(weight.detach());
  Tensor out = Tensor::empty({ids.numel(), e}, weight.dtype(), weight.device());
  backend_for(weight.device()).embedding(w, flat_ids, out);
  Shape shape = ids.shape();
  shape.push_back(e);
  out = out.as_strided(shape, contiguous_strides(shape), 0);
  if (autograd::any_requires_grad({weight}))
    autograd::record(out, "embedding", {weight},
                     [flat_ids, wshape = weight.shape(), dtype = weight.dtype()](
                         const Tensor& g, const auto&) {
                       Tensor gw = Tensor::empty(wshape, dtype, g.device());
                       const Tensor rows = reshape(contiguous(g), {flat_ids.numel(), wshape[1]});
                       backend_for(g.device()).embedding_backward(flat_ids, rows, gw);
                       return std::vector<Tensor>{gw};
                     });
  return out;
}

}  // namespace longnet::ops
