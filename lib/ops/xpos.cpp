#include "ops/xpos.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/view.h"

namespace longnet::ops {
namespace {

Tensor apply(const Tensor& x, int64_t start, bool inverse, const XposScale& scale) {
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).xpos(contiguous(x.detach()), start, inverse, scale, out);
  return out;
}

}  // namespace

Tensor xpos(const Tensor& x, int64_t start, const XposScale& scale) {
  check_floating(x, "xpos");
  if (x.dim() != 4 || x.size(3) % 2 != 0)
    fail<RuntimeError>("xpos: needs [B, N, H, Dh] with even Dh, got {}", shape_string(x.shape()));
  Tensor out = apply(x, start, false, scale);
  // The transpose of (scale times rotation) is the same scale times the inverse rotation: the
  // scale is equal on both dims of a pair.
  if (autograd::any_requires_grad({x}))
    autograd::record(out, "xpos", {x}, [start, scale](const Tensor& g, const auto&) {
      return std::vector<Tensor>{apply(g, start, true, scale)};
    });
  return out;
}

Tensor xpos_rotate(const Tensor& x, int64_t start) { return xpos(x, start, XposScale{}); }

}  // namespace longnet::ops
