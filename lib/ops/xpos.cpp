#include "ops/xpos.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/view.h"

namespace longnet::ops {
namespace {

Tensor rotate(const Tensor& x, int64_t start, bool inverse) {
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).xpos_rotate(contiguous(x.detach()), start, inverse, out);
  return out;
}

}  // namespace

Tensor xpos_rotate(const Tensor& x, int64_t start) {
  check_floating(x, "xpos_rotate");
  if (x.dim() != 4 || x.size(3) % 2 != 0)
    fail<RuntimeError>("xpos_rotate: needs [B, N, H, Dh] with even Dh, got {}",
                       shape_string(x.shape()));
  Tensor out = rotate(x, start, false);
  if (autograd::any_requires_grad({x}))
    autograd::record(out, "xpos_rotate", {x}, [start](const Tensor& g, const auto&) {
      return std::vector<Tensor>{rotate(g, start, true)};  // a rotation's transpose is its inverse
    });
  return out;
}

}  // namespace longnet::ops
