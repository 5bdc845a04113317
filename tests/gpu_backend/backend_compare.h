#pragma once
// Runs one Tensor computation on the CPU backend (f64) and on cuda:0 (f32 or f64) from the same
// random inputs, and compares the outputs and the gradients that backward() gives every input.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace longnet::test {

inline Device gpu_device() { return Device::cuda(0); }

// The same values as a CPU f64 leaf and a cuda leaf of `gpu_dtype`, both requiring grad.
struct Operand {
  Tensor cpu, gpu;
};
Operand random_operand(const Shape& shape, uint64_t seed, double low = -1, double high = 1,
                       DType gpu_dtype = DType::f32);

// A CPU tensor of f64 with t's values (any device, dtype, layout).
std::vector<double> host_values(const Tensor& t);

// Fills the caching allocator's free lists with NaN blocks, so outputs a kernel fails to write
// show up as NaN.
void poison_device_memory();

struct Tolerance {
  double rtol = 1e-5, atol = 1e-5;
};
// f64 on the GPU computes in fp64: it must agree with the CPU to near fp64 rounding.
constexpr Tolerance kF64Tolerance{1e-12, 1e-12};

using Computation = std::function<Tensor(const std::vector<Tensor>&)>;

// f on both devices; then backward of sum(f * w) for a fixed random w; compares f and each
// operand's gradient (operands the CPU run gives no gradient are compared for f only).
void expect_backends_agree(const Computation& f, const std::vector<Operand>& operands,
                           Tolerance tol = {});

}  // namespace longnet::test
