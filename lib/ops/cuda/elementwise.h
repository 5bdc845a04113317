#pragma once
// Elementwise and broadcast ops over up-to-4-D strided views (views.h), any mix of f32/bf16/f64
// storage: fp32 math, or fp64 math when any operand is f64. A stride of 0 broadcasts an input along that dimension. Outputs must not
// overlap inputs except exactly (in place).
#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

enum class UnaryOp {
  copy,        // x (with `in` and `out` types differing, a conversion)
  neg,
  scale,       // alpha * x
  add_scalar,  // x + alpha
  exp,
  log,
  tanh,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  abs,
  relu,
  gelu,        // exact: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
  gelu_tanh,   // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  pow,         // x^alpha
  fill,        // alpha (the input is not read)
};

enum class BinaryOp {
  add,
  sub,
  mul,
  div,
  max,
  min,
  gelu_backward,       // a = x, b = dy: dy * d gelu(x) / dx
  gelu_tanh_backward,  // a = x, b = dy: dy * d gelu_tanh(x) / dx
  pow_backward,        // a = x, b = dy: dy * alpha x^(alpha - 1)
  clamp_min_backward,  // a = x, b = dy: dy where x >= alpha, else 0 (times dy, so NaN stays NaN)
};

// alpha is converted to the arithmetic type (fp32, or fp64 with an f64 operand).
void unary(DeviceContext& ctx, UnaryOp op, double alpha, const Extent& extent, const InView& in,
           const OutView& out);
// alpha is the scalar of the *_backward ops that take one (pow's exponent, clamp_min's bound).
void binary(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
            const OutView& out, double alpha = 0);

// n contiguous elements from one type to the other (any of f32, bf16, f64; rounds to nearest even).
void convert(DeviceContext& ctx, int64_t n, const void* in, DType in_type, void* out, DType out_type);

}  // namespace longnet::cuda
