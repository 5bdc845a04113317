#include "ops/elementwise.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace longnet::ops {

using autograd::any_requires_grad;
using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

Tensor binary(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_same_kind(a, b, name);
  check_floating(a, name);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  backend_for(a.device()).binary(op, expand(a.detach(), shape), expand(b.detach(), shape), out);
  return out;
}

// The input of a node, detached, kept only when the other operand needs a gradient.
Tensor keep_if(const Tensor& t, bool needed) { return needed ? t.detach() : Tensor(); }

// Which values a unary derivative reads (see Backend::unary_backward).
bool reads_input(UnaryOp op) {
  return op == UnaryOp::log || op == UnaryOp::gelu_erf || op == UnaryOp::gelu_tanh ||
         op == UnaryOp::pow || op == UnaryOp::clamp_min;
}
bool reads_output(UnaryOp op) {
  return op == UnaryOp::exp || op == UnaryOp::tanh || op == UnaryOp::sqrt || op == UnaryOp::rsqrt;
}

Tensor unary(UnaryOp op, const char* name, const Tensor& x, double scalar) {
  check_floating(x, name);
  const Tensor in = contiguous(x.detach());
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).unary(op, in, scalar, out);
  if (any_requires_grad({x})) {
    const Tensor saved_x = reads_input(op) ? in : Tensor();
    const Tensor saved_y = reads_output(op) ? out.detach() : Tensor();
    record(out, name, {x}, [=](const Tensor& g, const auto&) {
      Tensor gx = Tensor::empty(g.shape(), g.dtype(), g.device());
      backend_for(g.device()).unary_backward(op, saved_x, saved_y, scalar, contiguous(g), gx);
      return Grads{gx};
    });
  }
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::add, "add", a, b);
  if (any_requires_grad({a, b}))
    record(out, "add", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const auto& n) {
      return Grads{n[0] ? sum_to(g, sa) : Tensor(), n[1] ? sum_to(g, sb) : Tensor()};
    });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::sub, "sub", a, b);
  if (any_requires_grad({a, b}))
    record(out, "sub", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const auto& n) {
      return Grads{n[0] ? sum_to(g, sa) : Tensor(), n[1] ? neg(sum_to(g, sb)) : Tensor()};
    });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::mul, "mul", a, b);
  if (any_requires_grad({a, b}))
    record(out, "mul", {a, b},
           [sa = a.shape(), sb = b.shape(), ka = keep_if(a, b.requires_grad()),
            kb = keep_if(b, a.requires_grad())](const Tensor& g, const auto& n) {
             return Grads{n[0] ? sum_to(mul(g, kb), sa) : Tensor(),
                          n[1] ? sum_to(mul(g, ka), sb) : Tensor()};
           });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::div, "div", a, b);
  if (any_requires_grad({a, b}))
    record(out, "div", {a, b},
           [sa = a.shape(), sb = b.shape(), kb = b.detach(),
            ko = keep_if(out, b.requires_grad())](const Tensor& g, const auto& n) {
             const Tensor ga = div(g, kb);  // d(a/b)/db = -(a/b)/b, so gb = -ga * out
             return Grads{n[0] ? sum_to(ga, sa) : Tensor(),
                          n[1] ? neg(sum_to(mul(ga, ko), sb)) : Tensor()};
           });
  return out;
}

Tensor add(const Tensor& x, double s) { return unary(UnaryOp::add_scalar, "add_scalar", x, s); }
Tensor sub(const Tensor& x, double s) { return add(x, -s); }
Tensor mul(const Tensor& x, double s) { return unary(UnaryOp::mul_scalar, "mul_scalar", x, s); }
Tensor div(const Tensor& x, double s) { return mul(x, 1.0 / s); }

Tensor neg(const Tensor& x) { return unary(UnaryOp::neg, "neg", x, 0); }
Tensor exp(const Tensor& x) { return unary(UnaryOp::exp, "exp", x, 0); }
Tensor log(const Tensor& x) { return unary(UnaryOp::log, "log", x, 0); }
Tensor tanh(const Tensor& x) { return unary(UnaryOp::tanh, "tanh", x, 0); }
Tensor gelu(const Tensor& x) { return unary(UnaryOp::gelu_erf, "gelu", x, 0); }
Tensor gelu_tanh(const Tensor& x) { return unary(UnaryOp::gelu_tanh, "gelu_tanh", x, 0); }
Tensor sqrt(const Tensor& x) { return unary(UnaryOp::sqrt, "sqrt", x, 0); }
Tensor rsqrt(const Tensor& x) { return unary(UnaryOp::rsqrt, "rsqrt", x, 0); }
Tensor pow(const Tensor& x, double exponent) { return unary(UnaryOp::pow, "pow", x, exponent); }
Tensor clamp_min(const Tensor& x, double low) {
  return unary(UnaryOp::clamp_min, "clamp_min", x, low);
}

}  // namespace longnet::ops
