#pragma once
// Gradient checking for the tests: analytic gradients from backward() against f64 central
// differences, over inputs of any layout (contiguous, transposed, sliced views).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace longnet::testing {

enum class Layout { contiguous, transposed, sliced };

// An f64 leaf with requires_grad, values uniform in [low, high). transposed: a transpose view of
// a contiguous tensor (last two dims swapped in memory); sliced: every other element of a
// twice-as-long last dim. Both are non-contiguous views of the requested shape.
Tensor random_input(const Shape& shape, uint64_t seed, Layout layout = Layout::contiguous,
                    double low = -1.0, double high = 1.0);

// The elements of t in row-major order as doubles (any dtype, layout and device).
std::vector<double> values(const Tensor& t);

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-5;
};

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Compares d(sum(f(inputs) * w))/d(input) for a fixed random w with central differences, for
// every element of every input that requires grad. Inputs may live on any device (contiguous
// there); the differences are taken in their dtype, so use f64.
::testing::AssertionResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs,
                                     GradcheckOptions options = {});

}  // namespace longnet::testing
