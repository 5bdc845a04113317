#include "ops/reduce.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/view.h"

namespace longnet::ops {

using autograd::any_requires_grad;
using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

struct Reduced {
  Tensor out;        // the result, keepdim or not as asked
  Tensor kept;       // the result with size 1 at dim (same storage)
  Tensor argmax;     // max only
};

Reduced reduce(ReduceOp op, const char* name, const Tensor& x, int64_t dim, bool keepdim) {
  check_floating(x, name);
  const int64_t d = x.wrap_dim(dim);
  if (x.size(d) == 0 && op != ReduceOp::sum)
    fail<RuntimeError>("{}: dim {} of shape {} is empty", name, d, shape_string(x.shape()));
  Shape kept_shape = x.shape();
  kept_shape[size_t(d)] = 1;
  Reduced r;
  r.kept = Tensor::empty(kept_shape, x.dtype(), x.device());
  if (op == ReduceOp::max) r.argmax = Tensor::empty(kept_shape, DType::i64, x.device());
  backend_for(x.device()).reduce(op, contiguous(x.detach()), d, r.kept, r.argmax);
  Shape out_shape = kept_shape;
  if (!keepdim) out_shape.erase(out_shape.begin() + d);
  r.out = r.kept.as_strided(out_shape, contiguous_strides(out_shape), 0);
  return r;
}

// The gradient of a reduced result, as a view with size 1 at the reduced dim.
Tensor kept_dims(const Tensor& g, const Shape& kept_shape) { return reshape(g, kept_shape); }

}  // namespace

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  Reduced r = reduce(ReduceOp::sum, "sum", x, dim, keepdim);
  if (any_requires_grad({x}))
    record(r.out, "sum", {x},
           [shape = x.shape(), kept = r.kept.shape()](const Tensor& g, const auto&) {
             return Grads{expand(kept_dims(g, kept), shape)};
           });
  return r.out;
}

Tensor sum(const Tensor& x) { return sum(reshape(x, {x.numel()}), 0); }

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  return mul(sum(x, dim, keepdim), 1.0 / double(x.size(dim)));
}

Tensor mean(const Tensor& x) { return mul(sum(x), 1.0 / double(x.numel())); }

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  Reduced r = reduce(ReduceOp::max, "max", x, dim, keepdim);
  if (any_requires_grad({x}))
    record(r.out, "max", {x},
           [shape = x.shape(), kept = r.kept.shape(), argmax = r.argmax,
            d = x.wrap_dim(dim)](const Tensor& g, const auto&) {
             Tensor gx = Tensor::empty(shape, g.dtype(), g.device());
             backend_for(g.device()).max_backward(argmax, contiguous(kept_dims(g, kept)), d, gx);
             return Grads{gx};
           });
  return r.out;
}

Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
  Reduced r = reduce(ReduceOp::logsumexp, "logsumexp", x, dim, keepdim);
  if (any_requires_grad({x}))
    record(r.out, "logsumexp", {x},
           [kx = x.detach(), lse = r.kept.detach()](const Tensor& g, const auto&) {
             const Tensor softmax = exp(sub(kx, expand(lse, kx.shape())));
             return Grads{mul(expand(kept_dims(g, lse.shape()), kx.shape()), softmax)};
           });
  return r.out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.dim() - int64_t(shape.size());
  if (lead < 0)
    fail<RuntimeError>("sum_to: cannot sum shape {} to {}", shape_string(g.shape()),
                       shape_string(shape));
  Tensor r = g;
  if (lead > 0) {  // all leading dims in one pass
    Shape merged{-1};
    merged.insert(merged.end(), g.shape().begin() + lead, g.shape().end());
    r = sum(reshape(g, merged), 0);
  }
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 1 && r.size(int64_t(d)) != 1) r = sum(r, int64_t(d), true);
  return r;
}

}  // namespace longnet::ops
