#include "ops/softmax.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/view.h"

namespace longnet::ops {
namespace {

Tensor softmax_op(const Tensor& x, bool log, const char* name) {
  check_floating(x, name);
  check_rank_at_least(x, 1, name);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).softmax(contiguous(x.detach()), log, y);
  if (autograd::any_requires_grad({x}))
    autograd::record(y, name, {x}, [ky = y.detach(), log](const Tensor& g, const auto&) {
      Tensor gx = Tensor::empty(ky.shape(), ky.dtype(), ky.device());
      backend_for(ky.device()).softmax_backward(ky, contiguous(g), log, gx);
      return std::vector<Tensor>{gx};
    });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x) { return softmax_op(x, false, "softmax"); }
Tensor log_softmax(const Tensor& x) { return softmax_op(x, true, "log_softmax"); }

}  // namespace longnet::ops
