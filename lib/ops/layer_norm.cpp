#include "ops/layer_norm.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/view.h"

namespace longnet::ops {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  check_floating(x, "layer_norm");
  check_same_kind(x, weight, "layer_norm");
  check_same_kind(x, bias, "layer_norm");
  const int64_t e = x.size(-1);
  if (weight.shape() != Shape{e} || bias.shape() != Shape{e})
    fail<RuntimeError>("layer_norm: weight {} and bias {} must be [{}] for input {}",
                       shape_string(weight.shape()), shape_string(bias.shape()), e,
                       shape_string(x.shape()));
  const Tensor in = contiguous(x.detach());
  const Shape rows{x.numel() / std::max<int64_t>(e, 1)};
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor mean = Tensor::empty(rows, statistics_dtype(x), x.device());
  Tensor rstd = Tensor::empty(rows, statistics_dtype(x), x.device());
  const Tensor w = contiguous(weight.detach()), b = contiguous(bias.detach());
  backend_for(x.device()).layer_norm(in, w, b, eps, y, mean, rstd);
  if (autograd::any_requires_grad({x, weight, bias}))
    autograd::record(y, "layer_norm", {x, weight, bias},
                     [in, w, mean, rstd](const Tensor& g, const auto&) {
                       Tensor gx = Tensor::empty(in.shape(), in.dtype(), in.device());
                       Tensor gw = Tensor::empty(w.shape(), w.dtype(), w.device());
                       Tensor gb = Tensor::empty(w.shape(), w.dtype(), w.device());
                       backend_for(in.device())
                           .layer_norm_backward(in, w, mean, rstd, contiguous(g), gx, gw, gb);
                       return std::vector<Tensor>{gx, gw, gb};
                     });
  return y;
}

}  // namespace longnet::ops
