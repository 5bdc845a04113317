#include "ops/gradcheck.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/backend.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace longnet::testing {

Tensor random_input(const Shape& shape, uint64_t seed, Layout layout, double low, double high) {
  Tensor t;
  switch (layout) {
    case Layout::contiguous:
      t = ops::uniform(shape, low, high, seed, 0, DType::f64);
      break;
    case Layout::transposed: {
      if (shape.size() < 2) fail<RuntimeError>("random_input: transposed needs 2 dims");
      Shape swapped = shape;
      std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
      t = ops::transpose(ops::uniform(swapped, low, high, seed, 0, DType::f64), -1, -2);
      break;
    }
    case Layout::sliced: {
      if (shape.empty()) fail<RuntimeError>("random_input: sliced needs a dim");
      Shape wide = shape;
      wide.back() *= 2;
      Shape strides = contiguous_strides(wide);
      strides.back() = 2;
      t = ops::uniform(wide, low, high, seed, 0, DType::f64).as_strided(shape, strides, 0);
      break;
    }
  }
  return t.detach().set_requires_grad(true);
}

std::vector<double> values(const Tensor& t) {
  return ops::cast(ops::to_device(t.detach(), Device::cpu()), DType::f64).to_vector<double>();
}

namespace {

// Address of logical element `n` (row-major order) of a CPU f64 tensor.
double& element(const Tensor& t, int64_t n) {
  int64_t at = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    at += (n % t.size(d)) * t.stride(d);
    n /= t.size(d);
  }
  return t.data<double>()[at];
}

double weighted_sum(const Tensor& out, const Tensor& w) {
  return ops::to_device(ops::sum(ops::mul(out, w)), Device::cpu()).item<double>();
}

// An input's elements as the loop perturbs them: in place on the CPU; on another device through
// a host copy, written back whole after each change (the input must be contiguous there).
class Elements {
 public:
  explicit Elements(const Tensor& x) : x_(x), host_(ops::to_device(x.detach(), Device::cpu())) {
    if (!x.device().is_cpu() && !x.is_contiguous())
      fail<RuntimeError>("gradcheck: an input on {} must be contiguous", to_string(x.device()));
  }
  double get(int64_t n) const { return element(host_, n); }
  void set(int64_t n, double v) {
    element(host_, n) = v;
    if (!x_.device().is_cpu()) ops::backend_for(x_.device()).copy_from_host(host_, x_);
  }

 private:
  Tensor x_, host_;  // host_ is x_ itself on the CPU
};

}  // namespace

::testing::AssertionResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs,
                                     GradcheckOptions options) {
  std::vector<Tensor> leaves = inputs;
  for (Tensor& t : leaves)
    if (t.requires_grad()) t.set_grad(Tensor());
  const Tensor out = f(leaves);
  const Tensor w = ops::uniform(out.shape(), 0.5, 1.5, 12345, 7, DType::f64, out.device());
  backward(ops::sum(ops::mul(out, w)));

  autograd::NoGradGuard no_grad;
  for (size_t i = 0; i < leaves.size(); ++i) {
    const Tensor& x = leaves[i];
    if (!x.requires_grad()) continue;
    if (!x.grad().defined())
      return ::testing::AssertionFailure() << "input " << i << " got no gradient";
    const std::vector<double> analytic = values(x.grad());
    Elements elements(x);
    for (int64_t n = 0; n < x.numel(); ++n) {
      const double saved = elements.get(n);
      elements.set(n, saved + options.eps);
      const double plus = weighted_sum(f(leaves), w);
      elements.set(n, saved - options.eps);
      const double minus = weighted_sum(f(leaves), w);
      elements.set(n, saved);
      const double numeric = (plus - minus) / (2 * options.eps);
      const double a = analytic[size_t(n)];
      if (!(std::abs(a - numeric) <= options.atol + options.rtol * std::abs(numeric)))
        return ::testing::AssertionFailure()
               << "input " << i << " " << shape_string(x.shape()) << " element " << n
               << ": analytic " << a << " vs numeric " << numeric;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace longnet::testing
