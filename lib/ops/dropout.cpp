#include "ops/dropout.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/view.h"

namespace longnet::ops {

Tensor dropout(const Tensor& x, double p, uint64_t seed, uint64_t stream) {
  check_floating(x, "dropout");
  if (!(p >= 0 && p < 1)) fail<RuntimeError>("dropout: p = {} is outside [0, 1)", p);
  if (p == 0) return x;
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).dropout(contiguous(x.detach()), p, seed, stream, out);
  if (autograd::any_requires_grad({x}))
    autograd::record(out, "dropout", {x}, [p, seed, stream](const Tensor& g, const auto&) {
      Tensor gx = Tensor::empty(g.shape(), g.dtype(), g.device());
      backend_for(g.device()).dropout(contiguous(g), p, seed, stream, gx);
      return std::vector<Tensor>{gx};
    });
  return out;
}

}  // namespace longnet::ops
