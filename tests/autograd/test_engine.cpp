// The reverse pass: chain rule over shared subexpressions, accumulation, seeds, no-grad scopes,
// detach and graph release.
#include <gtest/gtest.h>

#include "autograd/grad_mode.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace longnet {
namespace {

Tensor leaf(std::vector<double> v) {
  Tensor t = ops::from_vector(v, {int64_t(v.size())});
  t.set_requires_grad(true);
  return t;
}

std::vector<double> grad_of(const Tensor& t) { return t.grad().to_vector<double>(); }

TEST(Autograd, ChainRuleThroughASharedSubexpression) {
  const Tensor x = leaf({1.0, -2.0, 0.5});
  const Tensor a = x + 1.0, b = x * 2.0;
  backward(ops::sum(a * b));  // d/dx (x+1)(2x) = 4x + 2
  EXPECT_EQ(grad_of(x), (std::vector<double>{6.0, -6.0, 4.0}));
}

TEST(Autograd, GradientsAccumulateOverBackwardCalls) {
  const Tensor x = leaf({3.0});
  backward(ops::sum(x * x));
  backward(ops::sum(x * 5.0));
  EXPECT_EQ(grad_of(x), (std::vector<double>{6.0 + 5.0}));
}

TEST(Autograd, SeedGradientForNonScalarOutputs) {
  const Tensor x = leaf({1.0, 2.0});
  backward(x * x, ops::from_vector<double>({10.0, 100.0}, {2}));
  EXPECT_EQ(grad_of(x), (std::vector<double>{20.0, 400.0}));
  EXPECT_THROW(backward(x * x), RuntimeError);  // no seed for two elements
}

TEST(Autograd, OnlyInputsThatRequireGradGetOne) {
  const Tensor x = leaf({2.0});
  const Tensor c = ops::from_vector<double>({7.0}, {1});
  backward(ops::sum(x * c));
  EXPECT_EQ(grad_of(x), (std::vector<double>{7.0}));
  EXPECT_FALSE(c.grad().defined());
}

TEST(Autograd, NoGradScopeRecordsNothing) {
  const Tensor x = leaf({1.0});
  {
    autograd::NoGradGuard guard;
    EXPECT_FALSE(autograd::grad_enabled());
    const Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
  }
  EXPECT_TRUE(autograd::grad_enabled());
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Autograd, DetachStopsTheGradient) {
  const Tensor x = leaf({3.0});
  backward(ops::sum(x * x.detach()));  // d/dx (x * const) = const
  EXPECT_EQ(grad_of(x), (std::vector<double>{3.0}));
}

TEST(Autograd, GraphIsReleasedAfterBackward) {
  const Tensor x = leaf({1.0});
  const Tensor y = ops::sum(ops::exp(x));
  backward(y);
  EXPECT_THROW(backward(y), RuntimeError);
}

TEST(Autograd, BackwardOnALeaf) {
  const Tensor x = leaf({1.0, 2.0});
  backward(x, ops::from_vector<double>({3.0, 4.0}, {2}));
  EXPECT_EQ(grad_of(x), (std::vector<double>{3.0, 4.0}));
  EXPECT_THROW(backward(ops::from_vector<double>({1.0}, {1})), RuntimeError);
}

TEST(Autograd, DeepChainsDoNotRecurse) {
  const Tensor x = leaf({1.0});
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y + 1.0;
  backward(ops::sum(y));
  EXPECT_EQ(grad_of(x), (std::vector<double>{1.0}));
}

}  // namespace
}  // namespace longnet
